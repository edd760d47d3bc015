"""The model card (README.md) a retrained candidate carries: data revision, config, reward trace and gate results.

Written for every candidate, promoted or not, so a folder always says what it is and whether it passed.
"""

from __future__ import annotations

import json
from typing import Any

from triage_demo import DISCLAIMER
from triage_demo.train import hub
from triage_demo.train.promotion import TrainingRecord

_METRICS = ("exact", "adjacent", "under_triage", "over_triage", "critical_under_triage", "esi12_sensitivity",
            "unparsed")


def _pct(p: dict[str, Any]) -> str:
    if p.get("value") is None:
        return "n/a"
    lo, hi = p["ci95"]
    return f"{100 * p['value']:.1f}% [{100 * lo:.1f}–{100 * hi:.1f}] ({p['k']}/{p['n']})"


def _is_repo_id(value: str) -> bool:
    """Hub repo ids go into the card's metadata (base_model, datasets); local paths would fail Hub validation."""
    try:
        return hub.local_folder(value, "") is None
    except FileNotFoundError:
        return False


def render_card(training: TrainingRecord, gate: dict[str, Any], promoted_tag: str | None) -> str:
    """The README.md text for a candidate: its training record, the gate's verdict (`GateDecision.to_dict()`)
    and the tag it was promoted as (None when it was not)."""
    front = ["---", "library_name: transformers", "license: other",
             "license_name: health-ai-developer-foundations",
             "license_link: https://developers.google.com/health-ai-developer-foundations/terms",
             "tags: [medical, triage, emergency-severity-index, grpo, trl, peft, research-only]"]
    if _is_repo_id(training.base_model):
        front.append(f"base_model: {training.base_model}")
    if _is_repo_id(training.labels):
        front.append(f"datasets: [{training.labels}]")
    front.append("---")
    status = f"promoted as `{promoted_tag}`" if promoted_tag else "NOT promoted (the current model was kept)"
    lines = [
        *front,
        "",
        "# ESI triage model — scheduled GRPO retraining candidate",
        "",
        f"> ⚠️ {DISCLAIMER}",
        "",
        f"Warm-started from `{training.base_model}` with a fresh LoRA adapter (merged, bf16), trained with the "
        f"model card's rule-aware GRPO reward on expert consensus labels ({training.train_seconds / 60:.1f} min of "
        "training). "
        f"Status: **{status}**.",
        "",
        "## Data",
        "",
        f"- Labels: `{training.labels}` at revision `{training.data_revision}`",
        *(f"- {k.replace('_', ' ')}: {v}" for k, v in training.data_stats.items()),
        "",
        "## Gate (held-out expert cases, greedy decoding)",
        "",
        *(f"- {r}" for r in gate.get("reasons", [])),
    ]
    if gate.get("candidate") and gate.get("current"):
        lines += ["", "| metric | current | candidate |", "|---|---|---|"]
        lines += [f"| {m.replace('_', ' ')} | {_pct(gate['current'][m])} | {_pct(gate['candidate'][m])} |"
                  for m in _METRICS]
    lines += ["", "## Reward at the last logged step", "", "| component | value |", "|---|---|"]
    lines += [f"| {k} | {v:+.3f} |" for k, v in training.rewards.items()]
    lines += ["", "## Configuration", ""]
    for name, cfg in training.configs.items():
        lines += [f"### {name}", "", "```json", json.dumps(cfg, indent=2, sort_keys=True), "```", ""]
    return "\n".join(lines)
