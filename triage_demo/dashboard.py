"""The Dashboard tab's numbers, from the stored label records alone (so they survive restarts and match the Hub).

- Reference level of a case: the experts' consensus (`labels.aggregate.consensus`: majority, ties to the more
  acute level, an adjudicator's ruling overrides).
- A model's level for a case: what it answered when the case was labelled (stored in the newest record of the
  case), so the dashboard scores the answers the experts actually judged.
- Metrics: the core evaluator (`evaluate.evaluate`), the same numbers and Wilson intervals as `triage-demo eval`.
- Agreement between experts: `labels.aggregate.agreement_summary` (pairwise quadratic-weighted kappa and
  Krippendorff's alpha), over cases with 2+ labels.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from triage_demo.evaluate import evaluate
from triage_demo.labels.aggregate import agreement_summary, annotator_stats, consensus, export
from triage_demo.labels.record import LabelRecord
from triage_demo.labels.store import latest_labels
from triage_demo.schema import ESI_LEVELS

ROLES: tuple[str, ...] = ("primary", "baseline")


@dataclass(frozen=True)
class UnderTriaged:
    """A case a model called less acute than the experts did."""

    case_id: str
    model: str
    reference_esi: int
    model_esi: int
    narrative: str


def model_answers(records: Iterable[LabelRecord]) -> dict[str, dict[str, tuple[str, int | None]]]:
    """role -> case_id -> (model name, level it answered), from each case's newest record that ran that model."""
    newest: dict[str, LabelRecord] = {}
    for r in records:
        if r.case_id not in newest or (r.timestamp, r.record_id) > (newest[r.case_id].timestamp,
                                                                     newest[r.case_id].record_id):
            newest[r.case_id] = r
    out: dict[str, dict[str, tuple[str, int | None]]] = {role: {} for role in ROLES}
    for case_id, r in newest.items():
        for role in ROLES:
            output = getattr(r, role)
            if output is not None:
                out[role][case_id] = (output.model, output.esi)
    return out


def summarize(records: list[LabelRecord]) -> dict[str, Any]:
    """Everything the dashboard shows, JSON-ready (also the `/dashboard_data` API answer)."""
    current = latest_labels(records, role="expert")
    cases = consensus(records)
    answers = model_answers(records)
    per_day = Counter(r.timestamp[:10] for r in current.values())
    per_level = Counter(r.expert_esi for r in current.values())
    models: dict[str, Any] = {}
    under: list[UnderTriaged] = []
    for role in ROLES:
        scored = [c for c in cases if c.case_id in answers[role]]
        if not scored:
            continue
        preds = [answers[role][c.case_id][1] for c in scored]
        names = sorted({answers[role][c.case_id][0] for c in scored})
        models[role] = {"names": names, "metrics": evaluate([c.esi for c in scored], preds)}
        under += [UnderTriaged(c.case_id, role, c.esi, p, c.narrative)
                  for c, p in zip(scored, preds) if p is not None and p > c.esi]
    under.sort(key=lambda u: (u.reference_esi, -(u.model_esi - u.reference_esi), u.case_id))
    return {
        "records": len(records),
        "current_labels": len(current),
        "experts": len({who for who, _ in current}),
        "cases": len(cases),
        "labels_per_level": {str(level): per_level.get(level, 0) for level in ESI_LEVELS},
        "labels_per_day": dict(sorted(per_day.items())),
        "annotators": [_stats_row(s) for s in annotator_stats(records)],
        "consensus_methods": dict(Counter(c.method for c in cases)),
        "models": models,
        "agreement": agreement_summary(records),
        "under_triaged": [u.__dict__ for u in under],
    }


def _stats_row(stats: Any) -> dict[str, Any]:
    return {
        "annotator": stats.annotator,
        "labels": stats.n_labels,
        "mean_esi": round(stats.mean_esi, 2),
        "levels": {str(k): v for k, v in stats.levels.items()},
        "compared": stats.n_compared,
        "agreement_with_consensus": stats.agreement_with_consensus,
    }


def write_exports(records: list[LabelRecord], folder: Path) -> dict[str, Path]:
    """The downloads: every record and the consensus per case, as CSV and Parquet; consensus eval cases as JSONL."""
    folder.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    for which in ("records", "consensus"):
        for fmt in ("csv", "parquet"):
            path = folder / f"labels-{which}.{fmt}"
            export(records, fmt, path, which)
            paths[f"{which}.{fmt}"] = path
    path = folder / "labels-eval-cases.jsonl"
    export(records, "jsonl", path)
    paths["eval-cases.jsonl"] = path
    return paths

