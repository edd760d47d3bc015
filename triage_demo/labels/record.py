"""The label record: one expert's judgement of one de-identified case, as stored and published.

Why the on-disk row is flat and never null: `datasets` infers each shard's column types on its own and refuses
to combine shards whose types differ (a shard where every `baseline_esi` is null has type `null`; another has
`int64`). So every row carries every column with a value of one fixed type: absent text is "", absent ESI levels
are 0, reason tags and probabilities are JSON strings. `LabelRecord` itself uses None; only `to_row`/`from_row`
know the encoding.

Records are immutable and append-only: a correction is a new record whose `supersedes` names the old one.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any, Mapping, Sequence

from triage_demo import __version__
from triage_demo.labels.deid import deid_text
from triage_demo.schema import ESI_LEVELS, TriageResult, validate_esi

#: Bump when a column is added, removed or changes meaning; readers refuse versions they do not know.
SCHEMA_VERSION = 1
SOURCES: tuple[str, ...] = ("example", "upload", "live")
ROLES: tuple[str, ...] = ("expert", "adjudicator")
VERDICTS: tuple[str, ...] = ("correct", "under-triage", "over-triage")
MAX_RATIONALE_CHARS = 2000
MAX_TAGS = 20

_ANNOTATOR_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?$")
_TAG_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _/-]{0,39}$")
_CASE_ID_RE = re.compile(r"^[0-9a-f]{16}$")

#: Every column of a stored row, in order, with its meaning (the dataset card's schema table is built from this).
COLUMNS: dict[str, str] = {
    "schema_version": f"int: record format version (currently {SCHEMA_VERSION})",
    "record_id": "string: UUID of this record",
    "supersedes": 'string: record_id this record corrects (same annotator and case), "" if none',
    "case_id": "string: first 16 hex digits of SHA-256 of the de-identified narrative (whitespace-normalised)",
    "narrative": "string: the de-identified triage narrative",
    "source": "string: where the case came from: example | upload | live",
    "annotator": "string: Hugging Face username of the expert (never an e-mail address)",
    "role": "string: expert | adjudicator (an adjudicator's label is the case's final label)",
    "timestamp": "string: UTC time of the label, ISO 8601 (YYYY-MM-DDTHH:MM:SS.ffffffZ)",
    "app_version": "string: triage-demo version that wrote the record",
    "expert_esi": "int: the expert's ESI level, 1-5, committed before seeing any model answer",
    "rationale": "string: the expert's short rationale (de-identified)",
    "reason_tags": 'string: JSON list of reason tags, e.g. ["danger-zone vitals"]; "[]" if none',
    "rule_min_esi": "int: minimum acuity from the rule-engine safety net, 1-5; 0 if not computed",
    "primary_model": 'string: the primary model\'s name; "" if it was not run',
    "primary_revision": 'string: the primary model\'s revision (commit); "" if unknown',
    "primary_raw": "string: the primary model's raw output (de-identified)",
    "primary_esi": "int: ESI parsed from the primary model's output, 1-5; 0 if none",
    "primary_probabilities": 'string: JSON list of 5 probabilities for ESI 1..5; "" if not available',
    "primary_verdict": 'string: correct | under-triage | over-triage (model vs expert); "" if no model answer',
    "baseline_model": 'string: the baseline model\'s name; "" if no baseline was run',
    "baseline_revision": 'string: the baseline model\'s revision; "" if unknown',
    "baseline_raw": "string: the baseline model's raw output (de-identified)",
    "baseline_esi": "int: ESI parsed from the baseline's output, 1-5; 0 if none",
    "baseline_probabilities": 'string: JSON list of 5 probabilities for ESI 1..5; "" if not available',
    "baseline_verdict": 'string: correct | under-triage | over-triage; "" if no baseline answer',
}


def verdict_for(model_esi: int | None, expert_esi: int) -> str | None:
    """The verdict a model's level earns against the expert's (esi-reference.md: under-triage = pred > gold)."""
    if model_esi is None:
        return None
    if model_esi == expert_esi:
        return "correct"
    return "under-triage" if model_esi > expert_esi else "over-triage"


def case_id_for(narrative: str) -> str:
    """Stable case id of a de-identified narrative; whitespace differences do not make a new case."""
    return hashlib.sha256(" ".join(narrative.split()).encode("utf-8")).hexdigest()[:16]


def utc_timestamp(moment: datetime | None = None) -> str:
    """`moment` (default: now) as the record's UTC timestamp string."""
    moment = moment or datetime.now(timezone.utc)
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("timestamp must be timezone-aware (UTC)")
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class ModelOutput:
    """What one model said about the case, and the verdict the expert's level gives it."""

    model: str
    revision: str | None = None
    raw: str = ""
    esi: int | None = None
    probabilities: tuple[float, ...] | None = None  # ESI 1..5
    verdict: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.model, str) or not self.model.strip():
            raise ValueError("a model output needs the model's name")
        if not isinstance(self.raw, str) or not isinstance(self.revision, (str, type(None))):
            raise ValueError(f"model {self.model}: raw output and revision must be text")
        if self.esi is not None:
            object.__setattr__(self, "esi", validate_esi(self.esi))
        if self.probabilities is not None:
            probs = tuple(float(p) for p in self.probabilities)
            if len(probs) != len(ESI_LEVELS) or any(not 0.0 <= p <= 1.0 for p in probs) or sum(probs) > 1.0 + 1e-6:
                raise ValueError("probabilities must be 5 numbers in [0, 1] (ESI 1..5) summing to at most 1")
            object.__setattr__(self, "probabilities", probs)
        if self.verdict is not None and self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {', '.join(VERDICTS)}, got {self.verdict!r}")
        if self.verdict is not None and self.esi is None:
            raise ValueError(f"model {self.model} gave no ESI level, so it cannot have a verdict")

    @classmethod
    def from_result(cls, result: TriageResult, revision: str | None = None) -> "ModelOutput":
        """From a backend's TriageResult; the raw text is de-identified (models echo the narrative)."""
        probs = None
        if result.probabilities:
            probs = tuple(float(result.probabilities.get(level, 0.0)) for level in ESI_LEVELS)
        return cls(
            model=result.model or result.backend,
            revision=revision,
            raw=deid_text(result.raw_text or ""),
            esi=result.esi,
            probabilities=probs,
        )


