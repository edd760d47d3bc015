"""triage_demo.annotation: the label queue's order and the blind-first workflow (real store, rule engine)."""

from __future__ import annotations

import asyncio

import pytest

from triage_demo.annotation import LabelDesk, NotAllowed, QueueCase, priority_of
from triage_demo.auth import Annotator
from triage_demo.backends import build_backends
from triage_demo.labels.service import LabelService
from triage_demo.labels.store import LabelStore
from triage_demo.schema import TriageResult
from triage_demo.service import InputError, TriageRun, TriageService
from triage_demo.settings import Settings

ADA = Annotator("ada", adjudicator=False, source="local")
CHIEF = Annotator("chief", adjudicator=True, source="local")


def run_with(primary: int | None, baseline: int | None = None, flags: int = 0,
             probs: dict[int, float] | None = None) -> TriageRun:
    run = TriageRun(narrative="n")
    run.primary = TriageResult(esi=primary, backend="p", probabilities=probs)
    run.baseline = TriageResult(esi=baseline, backend="b") if baseline is not None else None
    run.safety = {"min_esi": 2, "rule_esi": 2, "flags": ["x"] * flags}
    return run


def test_priority_prefers_disagreement_flags_doubt_and_unlabelled_cases() -> None:
    calm = priority_of(QueueCase("a", "n", "example", run_with(3, 3, probs={3: 0.95, 2: 0.05})), 0)
    split = priority_of(QueueCase("b", "n", "example", run_with(2, 4)), 0)
    flagged = priority_of(QueueCase("c", "n", "example", run_with(3, 3, flags=1)), 0)
    unsure = priority_of(QueueCase("d", "n", "example", run_with(3, 3, probs={3: 0.4, 2: 0.35})), 0)
    seconded = priority_of(QueueCase("e", "n", "example", run_with(3, 3, probs={3: 0.95, 2: 0.05})), 1)
    assert split[0] > flagged[0] > unsure[0] > calm[0] > seconded[0]
    assert split[1] == ("models disagree", "no labels yet")
    assert unsure[1] == ("model unsure", "no labels yet") and seconded[1] == ("needs a second opinion",)
    assert not any(any(ch.isdigit() for ch in reason) for _, reasons in (calm, split, flagged) for reason in reasons)


@pytest.fixture
def desk(tmp_path) -> LabelDesk:
    settings = Settings(labels_dir=tmp_path)
    desk = LabelDesk(TriageService(settings, build_backends(settings)), LabelService(LabelStore(tmp_path)))
    desk.add("Mrs. Eleanor Whitby, 80, crushing chest pain, BP 84/50, HR 124.", source="live")
    desk.add("Sore throat for two days, afebrile, walking.", source="upload")
    asyncio.run(desk.ensure_triaged())
    return desk


def test_cases_are_de_identified_and_deduplicated(desk) -> None:
    texts = [item.case.narrative for item in desk.queue(ADA)]
    assert len(texts) == 2 and not any("Whitby" in t for t in texts)
    assert desk.add_many(["Sore throat for two days, afebrile, walking."], source="upload") == 0


def test_blind_commit_then_revision_supersedes(desk, tmp_path) -> None:
    case = desk.queue(ADA)[0].case  # the shocked patient comes first
    assert case.source == "live"
    first = desk.commit(ADA, case.case_id, 3, "looked stable")
    assert first.primary is not None and (first.primary.esi, first.primary.verdict) == (1, "over-triage")
    with pytest.raises(InputError, match="already labelled"):
        desk.commit(ADA, case.case_id, 2, "again")
    revised = desk.revise(ADA, case.case_id, 2, "hypotensive after all")
    assert revised.supersedes == first.record_id
    assert [r.expert_esi for r in LabelStore(tmp_path).read_all().records] == [3, 2]  # the blind label is kept
    assert desk.current_labels()[("ada", case.case_id)].expert_esi == 2
    assert case.case_id not in {item.case.case_id for item in desk.queue(ADA)}


def test_revision_needs_a_label_and_adjudication_an_adjudicator(desk) -> None:
    case_id = desk.queue(ADA)[0].case.case_id
    with pytest.raises(InputError, match="no label of yours"):
        desk.revise(ADA, case_id, 2, "x")
    with pytest.raises(NotAllowed, match="not an adjudicator"):
        desk.adjudicate(ADA, case_id, 2, "x")
    assert desk.adjudicate(CHIEF, case_id, 1, "shock").role == "adjudicator"
