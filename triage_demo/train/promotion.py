"""What a candidate was trained on (`training.json`) and what a promoted model carries (`promotion.json`).

The scheduled job compares the consensus labels that exist now with the ones the current model was trained on
(its promotion record) to decide whether a run is worth its GPU hours. The records live inside the model folder
/ repo, so the state travels with the weights: whoever serves a model can tell which labels made it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from triage_demo.train import hub

TRAINING_FILE = "training.json"
PROMOTION_FILE = "promotion.json"
SCHEMA_VERSION = 1


@dataclass(frozen=True)
class TrainingRecord:
    """Provenance of a candidate, written next to its weights when training ends."""

    base_model: str  # the model it was warm-started from
    labels: str  # label folder or Hub dataset repo
    data_revision: str  # Hub commit, or a content hash of the local folder (+ the base set's hash)
    consensus_case_ids: tuple[str, ...]  # every expert case with a consensus label at training time
    data_stats: dict[str, Any] = field(default_factory=dict)
    configs: dict[str, dict[str, Any]] = field(default_factory=dict)  # secrets redacted (config.as_dict)
    rewards: dict[str, float] = field(default_factory=dict)  # last logged reward components
    train_seconds: float = 0.0


@dataclass(frozen=True)
class PromotionRecord:
    """A training record plus when and as what it was promoted, and the gate's metrics."""

    training: TrainingRecord
    promoted_at: str  # UTC ISO-8601
    tag: str
    gate: dict[str, Any] = field(default_factory=dict)  # GateDecision.to_dict()


def _dump(obj: Any, path: Path) -> Path:
    d = {"schema_version": SCHEMA_VERSION, **asdict(obj)}
    path.write_text(json.dumps(d, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


def _training_from(d: dict[str, Any]) -> TrainingRecord:
    return TrainingRecord(**{**d, "consensus_case_ids": tuple(d["consensus_case_ids"])})


def _load(text: str, where: str, kind: str) -> dict[str, Any]:
    try:
        d = json.loads(text)
        if not isinstance(d, dict) or d.pop("schema_version", None) != SCHEMA_VERSION:
            raise ValueError("missing or unknown schema_version")
        return d
    except ValueError as exc:  # a broken record must not read as "never promoted"
        raise ValueError(f"{where}: not a valid {kind} ({exc})") from None


def write_training(record: TrainingRecord, model_dir: Path) -> Path:
    return _dump(record, Path(model_dir) / TRAINING_FILE)


def read_training(model_dir: Path) -> TrainingRecord:
    path = Path(model_dir) / TRAINING_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: {model_dir} is not a candidate written by `train run`")
    d = _load(path.read_text(encoding="utf-8"), str(path), TRAINING_FILE)
    try:
        return _training_from(d)
    except (KeyError, TypeError) as exc:
        raise ValueError(f"{path}: not a valid {TRAINING_FILE} ({exc})") from None


def write_promotion(record: PromotionRecord, model_dir: Path) -> Path:
    return _dump(record, Path(model_dir) / PROMOTION_FILE)


def parse_promotion(text: str, where: str) -> PromotionRecord:
    d = _load(text, where, PROMOTION_FILE)
    try:
        return PromotionRecord(**{**d, "training": _training_from(d["training"])})
    except (KeyError, TypeError) as exc:
        raise ValueError(f"{where}: not a valid {PROMOTION_FILE} ({exc})") from None


def read_promotion(model: str, api: Any = None) -> PromotionRecord | None:
    """The record of `model` (a local folder or a Hub model repo id), or None when it was never promoted by this
    pipeline (e.g. the original model from the card)."""
    local = hub.local_folder(model, "model folder")
    if local is not None:
        path = local / PROMOTION_FILE
        return parse_promotion(path.read_text(encoding="utf-8"), str(path)) if path.is_file() else None
    from huggingface_hub.errors import RemoteEntryNotFoundError

    if api is None:
        from huggingface_hub import HfApi

        api = HfApi()
    try:
        path = hub.call(f"model repo {model}", api.hf_hub_download, repo_id=model, filename=PROMOTION_FILE,
                        repo_type="model")
    except ValueError as exc:
        if isinstance(exc.__cause__, RemoteEntryNotFoundError):  # the repo has no record (not: offline)
            return None
        raise
    return parse_promotion(Path(path).read_text(encoding="utf-8"), f"{model}/{PROMOTION_FILE}")


def new_case_ids(current: frozenset[str] | set[str], record: PromotionRecord | None) -> set[str]:
    """Consensus cases that the promoted model has not been trained on (all of them without a record)."""
    return set(current) - set(record.training.consensus_case_ids if record else ())