@dataclass(frozen=True)
class LabelRecord:
    """One label. Construct it with `make_record` (which de-identifies); the constructor validates every field."""

    case_id: str
    narrative: str
    source: str
    annotator: str
    expert_esi: int
    rationale: str
    role: str = "expert"
    reason_tags: tuple[str, ...] = ()
    rule_min_esi: int | None = None
    primary: ModelOutput | None = None
    baseline: ModelOutput | None = None
    supersedes: str | None = None
    record_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    timestamp: str = field(default_factory=utc_timestamp)
    app_version: str = __version__
    schema_version: int = SCHEMA_VERSION

    def __post_init__(self) -> None:
        if self.schema_version != SCHEMA_VERSION:
            raise ValueError(
                f"label schema version {self.schema_version!r} is not supported (this app reads {SCHEMA_VERSION})"
            )
        set_ = lambda name, value: object.__setattr__(self, name, value)  # noqa: E731 - frozen dataclass
        set_("expert_esi", validate_esi(self.expert_esi))
        if self.rule_min_esi is not None:
            set_("rule_min_esi", validate_esi(self.rule_min_esi))
        set_("annotator", _check_annotator(self.annotator))
        if self.role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}, got {self.role!r}")
        if self.source not in SOURCES:
            raise ValueError(f"source must be one of {', '.join(SOURCES)}, got {self.source!r}")
        if not isinstance(self.rationale, str) or not self.rationale.strip():
            raise ValueError("a rationale is required: say in a few words why you chose this level")
        if len(self.rationale) > MAX_RATIONALE_CHARS:
            raise ValueError(f"rationale is too long ({len(self.rationale)} > {MAX_RATIONALE_CHARS} characters)")
        set_("rationale", self.rationale.strip())
        set_("reason_tags", _check_tags(self.reason_tags))
        if not isinstance(self.narrative, str) or not self.narrative.strip():
            raise ValueError("the narrative is empty")
        if not isinstance(self.case_id, str) or not _CASE_ID_RE.match(self.case_id):
            raise ValueError(f"case_id must be 16 lowercase hex digits, got {self.case_id!r}")
        set_("record_id", _check_uuid(self.record_id, "record_id"))
        if self.supersedes is not None:
            set_("supersedes", _check_uuid(self.supersedes, "supersedes"))
            if self.supersedes == self.record_id:
                raise ValueError("a record cannot supersede itself")
        set_("timestamp", _check_timestamp(self.timestamp))
        if not isinstance(self.app_version, str) or not self.app_version:
            raise ValueError("app_version must be a non-empty string")
        for name in ("primary", "baseline"):
            output: ModelOutput | None = getattr(self, name)
            if output is None:
                continue
            expected = verdict_for(output.esi, self.expert_esi)
            if output.verdict is None:
                set_(name, replace(output, verdict=expected))
            elif output.verdict != expected:
                raise ValueError(
                    f"{name} verdict {output.verdict!r} contradicts the levels: the model said ESI {output.esi}, "
                    f"the expert ESI {self.expert_esi}, which is {expected!r}"
                )

    # --- the stored row -------------------------------------------------------------------------------------
    def to_row(self) -> dict[str, Any]:
        """The flat, never-null row written to the JSONL shards (see the module docstring)."""
        row: dict[str, Any] = {
            "schema_version": self.schema_version,
            "record_id": self.record_id,
            "supersedes": self.supersedes or "",
            "case_id": self.case_id,
            "narrative": self.narrative,
            "source": self.source,
            "annotator": self.annotator,
            "role": self.role,
            "timestamp": self.timestamp,
            "app_version": self.app_version,
            "expert_esi": self.expert_esi,
            "rationale": self.rationale,
            "reason_tags": json.dumps(list(self.reason_tags), ensure_ascii=False),
            "rule_min_esi": self.rule_min_esi or 0,
        }
        for name in ("primary", "baseline"):
            row.update(_model_columns(name, getattr(self, name)))
        assert list(row) == list(COLUMNS)  # the card documents exactly these columns
        return row

    def to_json_line(self) -> str:
        """One JSON line with its newline; json.dumps escapes newlines inside strings, so it is one line."""
        return json.dumps(self.to_row(), ensure_ascii=False, separators=(",", ":")) + "\n"

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> "LabelRecord":
        """Parse and validate a stored row; ValueError names what is wrong."""
        if not isinstance(row, Mapping):
            raise ValueError("a label row must be a JSON object")
        missing = [c for c in COLUMNS if c not in row]
        extra = [c for c in row if c not in COLUMNS]
        if missing or extra:
            raise ValueError(f"label row columns differ from schema (missing {missing}, unexpected {extra})")
        try:
            tags = json.loads(row["reason_tags"])
        except (TypeError, json.JSONDecodeError):
            raise ValueError(f"reason_tags must be a JSON list string, got {row['reason_tags']!r}") from None
        if not isinstance(tags, list):
            raise ValueError("reason_tags must be a JSON list")
        return cls(
            schema_version=row["schema_version"],
            record_id=row["record_id"],
            supersedes=row["supersedes"] or None,
            case_id=row["case_id"],
            narrative=row["narrative"],
            source=row["source"],
            annotator=row["annotator"],
            role=row["role"],
            timestamp=row["timestamp"],
            app_version=row["app_version"],
            expert_esi=row["expert_esi"],
            rationale=row["rationale"],
            reason_tags=tuple(tags),
            rule_min_esi=row["rule_min_esi"] or None,
            primary=_model_from_columns("primary", row),
            baseline=_model_from_columns("baseline", row),
        )

    @classmethod
    def from_json_line(cls, line: str | bytes) -> "LabelRecord":
        try:
            row = json.loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ValueError(f"not valid JSON ({exc})") from None
        return cls.from_row(row)


