"""The label record: validation with clear messages, de-identification first, and a flat never-null row."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from triage_demo.labels.record import (
    COLUMNS,
    SCHEMA_VERSION,
    LabelRecord,
    ModelOutput,
    case_id_for,
    make_record,
    verdict_for,
)
from triage_demo.schema import TriageResult

RAW = "Mr. John Smith, 67, crushing chest pain for 2 hours. BP 88/60, HR 118, SpO2 91%."


def _record(**overrides: object) -> LabelRecord:
    kwargs: dict[str, object] = dict(expert_esi=2, annotator="alice-md", rationale="hypotensive ACS", source="live")
    kwargs.update(overrides)
    return make_record(RAW, **kwargs)  # type: ignore[arg-type]


def test_make_record_deidentifies_before_hashing_and_storing() -> None:
    raw = "Chief complaint: Mr. Smith's chest pain\nANSWER: ESI 3"
    primary = TriageResult(esi=3, backend="openai", model="medgemma", raw_text=raw, probabilities={2: 0.3, 3: 0.7})
    r = _record(primary=primary, primary_revision="abc123", rationale="BP low, told Dr. Jones")
    assert "Smith" not in r.narrative and "Mr. [NAME], 67" in r.narrative
    assert "BP 88/60" in r.narrative
    assert r.case_id == case_id_for(r.narrative) != case_id_for(RAW)
    assert "Smith" not in r.primary.raw and "Jones" not in r.rationale
    assert r.primary.probabilities == (0.0, 0.3, 0.7, 0.0, 0.0)
    assert r.primary.verdict == "under-triage"  # the model said 3, the expert 2: less acute
    assert r.baseline is None


def test_case_id_is_stable_across_whitespace_and_identifiers() -> None:
    a = _record()
    b = make_record("  Mr. Bob Jones, 67, crushing chest pain for 2 hours.\nBP 88/60, HR 118, SpO2 91%. ",
                    expert_esi=3, annotator="bob", rationale="x", source="upload")
    assert a.case_id == b.case_id and len(a.case_id) == 16


def test_row_has_every_column_and_no_nulls() -> None:
    row = _record().to_row()
    assert list(row) == list(COLUMNS)
    assert all(v is not None for v in row.values())
    assert row["baseline_esi"] == 0 and row["baseline_model"] == "" and row["reason_tags"] == "[]"
    assert row["schema_version"] == SCHEMA_VERSION


def test_row_round_trip() -> None:
    r = _record(
        reason_tags=["danger-zone vitals", "chest pain", "chest pain"],
        primary=TriageResult(esi=2, backend="b", model="m", raw_text="ANSWER: ESI 2", probabilities={1: .1, 2: .9}),
        baseline=TriageResult(esi=None, backend="qwen", raw_text="garbled"),
        rule_min_esi=2,
        supersedes="0b8f6f4e-7a4b-4cf5-9a73-0e9b1b5f5a11",
    )
    assert r.reason_tags == ("danger-zone vitals", "chest pain")
    back = LabelRecord.from_json_line(r.to_json_line())
    assert back == r
    assert back.baseline is not None and back.baseline.esi is None and back.baseline.verdict is None


def test_json_line_is_one_line_even_with_newlines_inside() -> None:
    r = _record(rationale="line one\nline two")
    line = r.to_json_line()
    assert line.endswith("\n") and line.count("\n") == 1


@pytest.mark.parametrize("bad", [0, 6, "two", None, 2.5, True, "", [2]])
def test_invalid_expert_esi_is_refused(bad: object) -> None:
    with pytest.raises(ValueError, match="ESI level must be an integer 1-5"):
        _record(expert_esi=bad)


def test_esi_given_as_digit_string_is_accepted() -> None:
    assert _record(expert_esi="4").expert_esi == 4


@pytest.mark.parametrize("rationale", ["", "   ", None])
def test_rationale_is_required(rationale: object) -> None:
    with pytest.raises(ValueError, match="rationale is required"):
        _record(rationale=rationale)


@pytest.mark.parametrize("annotator, message", [
    ("jane.doe@hospital.org", "not an e-mail address"),
    ("", "annotator is required"),
    ("has space", "not a valid Hugging Face username"),
    ("-leading", "not a valid Hugging Face username"),
])
def test_annotator_must_be_a_username(annotator: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _record(annotator=annotator)


def test_bad_verdict_and_contradicting_verdict() -> None:
    primary = TriageResult(esi=3, backend="b", model="m")
    with pytest.raises(ValueError, match="verdict must be one of"):
        _record(primary=primary, primary_verdict="wrong")
    with pytest.raises(ValueError, match="contradicts the levels"):
        _record(primary=primary, primary_verdict="correct")  # 3 vs expert 2 is under-triage
    with pytest.raises(ValueError, match="cannot have a verdict"):
        _record(primary=TriageResult(esi=None, backend="b", model="m"), primary_verdict="correct")
    assert _record(primary=primary, primary_verdict="under-triage").primary.verdict == "under-triage"


def test_verdict_definitions() -> None:
    assert verdict_for(2, 2) == "correct"
    assert verdict_for(4, 2) == "under-triage"  # predicted less acute than the expert
    assert verdict_for(1, 2) == "over-triage"
    assert verdict_for(None, 2) is None


@pytest.mark.parametrize("field, value, message", [
    ("source", "web", "source must be one of"),
    ("role", "admin", "role must be one of"),
    ("reason_tags", "sepsis", "reason_tags must be a list"),
    ("reason_tags", ["<script>"], "reason tag"),
    ("rule_min_esi", 7, "ESI level"),
    ("supersedes", "not-a-uuid", "supersedes must be a UUID"),
])
def test_field_validation(field: str, value: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _record(**{field: value})


def test_timestamp_is_utc() -> None:
    r = _record(timestamp=datetime(2025, 3, 3, 12, 0, tzinfo=timezone(timedelta(hours=2))))
    assert r.timestamp == "2025-03-03T10:00:00.000000Z"
    with pytest.raises(ValueError, match="timezone-aware"):
        _record(timestamp=datetime(2025, 3, 3, 12, 0))


def test_probabilities_are_checked() -> None:
    with pytest.raises(ValueError, match="probabilities"):
        ModelOutput(model="m", esi=2, probabilities=(0.5, 0.6, 0.0, 0.0, 0.0))
    with pytest.raises(ValueError, match="probabilities"):
        ModelOutput(model="m", esi=2, probabilities=(1.0,))


def test_from_row_rejects_schema_drift() -> None:
    row = _record().to_row()
    with pytest.raises(ValueError, match="columns differ"):
        LabelRecord.from_row({k: v for k, v in row.items() if k != "rationale"})
    with pytest.raises(ValueError, match="columns differ"):
        LabelRecord.from_row({**row, "extra": 1})
    with pytest.raises(ValueError, match="schema version"):
        LabelRecord.from_row({**row, "schema_version": SCHEMA_VERSION + 1})
    with pytest.raises(ValueError, match="not valid JSON"):
        LabelRecord.from_json_line('{"schema_version": 1, "record_id"')
    with pytest.raises(ValueError, match="must be a JSON object"):
        LabelRecord.from_row(json.loads("[1, 2]"))  # type: ignore[arg-type]


def test_empty_narrative_is_refused() -> None:
    with pytest.raises(ValueError, match="narrative is empty"):
        make_record("   ", expert_esi=2, annotator="a", rationale="r", source="live")
