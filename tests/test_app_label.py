"""The Label tab's API against the served app: who may label, blind-first, adjudication, live cases.

Logins go through Gradio's own (mocked, offline) OAuth routes; the identity reaches the handlers only via the
signed session cookie, as on a Space.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError

from app_harness import serve
from triage_demo.labels.store import LabelStore
from triage_demo.settings import Settings

CASES = Path(__file__).resolve().parents[1] / "examples" / "cases.jsonl"


@pytest.fixture
def app(tmp_path, monkeypatch):
    settings = Settings(
        labels_dir=tmp_path / "labels", examples_path=CASES, rate_limit_per_minute=0,
        experts=("drada", "nurse-kim"), adjudicators=("chief",),
    )
    with serve(settings, login=True, monkeypatch=monkeypatch) as served:
        yield served


def stored(tmp_path: Path) -> list:
    return LabelStore(tmp_path / "labels").read_all().records


def test_labelling_needs_a_login(app, tmp_path) -> None:
    with pytest.raises(AppError, match="TRIAGE_LOCAL_ANNOTATOR"):
        app.client().predict(api_name="/label_queue")
    with pytest.raises(AppError, match="TRIAGE_LOCAL_ANNOTATOR"):
        app.client().predict("0123456789abcdef", 2, "why", [], api_name="/label_submit")
    assert stored(tmp_path) == []


def test_a_signed_in_non_expert_is_refused(app, tmp_path) -> None:
    client = app.client(app.login("mallory"))
    with pytest.raises(AppError, match="Signed in as mallory, who is not on the expert list"):
        client.predict(api_name="/label_queue")
    case_id = app.client(app.login("drada")).predict(api_name="/label_queue")["cases"][0]["case_id"]
    with pytest.raises(AppError, match="mallory"):
        client.predict(case_id, 2, "my guess", [], api_name="/label_submit")
    assert stored(tmp_path) == []


def test_a_client_supplied_token_is_not_an_identity(app, tmp_path) -> None:
    # Gradio passes a caller's OAuth token to endpoints that ask for one; none of ours does, and a bearer
    # header makes nobody an expert.
    client = Client(app.url, headers={"Authorization": "Bearer hf_token_claiming_drada"},
                    oauth_token="hf_token_claiming_drada", verbose=False, download_files=False)
    endpoints = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert not any(info.get("oauth_token") for info in endpoints.values())
    with pytest.raises(AppError, match="TRIAGE_LOCAL_ANNOTATOR"):
        client.predict(api_name="/label_queue")


def test_expert_labels_blind_then_sees_the_models(app, tmp_path) -> None:
    client = app.client(app.login("drada"))
    queue = client.predict(api_name="/label_queue")
    assert queue["annotator"] == "drada"
    first = queue["cases"][0]
    # Blind: the queue holds the narrative and why it is early, never a level (model, rules or reference).
    assert set(first) == {"case_id", "narrative", "source", "reasons", "n_labels"}
    assert not any("ESI" in reason for reason in first["reasons"])
    assert len(queue["cases"]) >= 60  # the examples

    row = client.predict(first["case_id"], 1, "Pulseless: needs CPR now.", ["life-saving intervention"],
                         api_name="/label_submit")
    assert row["annotator"] == "drada" and row["expert_esi"] == 1 and row["role"] == "expert"
    assert row["case_id"] == first["case_id"] and row["narrative"] == first["narrative"]
    assert row["primary_model"].startswith("rules") and 1 <= row["primary_esi"] <= 5
    assert row["primary_verdict"] in ("correct", "under-triage", "over-triage")

    records = stored(tmp_path)
    assert [(r.annotator, r.case_id, r.expert_esi) for r in records] == [("drada", first["case_id"], 1)]
    # Labelled cases leave the expert's queue; a second commit on the same case is refused.
    again = client.predict(api_name="/label_queue")
    assert first["case_id"] not in {c["case_id"] for c in again["cases"]}
    with pytest.raises(AppError, match="already labelled"):
        client.predict(first["case_id"], 2, "changed my mind", [], api_name="/label_submit")


def test_bad_label_input_gets_a_message(app) -> None:
    client = app.client(app.login("drada"))
    case_id = client.predict(api_name="/label_queue")["cases"][0]["case_id"]
    with pytest.raises(AppError, match="ESI level must be an integer 1-5"):
        client.predict(case_id, 7, "x", [], api_name="/label_submit")
    with pytest.raises(AppError, match="rationale is required"):
        client.predict(case_id, 2, "   ", [], api_name="/label_submit")
    with pytest.raises(AppError, match="No case"):
        client.predict("ffffffffffffffff", 2, "x", [], api_name="/label_submit")


def test_org_member_may_label(tmp_path, monkeypatch) -> None:
    settings = Settings(labels_dir=tmp_path / "labels", examples_path=CASES, expert_org="er-team")
    with serve(settings, login=True, monkeypatch=monkeypatch) as app:
        member = app.client(app.login("someone", orgs=["er-team"]))
        assert member.predict(api_name="/label_queue")["annotator"] == "someone"
        with pytest.raises(AppError, match="er-team"):
            app.client(app.login("outsider", orgs=["other"])).predict(api_name="/label_queue")


def test_only_adjudicators_set_final_labels(app, tmp_path) -> None:
    expert = app.client(app.login("drada"))
    case_id = expert.predict(api_name="/label_queue")["cases"][0]["case_id"]
    expert.predict(case_id, 2, "high risk", [], api_name="/label_submit")
    with pytest.raises(AppError, match="not an adjudicator"):
        expert.predict(case_id, 2, "final", api_name="/label_adjudicate")
    chief = app.client(app.login("chief"))
    row = chief.predict(case_id, 1, "Arrest: ESI 1.", api_name="/label_adjudicate")
    assert row["role"] == "adjudicator" and row["expert_esi"] == 1
    assert {(r.annotator, r.role) for r in stored(tmp_path)} == {("drada", "expert"), ("chief", "adjudicator")}


def test_shared_live_narrative_enters_the_queue_de_identified(app) -> None:
    narrative = ("Mr. Jonathan Whitfield, 58, phone 617-555-0199, crushing chest pain for 30 min, "
                 "HR 112, BP 92/58, SpO2 93%.")
    out = app.client().predict(narrative, api_name="/triage_json_and_share")
    assert "Added to the expert label queue" in out["shared"]
    cases = app.client(app.login("nurse-kim")).predict(api_name="/label_queue")["cases"]
    live = [c for c in cases if c["source"] == "live"]
    assert len(live) == 1
    text = live[0]["narrative"]
    assert "Whitfield" not in text and "617-555-0199" not in text
    assert "HR 112" in text and "BP 92/58" in text and "SpO2 93%" in text


def test_local_annotator_without_oauth(tmp_path) -> None:
    settings = Settings(labels_dir=tmp_path / "labels", examples_path=CASES, local_annotator="ada")
    with serve(settings) as app:
        client = app.client()
        queue = client.predict(api_name="/label_queue")
        assert queue["annotator"] == "ada"
        row = client.predict(queue["cases"][0]["case_id"], 3, "two resources", ["two or more resources"],
                             api_name="/label_submit")
        assert row["annotator"] == "ada"