def make_record(
    narrative_raw: str,
    *,
    expert_esi: Any,
    annotator: str,
    rationale: str,
    source: str,
    role: str = "expert",
    reason_tags: Sequence[str] = (),
    primary: TriageResult | None = None,
    primary_revision: str | None = None,
    primary_verdict: str | None = None,
    baseline: TriageResult | None = None,
    baseline_revision: str | None = None,
    baseline_verdict: str | None = None,
    rule_min_esi: int | None = None,
    supersedes: str | None = None,
    timestamp: datetime | None = None,
) -> LabelRecord:
    """Build a validated record from what the app has: de-identifies the narrative FIRST (the case id is the hash
    of the de-identified text, so the raw narrative never leaves this function), and the rationale and model
    outputs too. Verdicts are derived from the levels when not given, and checked against them when given."""
    if not isinstance(narrative_raw, str) or not narrative_raw.strip():
        raise ValueError("the narrative is empty")
    narrative = deid_text(narrative_raw).strip()
    outputs = {}
    for name, result, revision, verdict in (
        ("primary", primary, primary_revision, primary_verdict),
        ("baseline", baseline, baseline_revision, baseline_verdict),
    ):
        outputs[name] = replace(ModelOutput.from_result(result, revision), verdict=verdict) if result else None
    return LabelRecord(
        case_id=case_id_for(narrative),
        narrative=narrative,
        source=source,
        annotator=annotator,
        role=role,
        expert_esi=expert_esi,
        rationale=deid_text(rationale) if isinstance(rationale, str) else rationale,
        reason_tags=reason_tags,  # type: ignore[arg-type]  # validated (and made a tuple) by LabelRecord
        rule_min_esi=rule_min_esi,
        primary=outputs["primary"],
        baseline=outputs["baseline"],
        supersedes=supersedes,
        timestamp=utc_timestamp(timestamp),
    )


