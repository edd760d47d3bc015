"""`triage-demo train run`: labels -> (skip?) -> GRPO -> merge -> gate -> promote, one run, headless.

Output folder layout:
    candidate/       merged bf16 model + tokenizer + training.json + README.md (model card)
                     [+ promotion.json once promoted]
    trainer/         TRL's working folder (no checkpoints are kept)
    heldout.jsonl    the gate's cases in the eval format (`triage-demo eval --cases` reproduces the gate)
    report.json      the gate decision and the promotion (`train gate` writes the same file)
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Sequence

from triage_demo.evaluate import Case
from triage_demo.train import card, data, gate, grpo
from triage_demo.train.config import DataConfig, GateConfig, RetrainConfig, RunConfig, as_dict
from triage_demo.train.promotion import (
    PromotionRecord,
    TrainingRecord,
    new_case_ids,
    read_promotion,
    read_training,
    write_promotion,
    write_training,
)

Say = Callable[[str], None]


@dataclass
class RunOutcome:
    """How a run ended. `status`: skipped | kept | promoted | worker (a non-main accelerate process)."""

    status: str
    message: str
    report: dict[str, Any] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        """0 for every expected outcome; 1 when promoted but the SGLang server did not take the new weights."""
        return 1 if (self.report.get("promotion") or {}).get("sglang_error") else 0


def run(
    data_cfg: DataConfig,
    cfg: RetrainConfig,
    gate_cfg: GateConfig,
    run_cfg: RunConfig,
    api: Any = None,
    say: Say = print,
) -> RunOutcome:
    """One scheduled retraining run. `api` is an HfApi (or a fake in tests) for the labels, the current model's
    promotion record and the push; None builds a real one where needed."""
    built = data.build(data_cfg, api)
    record = read_promotion(cfg.model, api)
    new = new_case_ids(built.consensus_case_ids, record)
    since = f"since the promotion of {record.promoted_at}" if record else "(no promoted model yet)"
    if len(new) < run_cfg.min_new_cases:
        msg = (f"skipping: {len(new)} new consensus label(s) {since}, fewer than --min-new-cases "
               f"{run_cfg.min_new_cases}")
        say(msg)
        return RunOutcome("skipped", msg, {"new_cases": len(new)})
    if not built.rows:
        raise ValueError(f"no training cases in {data_cfg.labels} after the hold-out split: {built.stats}")
    candidate_dir = Path(cfg.output) / "candidate"
    if candidate_dir.exists() and any(candidate_dir.iterdir()):
        # never mix a new model with an old run's files (an old promotion.json would mark it as promoted)
        raise ValueError(f"{candidate_dir} already holds a candidate: choose a new --output or remove it")
    say(f"{len(new)} new consensus label(s) {since}; training on {built.stats['train_cases']} cases "
        f"({len(built.rows)} rows after oversampling), {built.stats['heldout_cases']} held out")

    from datasets import Dataset

    output = Path(cfg.output)
    output.mkdir(parents=True, exist_ok=True)
    result = grpo.train(cfg, Dataset.from_list(built.rows), candidate_dir)
    if not result.is_main_process:
        return RunOutcome("worker", "training done on a non-main process")
    rewards = grpo.reward_summary(result.log_history)
    say(f"trained {cfg.max_steps} steps in {result.seconds:.0f} s; last logged: "
        + ", ".join(f"{k}={v:+.3f}" for k, v in rewards.items()))
    write_training(
        TrainingRecord(
            base_model=cfg.model,
            labels=data_cfg.labels,
            data_revision=built.revision,
            consensus_case_ids=tuple(sorted(built.consensus_case_ids)),
            data_stats=built.stats,
            configs={"data": as_dict(data_cfg), "training": as_dict(cfg), "gate": as_dict(gate_cfg),
                     "run": as_dict(run_cfg)},
            rewards=rewards,
            train_seconds=result.seconds,
        ),
        candidate_dir,
    )
    heldout = built.heldout_cases()
    data.write_jsonl(({"id": c.id, "narrative": c.narrative, "esi": c.esi, "rationale": c.rationale}
                      for c in heldout), output / "heldout.jsonl")
    return conclude(candidate_dir, cfg.model, heldout, gate_cfg,
                    gate_cfg.gate_max_new_tokens or cfg.max_completion_length, api, say)


def conclude(
    candidate_dir: Path,
    current: str,
    heldout: Sequence[Case],
    gate_cfg: GateConfig,
    max_new_tokens: int,
    api: Any = None,
    say: Say = print,
) -> RunOutcome:
    """Gate a trained candidate against the current model, write its model card, and promote it if it passes.
    Shared by `train run` (right after training) and `train gate` (re-running the gate on a saved candidate)."""
    candidate_dir = Path(candidate_dir)
    training = read_training(candidate_dir)
    decision = gate.run_gate(str(candidate_dir), current, heldout, gate_cfg, max_new_tokens)
    for reason in decision.reasons:
        say(f"gate: {reason}")
    now = datetime.now(timezone.utc)
    tag = f"retrain-{now.strftime('%Y%m%dT%H%M%SZ')}" if decision.promote else None
    (candidate_dir / "README.md").write_text(card.render_card(training, decision.to_dict(), tag), encoding="utf-8")
    report: dict[str, Any] = {"candidate": str(candidate_dir), "current": current, "gate": decision.to_dict()}
    if tag is None:
        msg = f"kept the current model {current}: " + "; ".join(decision.blocking)
        status = "kept"
    else:
        write_promotion(PromotionRecord(training, now.isoformat(timespec="seconds"), tag, decision.to_dict()),
                        candidate_dir)
        promotion = gate.promote(candidate_dir, gate_cfg, tag, f"GRPO retrain on labels {training.data_revision}",
                                 api)
        report["promotion"] = asdict(promotion)
        where = f"pushed to {promotion.repo_id} as {tag}" if promotion.repo_id else f"in {candidate_dir} as {tag}"
        msg = f"promoted: {where}"
        if promotion.sglang_error:
            msg += f"; SGLang NOT reloaded: {promotion.sglang_error}"
        elif promotion.sglang is not None:
            msg += f"; SGLang reloaded ({promotion.sglang})"
        status = "promoted"
    (candidate_dir.parent / "report.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    say(msg)
    return RunOutcome(status, msg, report)
