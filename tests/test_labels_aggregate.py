"""Consensus, agreement and exports, checked against hand-computed and published values."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
import pytest

from triage_demo.evaluate import load_cases
from triage_demo.labels.aggregate import (
    agreement_summary,
    annotator_stats,
    consensus,
    export,
    krippendorff_alpha,
    pairwise_agreement,
    ratings_by_case,
)
from triage_demo.labels.record import COLUMNS, LabelRecord, make_record

T0 = datetime(2025, 1, 1, tzinfo=timezone.utc)


def _label(case: str, annotator: str, esi: int, minute: int = 0, role: str = "expert",
           supersedes: LabelRecord | None = None) -> LabelRecord:
    return make_record(f"narrative of case {case}", expert_esi=esi, annotator=annotator, role=role,
                       rationale=f"{annotator} says {esi}", source="example",
                       supersedes=supersedes.record_id if supersedes else None,
                       timestamp=T0 + timedelta(minutes=minute))


def _by_narrative(records: list[LabelRecord]) -> dict[str, object]:
    return {c.narrative.rsplit(" ", 1)[1]: c for c in consensus(records)}


def test_consensus_majority_tie_single_and_adjudication() -> None:
    records = [
        _label("A", "ann", 2), _label("A", "bob", 2), _label("A", "cat", 3),  # majority 2
        _label("B", "ann", 2), _label("B", "bob", 3),  # tie: the more acute level, flagged
        _label("C", "ann", 4),  # one label
        _label("D", "ann", 3), _label("D", "bob", 3), _label("D", "dan", 2, role="adjudicator"),  # adjudicated
    ]
    cases = _by_narrative(records)
    a, b, c, d = (cases[k] for k in "ABCD")
    assert (a.esi, a.method, a.votes, a.n_labels) == (2, "majority", {2: 2, 3: 1}, 3)
    assert (b.esi, b.method, b.tie) == (2, "tie", True)
    assert (c.esi, c.method) == (4, "single")
    assert (d.esi, d.method, d.rationale, d.n_labels) == (2, "adjudicated", "dan says 2", 2)
    assert a.annotators == ("ann", "bob", "cat")


def test_corrections_and_resubmissions_change_the_vote() -> None:
    first = _label("A", "ann", 3, minute=0)
    records = [first, _label("A", "bob", 2), _label("A", "ann", 2, minute=5, supersedes=first)]
    (case,) = consensus(records)
    assert (case.esi, case.method, case.votes) == (2, "majority", {2: 2})
    ruling = _label("A", "dan", 1, minute=10, role="adjudicator")
    changed_mind = _label("A", "dan", 3, minute=20, role="adjudicator", supersedes=ruling)
    (case,) = consensus(records + [ruling, changed_mind])
    assert (case.esi, case.method) == (3, "adjudicated")


def test_pairwise_kappa_hand_computed() -> None:
    """a = 1,2,3,4 and b = 1,2,3,5: observed weighted disagreement 1/16, expected 56/16/4 = 0.875,
    so kappa = 1 - 0.0625 / 0.875 = 0.928571..."""
    records = [_label(str(i), "a", x) for i, x in enumerate([1, 2, 3, 4])]
    records += [_label(str(i), "b", y) for i, y in enumerate([1, 2, 3, 5])]
    records += [_label("solo", "c", 3)]  # c shares no case: no pair
    (pair,) = pairwise_agreement(ratings_by_case(records))
    assert (pair.annotator_a, pair.annotator_b, pair.n, pair.exact) == ("a", "b", 4, 0.75)
    assert pair.qwk == pytest.approx(1 - 0.0625 / 0.875)


def test_krippendorff_alpha_hand_computed() -> None:
    """Units (1,1), (2,2), (1,2): coincidences o11 = o22 = 2, o12 = o21 = 1; n1 = n2 = 3, n = 6.
    D_o ~ 2, D_e ~ (3*3 + 3*3) / 5 = 3.6, alpha = 1 - 2 / 3.6 = 0.4444..."""
    units = [[1, 1], [2, 2], [1, 2], [5]]  # the single rating is not pairable and must not count
    for metric in ("nominal", "interval", "ordinal"):
        assert krippendorff_alpha(units, metric) == pytest.approx(1 - 2 / 3.6)


def test_krippendorff_alpha_published_example() -> None:
    """Krippendorff (2011), 'Computing Krippendorff's Alpha-Reliability': 4 coders, 12 units, missing values;
    alpha = 0.743 (nominal), 0.815 (ordinal), 0.849 (interval)."""
    coders = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
        [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
    ]
    units = [[v for v in unit if v is not None] for unit in zip(*coders, strict=True)]
    assert krippendorff_alpha(units, "nominal") == pytest.approx(0.743, abs=5e-4)
    assert krippendorff_alpha(units, "ordinal") == pytest.approx(0.815, abs=5e-4)
    assert krippendorff_alpha(units, "interval") == pytest.approx(0.849, abs=5e-4)


def test_alpha_undefined_cases() -> None:
    assert krippendorff_alpha([[3], [4]]) is None  # nothing pairable
    assert krippendorff_alpha([[3, 3], [3, 3]]) is None  # no variation: agreement is undefined, not perfect
    assert krippendorff_alpha([[1, 1], [2, 2]]) == 1.0
    with pytest.raises(ValueError, match="metric"):
        krippendorff_alpha([[1, 2]], "ratio")


def test_annotator_stats_only_compare_shared_cases() -> None:
    records = [_label("A", "ann", 2), _label("A", "bob", 2), _label("A", "cat", 3),
               _label("B", "ann", 4),  # ann alone: not compared
               _label("C", "cat", 5), _label("C", "dan", 1, role="adjudicator")]
    stats = {s.annotator: s for s in annotator_stats(records)}
    assert set(stats) == {"ann", "bob", "cat"}  # the adjudicator is not an expert voter
    assert (stats["ann"].n_labels, stats["ann"].mean_esi, stats["ann"].n_compared) == (2, 3.0, 1)
    assert stats["ann"].agreement_with_consensus == 1.0
    assert (stats["cat"].n_compared, stats["cat"].agreement_with_consensus) == (2, 0.0)
    assert stats["cat"].levels == {3: 1, 5: 1}


def test_agreement_summary() -> None:
    records = [_label("A", "ann", 2), _label("A", "bob", 2), _label("B", "ann", 3), _label("B", "bob", 4),
               _label("C", "ann", 1)]
    summary = agreement_summary(records)
    assert summary["cases_with_2plus_labels"] == 2
    assert summary["pairs"][0]["n"] == 2 and summary["pairs"][0]["exact"] == 0.5
    assert summary["krippendorff_alpha_ordinal"] is not None
    json.dumps(summary)  # JSON-ready for the dashboard


def test_export_jsonl_is_the_eval_case_format(tmp_path: Path) -> None:
    records = [_label("A", "ann", 2), _label("A", "bob", 2), _label("B", "ann", 5)]
    out = tmp_path / "cases.jsonl"
    assert export(records, "jsonl", out) == 2
    cases, problems = load_cases(out)  # what `triage-demo eval --cases` reads
    assert problems == [] and sorted(c.esi for c in cases) == [2, 5]
    assert {c.narrative for c in cases} == {"narrative of case A", "narrative of case B"}
    assert set(json.loads(out.read_text().splitlines()[0])) == {"id", "narrative", "esi", "rationale"}


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_export_tables(tmp_path: Path, fmt: str) -> None:
    records = [_label("A", "ann", 2), _label("A", "bob", 3), _label("B", "ann", 5)]
    read = pd.read_csv if fmt == "csv" else pd.read_parquet
    out = tmp_path / f"records.{fmt}"
    assert export(records, fmt, out) == 3
    frame = read(out)
    assert list(frame.columns) == list(COLUMNS) and sorted(frame["expert_esi"]) == [2, 3, 5]
    assert export(records, fmt, tmp_path / f"c.{fmt}", "consensus") == 2
    assert sorted(read(tmp_path / f"c.{fmt}")["esi"]) == [2, 5]
    assert export(records, fmt, tmp_path / f"a.{fmt}", "annotators") == 2
    with pytest.raises(ValueError, match="table must be one of"):
        export(records, fmt, tmp_path / "x", "nope")
