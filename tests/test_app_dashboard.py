"""The Dashboard: numbers from labels submitted through the served app, checked against the label records."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from app_harness import serve
from triage_demo.dashboard import write_exports
from triage_demo.labels.store import LabelStore
from triage_demo.settings import Settings

CASES = Path(__file__).resolve().parents[1] / "examples" / "cases.jsonl"


@pytest.fixture
def labelled(tmp_path, monkeypatch):
    """Two experts label the same 4 cases (agreeing on 3), an adjudicator rules on the 4th."""
    settings = Settings(labels_dir=tmp_path / "labels", examples_path=CASES, rate_limit_per_minute=0,
                        experts=("drada", "kim"), adjudicators=("chief",))
    with serve(settings, login=True, monkeypatch=monkeypatch) as app:
        ada, kim, chief = (app.client(app.login(u)) for u in ("drada", "kim", "chief"))
        cases = ada.predict(api_name="/label_queue")["cases"][:4]
        ids = [c["case_id"] for c in cases]
        rows = []
        for case_id, (a, k) in zip(ids, [(1, 1), (2, 2), (5, 5), (3, 4)]):
            rows.append(ada.predict(case_id, a, "ada's reason", [], api_name="/label_submit"))
            kim.predict(case_id, k, "kim's reason", [], api_name="/label_submit")
        chief.predict(ids[3], 4, "ruling", api_name="/label_adjudicate")
        yield app, ids, rows, tmp_path / "labels"


def test_dashboard_data_counts_agreement_and_metrics(labelled) -> None:
    app, ids, rows, _ = labelled
    data = app.client().predict(api_name="/dashboard_data")
    assert data["current_labels"] == 8 and data["experts"] == 2 and data["cases"] == 4
    assert data["records"] == 9  # 8 expert labels + 1 ruling
    assert data["labels_per_level"] == {"1": 2, "2": 2, "3": 1, "4": 1, "5": 2}
    assert data["consensus_methods"] == {"majority": 3, "adjudicated": 1}
    assert data["agreement"]["cases_with_2plus_labels"] == 4
    (pair,) = data["agreement"]["pairs"]
    assert (pair["annotator_a"], pair["annotator_b"], pair["n"], pair["exact"]) == ("drada", "kim", 4, 0.75)
    assert pair["qwk"] is not None and 0.8 < pair["qwk"] < 1.0

    primary = data["models"]["primary"]
    metrics = primary["metrics"]
    assert primary["names"] and primary["names"][0].startswith("rules")
    assert metrics["n"] == 4
    consensus = dict(zip(ids, (1, 2, 5, 4)))  # the 4th by ruling
    model = {r["case_id"]: r["primary_esi"] for r in rows}
    assert metrics["exact"]["k"] == sum(model[c] == consensus[c] for c in ids)
    assert [(u["case_id"], u["model_esi"]) for u in data["under_triaged"]] == sorted(
        [(c, model[c]) for c in ids if model[c] > consensus[c]],
        key=lambda cm: (consensus[cm[0]], -(cm[1] - consensus[cm[0]]), cm[0]))
    assert all("narrative" not in u for u in data["under_triaged"])  # not signed in: aggregates only


def test_annotators_see_narratives(labelled) -> None:
    app, *_ = labelled
    data = app.client(app.login("kim")).predict(api_name="/dashboard_data")
    assert all(u["narrative"] for u in data["under_triaged"])
    assert "stored locally" in data["sync"]  # no Hub repo configured in tests


def test_exports_round_trip(labelled, tmp_path) -> None:
    _, ids, _, labels_dir = labelled
    records = LabelStore(labels_dir).read_all().records
    paths = write_exports(records, tmp_path / "out")
    assert len(pd.read_csv(paths["records.csv"])) == 9
    consensus = pd.read_parquet(paths["consensus.parquet"])
    assert sorted(consensus["case_id"]) == sorted(ids)
    assert len(paths["eval-cases.jsonl"].read_text().splitlines()) == 4
