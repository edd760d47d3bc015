"""The evaluator's numbers, checked against values worked out by hand."""

import json

import pytest

from triage_demo.evaluate import (
    evaluate, format_report, load_cases, proportion, quadratic_weighted_kappa, under_triaged, wilson, Case,
)


def test_wilson_known_values():
    lo, hi = wilson(30, 36)  # the model card's 83.3 % on 36 cases: about ±12 points
    assert lo == pytest.approx(0.6811, abs=1e-3) and hi == pytest.approx(0.9213, abs=1e-3)
    assert wilson(0, 10)[0] == 0.0 and wilson(10, 10)[1] == pytest.approx(1.0)
    assert wilson(0, 0) == (0.0, 1.0)


def test_qwk_perfect_chance_and_undefined():
    assert quadratic_weighted_kappa([1, 2, 3, 4, 5], [1, 2, 3, 4, 5]) == pytest.approx(1.0)
    # Hand computation: a=[1,2,3], b=[1,3,3]; weights (i-j)^2/16.
    # observed disagreement: one cell (2,3) -> 1/16; expected: sum_ij w_ij * r_i c_j / n
    a, b = [1, 2, 3], [1, 3, 3]
    rows = {1: 1, 2: 1, 3: 1}
    cols = {1: 1, 3: 2}
    exp = sum(((i - j) ** 2 / 16) * rows[i] * cols[j] / 3 for i in rows for j in cols)
    assert quadratic_weighted_kappa(a, b) == pytest.approx(1 - (1 / 16) / exp)
    assert quadratic_weighted_kappa([], []) is None
    assert quadratic_weighted_kappa([3, 3], [3, 3]) is None
    with pytest.raises(ValueError):
        quadratic_weighted_kappa([1], [1, 2])


def test_evaluate_counts():
    golds = [1, 1, 2, 2, 3, 3, 4, 5, 5, 2]
    preds = [1, 3, 2, 1, 3, 4, 4, 5, None, 3]
    m = evaluate(golds, preds)
    assert m["n"] == 10
    assert m["exact"]["k"] == 5  # (1,1) (2,2) (3,3) (4,4) (5,5)
    assert m["adjacent"]["k"] == 8  # + (2,1) (3,4) (2,3); (1,3) is not adjacent; None never is
    assert m["under_triage"]["k"] == 3  # (1,3) (3,4) (2,3)
    assert m["over_triage"]["k"] == 1  # (2,1)
    assert m["critical_under_triage"]["k"] == 2  # (1,3) (2,3)
    assert m["esi12_sensitivity"]["k"] == 3 and m["esi12_sensitivity"]["n"] == 5
    assert m["unparsed"]["k"] == 1
    assert m["per_class"]["1"]["k"] == 1 and m["per_class"]["1"]["n"] == 2
    assert m["per_class"]["5"]["k"] == 1 and m["per_class"]["5"]["n"] == 2
    assert m["confusion"][0] == [1, 0, 1, 0, 0]
    assert m["confusion"][1] == [1, 1, 1, 0, 0]
    assert sum(map(sum, m["confusion"])) == 9
    assert m["exact"]["value"] == 0.5 and m["exact"]["ci95"] == list(wilson(5, 10))
    assert -1 <= m["qwk"] <= 1
    assert "exact" in format_report(m) and "confusion" in format_report(m)
    json.dumps(m)


def test_evaluate_length_mismatch():
    with pytest.raises(ValueError):
        evaluate([1, 2], [1])


def test_proportion_of_nothing():
    assert proportion(0, 0)["value"] is None
    assert "n/a" in format_report(evaluate([], []))


def test_load_cases_reports_bad_lines_by_number(tmp_path):
    f = tmp_path / "cases.jsonl"
    f.write_text("\n".join([
        json.dumps({"id": "a", "narrative": "45M chest pain", "esi": 2}),
        "{not json",
        json.dumps({"id": "b", "esi": 3}),
        json.dumps({"id": "c", "narrative": "cough", "esi": 6}),
        json.dumps({"id": "d", "narrative": "  ", "esi": 3}),
        "",
        json.dumps({"id": "e", "narrative": "rash", "esi": "5"}),
        json.dumps([1, 2]),
    ]))
    cases, problems = load_cases(f)
    assert [c.id for c in cases] == ["a", "e"] and cases[1].esi == 5
    assert [p.split(":")[0] for p in problems] == ["line 2", "line 3", "line 4", "line 5", "line 8"]


def test_under_triaged_sorted_most_dangerous_first():
    cases = [Case("a", "x", 3), Case("b", "y", 1), Case("c", "z", 2), Case("d", "w", 1)]
    out = under_triaged(cases, [4, 2, 2, 4])
    assert [c.id for c, _ in out] == ["d", "b", "a"]
