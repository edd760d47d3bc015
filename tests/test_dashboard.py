"""triage_demo.dashboard: numbers from label records (built with the labels package's own `make_record`)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from triage_demo.dashboard import model_answers, summarize
from triage_demo.labels.record import make_record
from triage_demo.schema import TriageResult

T0 = datetime(2026, 11, 28, 9, 0, tzinfo=timezone.utc)


def label(narrative: str, who: str, esi: int, model_esi: int | None, minutes: int, role: str = "expert"):
    return make_record(narrative, expert_esi=esi, annotator=who, rationale="r", source="example", role=role,
                       primary=TriageResult(esi=model_esi, backend="rules · ESI rule engine", raw_text="x"),
                       timestamp=T0 + timedelta(minutes=minutes))


def test_empty_store_summarizes_to_zeros() -> None:
    data = summarize([])
    assert data["records"] == 0 and data["models"] == {} and data["under_triaged"] == []
    assert data["agreement"]["krippendorff_alpha_ordinal"] is None


def test_summary_scores_the_answers_the_experts_judged() -> None:
    a, b = "chest pain, BP 80/40", "ankle sprain, walking"
    records = [
        label(a, "ada", 2, 3, 0),
        label(a, "kim", 1, 3, 1),
        label(a, "chief", 1, 3, 2, role="adjudicator"),  # the ruling: ESI 1
        label(b, "ada", 5, 4, 60 * 24),  # next day
    ]
    data = summarize(records)
    assert data["labels_per_day"] == {"2026-11-28": 2, "2026-11-29": 1}
    assert data["labels_per_level"] == {"1": 1, "2": 1, "3": 0, "4": 0, "5": 1}
    metrics = data["models"]["primary"]["metrics"]
    assert metrics["n"] == 2 and metrics["exact"]["k"] == 0 and metrics["under_triage"]["k"] == 1
    (under,) = data["under_triaged"]
    assert (under["reference_esi"], under["model_esi"], under["narrative"]) == (1, 3, a)
    answers = model_answers(records)
    assert {v for v in answers["primary"].values()} == {("rules · ESI rule engine", 3), ("rules · ESI rule engine", 4)}
    assert answers["baseline"] == {}
