"""Training-set build: consensus, de-identification, dedupe, no train/eval leak, oversampling, prompts."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from triage_demo.prompt import SYSTEM_PROMPT
from triage_demo.train import data
from triage_demo.train.config import DataConfig
from triage_demo.train.data import TrainCase

SALT = "test-salt"

#: (narrative, [(annotator, esi, role)]) per case: 40 distinct cases across all five levels, 2 experts each.
COMPLAINTS = ["chest pain radiating to the jaw", "twisted ankle, walking with a limp", "sore throat and fever",
              "found unresponsive, intubated by EMS", "laceration to the forearm needing sutures",
              "abdominal pain since the morning", "medication refill, no complaints", "shortness of breath on exertion"]


def synthetic_cases(n: int, start: int = 0) -> list[tuple[str, list[tuple[str, int, str]]]]:
    """`n` distinct narratives, each labelled by two agreeing experts; levels cycle 1..5."""
    out = []
    for i in range(start, start + n):
        narrative = (f"A {20 + i % 60}-year-old with {COMPLAINTS[i % len(COMPLAINTS)]}, case number {i}. "
                     f"HR {70 + i % 50}, BP {110 + i % 30}/70, RR 16, SpO2 98%.")
        esi = 1 + i % 5
        out.append((narrative, [("dr-ada", esi, "expert"), ("dr-bo", esi, "expert")]))
    return out


def write_labels(folder: Path, cases: list[tuple[str, list[tuple[str, int, str]]]]) -> Path:
    """Append expert labels through the real label store (de-identified by `make_record`, as the app does)."""
    from triage_demo.labels.record import make_record
    from triage_demo.labels.store import LabelStore

    store = LabelStore(folder)
    try:
        for narrative, labels in cases:
            for annotator, esi, role in labels:
                store.append(make_record(narrative, expert_esi=esi, annotator=annotator, role=role,
                                         rationale=f"{annotator} says {esi}", source="example"))
    finally:
        store.close()
    return folder


def case(i: int, esi: int, source: str = "expert", narrative: str | None = None) -> TrainCase:
    return TrainCase(f"c{i}", narrative or f"Case {i}: patient with complaint number {i}, HR {60 + i}.", esi, source)


# --- pure steps ------------------------------------------------------------------------------------------------


def test_dedupe_by_case_id_and_by_narrative_first_wins():
    a = case(1, 2)
    same_id = TrainCase("c1", "a different narrative", 3, "expert")
    same_text = TrainCase("base:9", "  CASE 1: patient with complaint number 1,   hr 61. ", 4, "base")
    other = case(2, 5)
    assert data.dedupe([a, same_id, same_text, other]) == [a, other]


def test_split_is_deterministic_and_never_puts_a_narrative_on_both_sides():
    cases = [case(i, 1 + i % 5) for i in range(400)]
    train, held = data.split(cases, SALT, 0.2)
    assert data.split(cases, SALT, 0.2) == (train, held)  # stable across runs
    assert 40 < len(held) < 120  # ~20 % of 400
    assert not {data.normalise(c.narrative) for c in train} & {data.normalise(c.narrative) for c in held}
    # a case keeps its side when other cases come and go
    _, held_more = data.split(cases + [case(i, 3) for i in range(400, 500)], SALT, 0.2)
    assert set(held) <= set(held_more)


def test_split_holds_out_only_expert_cases_and_drops_base_cases_that_would_leak():
    experts = [case(i, 3) for i in range(200)]
    base = [TrainCase(f"base:{c.case_id}", c.narrative.upper(), c.esi, "base") for c in experts]  # same texts
    train, held = data.split(experts + base, SALT, 0.3)
    assert held and all(c.source == "expert" for c in held)
    held_texts = {data.normalise(c.narrative) for c in held}
    assert not any(data.normalise(c.narrative) in held_texts for c in train)


def test_fraction_zero_holds_out_nothing():
    train, held = data.split([case(i, 2) for i in range(50)], SALT, 0.0)
    assert held == [] and len(train) == 50


def test_oversampling_ratios_follow_the_card():
    cases = [case(1, 1), case(2, 2), case(3, 3), case(4, 4), case(5, 5), case(6, 1)]
    rows = data.oversample(cases, {1: 5, 2: 3})
    counts = Counter(c.case_id for c in rows)
    assert counts == {"c1": 5, "c6": 5, "c2": 3, "c3": 1, "c4": 1, "c5": 1}


def test_rows_are_conversational_prompts_with_the_card_system_prompt():
    [row] = data.to_rows([case(7, 2, narrative="  Chest pain 9/10.  ")])
    assert row["prompt"] == [{"role": "system", "content": SYSTEM_PROMPT},
                             {"role": "user", "content": "Chest pain 9/10."}]
    assert row["esi"] == 2 and row["narrative"] == "  Chest pain 9/10.  " and row["case_id"] == "c7"


def test_base_set_is_read_deidentified_and_bad_lines_are_refused(tmp_path):
    good = tmp_path / "base.jsonl"
    good.write_text(json.dumps({"id": "b1", "narrative": "Mr. John Smith, chest pain, call 555-123-4567", "esi": 2})
                    + "\n")
    [c] = data.base_cases(good)
    assert (c.case_id, c.esi, c.source) == ("base:b1", 2, "base")
    assert "John" not in c.narrative and "555-123-4567" not in c.narrative and "chest pain" in c.narrative
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"id": "b2", "narrative": "x", "esi": 9}) + "\n")
    with pytest.raises(ValueError, match="line 1"):
        data.base_cases(bad)


def test_a_missing_label_folder_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="not found"):
        data.build(DataConfig(labels=str(tmp_path / "nope")))
    with pytest.raises(ValueError, match="eval-fraction"):
        data.build(DataConfig(labels=str(tmp_path), eval_fraction=1.0))


# --- from the real label store ---------------------------------------------------------------------------------


def test_consensus_label_per_case(tmp_path):
    from triage_demo.labels.record import make_record
    from triage_demo.labels.store import LabelStore

    write_labels(tmp_path, [
        ("Case A: chest pain, HR 120.", [("ann1", 2, "expert"), ("ann2", 2, "expert")]),  # agreement
        ("Case B: ankle sprain.", [("ann1", 3, "expert"), ("ann2", 4, "expert")]),  # tie -> more acute
        ("Case C: syncope at home.", [("ann1", 4, "expert"), ("ann2", 4, "expert"), ("boss", 2, "adjudicator")]),
        ("Case D: sore throat.", [("ann1", 1, "expert"), ("ann2", 1, "expert"), ("ann3", 2, "expert")]),
    ])
    store = LabelStore(tmp_path)  # a correction supersedes ann1's earlier label of case B
    [old] = [r for r in store.read_all() if r.annotator == "ann1" and r.narrative.startswith("Case B")]
    store.append(make_record("Case B: ankle sprain.", expert_esi=4, annotator="ann1", rationale="on reflection",
                             source="example", supersedes=old.record_id))
    store.close()
    cases, stats = data.expert_cases(tmp_path)
    by_text = {c.narrative.split(":")[0]: c.esi for c in cases}
    assert by_text == {"Case A": 2, "Case B": 4, "Case C": 2, "Case D": 1}
    assert stats["consensus_methods"] == {"adjudicated": 1, "majority": 3}
    assert stats["label_records"] == 11 and stats["unreadable_label_lines"] == 0


def test_build_from_a_label_folder(tmp_path):
    labels = write_labels(tmp_path / "labels", synthetic_cases(40))
    built = data.build(DataConfig(labels=str(labels), eval_fraction=0.25, split_salt=SALT))
    assert len(built.consensus_case_ids) == 40
    assert len(built.train) + len(built.heldout) == 40 and built.heldout
    assert not {data.normalise(c.narrative) for c in built.train} & {data.normalise(c.narrative) for c in
                                                                       built.heldout}
    # oversampling: each training case appears 5x (ESI 1), 3x (ESI 2) or once in the rows
    rows = Counter((r["case_id"], r["esi"]) for r in built.rows)
    assert {(esi, n) for (_, esi), n in rows.items()} <= {(1, 5), (2, 3), (3, 1), (4, 1), (5, 1)}
    assert len(built.rows) == sum({1: 5, 2: 3}.get(c.esi, 1) for c in built.train)
    assert {r["case_id"] for r in built.rows} == {c.case_id for c in built.train}
    assert built.revision.startswith("local:")
    assert built.stats["heldout_cases"] == len(built.heldout_cases()) == len(built.heldout)
    # the revision names the data: one more label changes it
    write_labels(labels, synthetic_cases(1, start=100))
    assert data.build(DataConfig(labels=str(labels), split_salt=SALT)).revision != built.revision


def test_base_set_merges_without_duplicating_expert_cases(tmp_path):
    expert = synthetic_cases(10)
    labels = write_labels(tmp_path / "labels", expert)
    base = tmp_path / "base.jsonl"
    lines = [{"id": "dup", "narrative": "  " + expert[0][0].replace(" ", "  "), "esi": 5},  # same text, spaced
             {"id": "new", "narrative": "A 30-year-old with a rash for a week, vitals normal.", "esi": 5}]
    base.write_text("".join(json.dumps(x) + "\n" for x in lines))
    built = data.build(DataConfig(labels=str(labels), base_data=str(base), eval_fraction=0.0))
    assert built.stats["expert_cases"] == 10 and built.stats["base_cases"] == 1
    assert [c.case_id for c in built.train if c.source == "base"] == ["base:new"]
    assert "+base:" in built.revision
    assert built.consensus_case_ids == frozenset(c.case_id for c in built.train if c.source == "expert")


def test_build_from_a_hub_dataset_repo(tmp_path):
    """The label dataset as the Space's sync pushes it (store folder layout), read at a pinned commit."""
    from triage_demo.testing.fake_hub import FakeHfApi

    labels = write_labels(tmp_path / "labels", synthetic_cases(12))
    api = FakeHfApi(tmp_path / "hub")
    api.create_repo("org/esi-labels", repo_type="dataset", private=True)
    commit = api.upload_folder(repo_id="org/esi-labels", repo_type="dataset", folder_path=labels)
    from_hub = data.build(DataConfig(labels="org/esi-labels", split_salt=SALT), api)
    local = data.build(DataConfig(labels=str(labels), split_salt=SALT))
    assert from_hub.revision == commit.oid
    assert from_hub.rows == local.rows and from_hub.heldout == local.heldout


def test_unreachable_hub_dataset_is_a_clear_error(tmp_path):
    from triage_demo.testing.fake_hub import FakeHfApi

    api = FakeHfApi(tmp_path / "hub")
    with pytest.raises(ValueError, match="label dataset org/missing: .*Repository Not Found"):
        data.build(DataConfig(labels="org/missing"), api)
