"""Build the GRPO training set and the gate's held-out set from the expert labels.

- One consensus label per case (the labels package's aggregation: majority, adjudicator overrides); cases
  without a consensus are left out.
- Only de-identified narratives: every narrative, expert or base set, goes through the labels package's
  de-identifier before it is used (idempotent on narratives that were de-identified when stored).
- Dedupe by case id, and by narrative text: a narrative appears once, expert labels winning over the base set.
- Hold-out split by a salted hash of the normalised narrative, so a case stays on its side across runs and the
  same narrative can never be in both train and eval. Only expert cases are held out (the gate measures
  against experts); base-set cases whose narrative is held out are dropped from training.
- Card: ESI-1 oversampled 5x, ESI-2 3x (training side only).
- Prompts: `triage_demo.prompt.build_messages` (the card's system prompt), left conversational so the trainer
  applies the model's own chat template, exactly as serving does.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

from triage_demo.evaluate import Case, load_cases
from triage_demo.labels.aggregate import consensus
from triage_demo.labels.deid import deid_text
from triage_demo.labels.store import LabelStore
from triage_demo.prompt import build_messages
from triage_demo.train import hub
from triage_demo.train.config import DataConfig


@dataclass(frozen=True)
class TrainCase:
    """One case with its reference level; `source` is "expert" (consensus label) or "base" (base set)."""

    case_id: str
    narrative: str
    esi: int
    source: str
    rationale: str = ""  # the consensus label's rationale (expert cases)


@dataclass
class TrainingData:
    """The split, weighted training rows, and what the model card and the promotion record need to know."""

    train: list[TrainCase]  # unique cases, before oversampling
    heldout: list[TrainCase]
    rows: list[dict[str, Any]]  # oversampled TRL rows: prompt, esi, narrative, case_id
    consensus_case_ids: frozenset[str]  # every expert case with a consensus label (train + held out)
    revision: str
    stats: dict[str, Any] = field(default_factory=dict)

    def heldout_cases(self) -> list[Case]:
        """The held-out set in the evaluator's case format."""
        return [Case(c.case_id, c.narrative, c.esi, c.rationale) for c in self.heldout]


def normalise(narrative: str) -> str:
    """The text that identifies a narrative: case and whitespace do not make a new case."""
    return re.sub(r"\s+", " ", narrative).strip().lower()