def _model_columns(name: str, output: ModelOutput | None) -> dict[str, Any]:
    if output is None:
        return {f"{name}_{k}": v for k, v in (("model", ""), ("revision", ""), ("raw", ""), ("esi", 0),
                                              ("probabilities", ""), ("verdict", ""))}
    return {
        f"{name}_model": output.model,
        f"{name}_revision": output.revision or "",
        f"{name}_raw": output.raw,
        f"{name}_esi": output.esi or 0,
        f"{name}_probabilities": json.dumps(list(output.probabilities)) if output.probabilities else "",
        f"{name}_verdict": output.verdict or "",
    }


def _model_from_columns(name: str, row: Mapping[str, Any]) -> ModelOutput | None:
    model = row[f"{name}_model"]
    if not model:
        return None
    probs = row[f"{name}_probabilities"]
    try:
        probabilities = tuple(json.loads(probs)) if probs else None
    except (TypeError, json.JSONDecodeError):
        raise ValueError(f"{name}_probabilities must be a JSON list string, got {probs!r}") from None
    return ModelOutput(
        model=model,
        revision=row[f"{name}_revision"] or None,
        raw=row[f"{name}_raw"],
        esi=row[f"{name}_esi"] or None,
        probabilities=probabilities,
        verdict=row[f"{name}_verdict"] or None,
    )


def _check_annotator(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("annotator is required (the expert's Hugging Face username)")
    value = value.strip()
    if "@" in value:
        raise ValueError("annotator must be a Hugging Face username, not an e-mail address")
    if not _ANNOTATOR_RE.match(value):
        raise ValueError(f"annotator {value!r} is not a valid Hugging Face username")
    return value


def _check_tags(tags: Any) -> tuple[str, ...]:
    if isinstance(tags, str) or not isinstance(tags, (list, tuple)):
        raise ValueError("reason_tags must be a list of short strings")
    out: list[str] = []
    for tag in tags:
        if not isinstance(tag, str) or not _TAG_RE.match(tag.strip()):
            raise ValueError(f"reason tag {tag!r} is not allowed (1-40 letters, digits, spaces, - _ /)")
        if tag.strip() not in out:
            out.append(tag.strip())
    if len(out) > MAX_TAGS:
        raise ValueError(f"at most {MAX_TAGS} reason tags")
    return tuple(out)


def _check_uuid(value: Any, name: str) -> str:
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise ValueError(f"{name} must be a UUID, got {value!r}") from None


def _check_timestamp(value: Any) -> str:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"timestamp must be ISO 8601, got {value!r}") from None
    if moment.tzinfo is None or moment.utcoffset() != timezone.utc.utcoffset(None):
        raise ValueError(f"timestamp must be in UTC, got {value!r}")
    return utc_timestamp(moment)