def is_heldout(narrative: str, salt: str, fraction: float) -> bool:
    """Deterministic split on the narrative itself: sha256(salt | text) mapped to [0, 1) below `fraction`."""
    digest = hashlib.sha256(f"{salt}|{normalise(narrative)}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < fraction


def dedupe(cases: Iterable[TrainCase]) -> list[TrainCase]:
    """First occurrence wins, by case id and by narrative (pass expert cases first so they win)."""
    seen_ids: set[str] = set()
    seen_text: set[str] = set()
    out = []
    for c in cases:
        key = normalise(c.narrative)
        if c.case_id in seen_ids or key in seen_text:
            continue
        seen_ids.add(c.case_id)
        seen_text.add(key)
        out.append(c)
    return out


def split(cases: Sequence[TrainCase], salt: str, fraction: float) -> tuple[list[TrainCase], list[TrainCase]]:
    """(train, held out). Expert cases are split by narrative hash; a base case is trained on unless its
    narrative hashes to the held-out side, in which case it is dropped (never evaluated, never trained)."""
    train, heldout = [], []
    for c in cases:
        if is_heldout(c.narrative, salt, fraction):
            if c.source == "expert":
                heldout.append(c)
        else:
            train.append(c)
    return train, heldout


def oversample(cases: Sequence[TrainCase], factors: dict[int, int]) -> list[TrainCase]:
    """Repeat each case `factors[esi]` times (1 when the level has no factor)."""
    return [c for c in cases for _ in range(factors.get(c.esi, 1))]


def to_rows(cases: Sequence[TrainCase]) -> list[dict[str, Any]]:
    """TRL GRPO rows: a conversational `prompt`, the gold `esi` and the `narrative` the rule bonuses read."""
    return [{"prompt": build_messages(c.narrative), "esi": c.esi, "narrative": c.narrative, "case_id": c.case_id}
            for c in cases]


# --------------------------------------------------------------------------------------------------------------
# Sources
# --------------------------------------------------------------------------------------------------------------


def resolve_labels(labels: str, revision: str | None = None, api: Any = None) -> tuple[Path, str]:
    """(local folder, revision) for a label folder or a Hub dataset repo (downloaded at a pinned commit)."""
    local = hub.local_folder(labels, "label folder")
    if local is not None:
        return local, "local:" + _folder_digest(local)
    if api is None:
        from huggingface_hub import HfApi

        api = HfApi()
    sha = hub.call(f"label dataset {labels}", api.dataset_info, labels, revision=revision).sha
    folder = hub.call(f"label dataset {labels}", api.snapshot_download, repo_id=labels, repo_type="dataset",
                      revision=sha)
    return Path(folder), sha


def _folder_digest(folder: Path) -> str:
    """A content hash of the label shards, so a model card names exactly the data it was trained on."""
    h = hashlib.sha256()
    for path in LabelStore(folder).shard_paths():
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def expert_cases(folder: Path) -> tuple[list[TrainCase], dict[str, Any]]:
    """Consensus-labelled cases from a label store folder (majority vote, adjudicator overrides, ties to the more
    acute level: `triage_demo.labels.aggregate.consensus`), de-identified; plus what the read skipped."""
    read = LabelStore(folder).read_all()
    agreed = consensus(read.records)
    cases = [TrainCase(c.case_id, deid_text(c.narrative), c.esi, "expert", deid_text(c.rationale)) for c in agreed]
    stats = {
        "label_records": len(read.records),
        "unreadable_label_lines": read.corrupt_lines + read.truncated_lines,
        "consensus_methods": dict(sorted(Counter(c.method for c in agreed).items())),
    }
    return cases, stats


def base_cases(path: str | Path) -> list[TrainCase]:
    """The optional base set: JSONL in the eval-case format ({id, narrative, esi}), de-identified."""
    cases, problems = load_cases(path)
    if problems:
        raise ValueError(f"base set {path}: " + "; ".join(problems[:5]) + (" ..." if len(problems) > 5 else ""))
    return [TrainCase(f"base:{c.id}", deid_text(c.narrative), c.esi, "base", deid_text(c.rationale)) for c in cases]


def build(cfg: DataConfig, api: Any = None) -> TrainingData:
    """Everything a run needs from the labels (and the optional base set)."""
    if not 0.0 <= cfg.eval_fraction < 1.0:
        raise ValueError(f"--eval-fraction must be in [0, 1), got {cfg.eval_fraction}")
    folder, revision = resolve_labels(cfg.labels, cfg.labels_revision, api)
    experts, label_stats = expert_cases(folder)
    base = base_cases(cfg.base_data) if cfg.base_data else []
    if cfg.base_data:
        revision += f"+base:{_file_digest(Path(cfg.base_data))}"
    cases = dedupe([*experts, *base])
    train, heldout = split(cases, cfg.split_salt, cfg.eval_fraction)
    rows = to_rows(oversample(train, {1: cfg.oversample_esi1, 2: cfg.oversample_esi2}))
    stats = {
        **label_stats,
        "expert_cases": sum(c.source == "expert" for c in cases),
        "base_cases": sum(c.source == "base" for c in cases),
        "train_cases": len(train),
        "heldout_cases": len(heldout),
        "train_rows_after_oversampling": len(rows),
        "train_levels": dict(sorted(Counter(c.esi for c in train).items())),
        "heldout_levels": dict(sorted(Counter(c.esi for c in heldout).items())),
    }
    return TrainingData(train, heldout, rows, frozenset(c.case_id for c in experts), revision, stats)


def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def write_jsonl(rows: Iterable[dict[str, Any]], path: Path) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path
