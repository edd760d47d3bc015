"""The Triage tab's API (`/triage_json`) against the app served on 127.0.0.1, with real backends.

The model server is FakeSGLangServer (a real HTTP server speaking SGLang's protocol; no GPU here).
"""

from __future__ import annotations

import concurrent.futures
import socket
import time

import pytest
from gradio_client.exceptions import AppError
from gradio_client.utils import QueueError

from app_harness import serve
from triage_demo.settings import Settings
from triage_demo.testing.fake_openai_server import running

ESI1_NARRATIVE = (
    "A 63-year-old man arrives by ambulance in cardiac arrest; CPR in progress by the paramedics, "
    "asystole on the monitor."
)
SIMPLE_NARRATIVE = "24 yo F with a sore throat for 2 days, HR 78, BP 118/76, RR 14, SpO2 99%, T 37.2 C. Walked in."


def rules_settings(**changes: object) -> Settings:
    return Settings(rate_limit_per_minute=0).with_(**changes)


@pytest.fixture(scope="module")
def rules_app():
    with serve(rules_settings(rate_limit_per_minute=0)) as served:
        yield served


def test_triage_json_on_the_rule_engine(rules_app) -> None:
    out = rules_app.client().predict(ESI1_NARRATIVE, api_name="/triage_json")
    primary = out["primary"]
    assert primary["esi"] == 1 and primary["ok"] is True
    assert primary["backend"].startswith("rules")
    assert primary["latency_ms"] >= 0
    assert set(primary["extraction"]) == {"chief_complaint", "vital_signs", "red_flags"}
    assert set(primary["steps"]) <= {"A", "B", "C", "D"} and primary["steps"]
    assert "ANSWER: ESI 1" in primary["raw_text"]
    assert primary["probabilities"] is None  # the rule engine gives no distribution
    assert out["baseline"] is None
    safety = out["safety"]
    assert safety["min_esi"] == 1 and safety["rule_esi"] == 1
    assert safety["flags"] == []  # the engine agrees with itself
    assert safety["findings"] and all(f["text"] in ESI1_NARRATIVE for f in safety["findings"])
    assert "Research use only" in out["disclaimer"]


@pytest.mark.parametrize(
    ("narrative", "message"),
    [
        ("", "The narrative is empty"),
        ("   \n\t  ", "The narrative is empty"),
        ("\x00\x01\x7f", "The narrative is empty"),  # control characters are removed first
        ("x" * 8001, "8,001 characters long; the limit is 8,000"),
    ],
)
def test_bad_input_gets_a_clear_message(rules_app, narrative: str, message: str) -> None:
    with pytest.raises(AppError) as err:
        rules_app.client().predict(narrative, api_name="/triage_json")
    assert message in str(err.value)
    assert "Traceback" not in str(err.value)


def test_exactly_max_chars_is_accepted(rules_app) -> None:
    narrative = (SIMPLE_NARRATIVE + " ") * (8000 // (len(SIMPLE_NARRATIVE) + 1))
    narrative = narrative.strip().ljust(8000, ".")
    assert len(narrative) == 8000
    assert rules_app.client().predict(narrative, api_name="/triage_json")["primary"]["ok"]


def test_markup_in_a_narrative_does_not_disturb_triage(rules_app) -> None:
    # How the page keeps such text inert is tested in test_browser.py and test_app_render.py.
    narrative = SIMPLE_NARRATIVE + ' <script>alert(1)</script> ![x](http://127.0.0.1:9/x.png) <img src=x onerror="1">'
    plain = rules_app.client().predict(SIMPLE_NARRATIVE, api_name="/triage_json")
    marked = rules_app.client().predict(narrative, api_name="/triage_json")
    assert marked["primary"]["esi"] == plain["primary"]["esi"] == 5
    measured = ("hr", "sbp", "dbp", "rr", "spo2", "temp_c")
    assert [marked["safety"]["vitals"][k] for k in measured] == [plain["safety"]["vitals"][k] for k in measured]


def test_rate_limit_per_caller() -> None:
    with serve(rules_settings(rate_limit_per_minute=2)) as app:
        client = app.client()
        for _ in range(2):
            client.predict(SIMPLE_NARRATIVE, api_name="/triage_json")
        with pytest.raises(AppError, match="Too many triage requests: the limit is 2 per minute"):
            client.predict(SIMPLE_NARRATIVE, api_name="/triage_json")


def test_compare_with_a_baseline_server_and_the_safety_net() -> None:
    # The baseline "model" calls a cardiac arrest ESI 4: under the rule engine's floor, and 3 levels off.
    with running("--esi", "4", "--served-model-name", "qwen-baseline") as url:
        settings = rules_settings(baseline_url=url, baseline_model="qwen-baseline")
        with serve(settings) as app:
            out = app.client().predict(ESI1_NARRATIVE, api_name="/triage_json")
    assert out["primary"]["esi"] == 1
    baseline = out["baseline"]
    assert baseline["esi"] == 4 and baseline["ok"] and baseline["backend"] == "server · qwen-baseline"
    assert baseline["completion_tokens"] > 0
    flags = out["safety"]["flags"]
    assert any(f.startswith("Baseline model: Answer ESI 4 is less acute than the ESI 1 floor") for f in flags)
    assert any("disagree by 3 levels" in f for f in flags)
    assert not any(f.startswith("Primary model") for f in flags)


def test_primary_server_with_probabilities() -> None:
    with running("--esi", "2", "--served-model-name", "medgemma") as url:
        settings = rules_settings(backend_url=url, model="medgemma", logprobs=True)
        with serve(settings) as app:
            out = app.client().predict(ESI1_NARRATIVE, api_name="/triage_json")
    probs = out["primary"]["probabilities"]
    assert set(probs) == {"1", "2", "3", "4", "5"}
    assert probs["2"] == max(probs.values()) and abs(sum(probs.values()) - 1) < 0.02
    assert out["primary"]["esi"] == 2
    assert any("floor" in f for f in out["safety"]["flags"])  # ESI 2 for a cardiac arrest is flagged


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_dead_baseline_fails_alone() -> None:
    settings = rules_settings(baseline_url=f"http://127.0.0.1:{_closed_port()}/v1", baseline_model="gone",
                              max_retries=0, timeout_s=5)
    with serve(settings) as app:
        out = app.client().predict(ESI1_NARRATIVE, api_name="/triage_json")
    assert out["primary"]["esi"] == 1
    assert out["baseline"]["ok"] is False and out["baseline"]["esi"] is None
    assert "TRIAGE_BASELINE_URL" in out["baseline"]["error"]


def test_hanging_baseline_does_not_hold_the_answer() -> None:
    with running("--mode", "hang", "--served-model-name", "slow") as url:
        settings = rules_settings(baseline_url=url, baseline_model="slow", baseline_wait_s=0.5, timeout_s=60)
        with serve(settings) as app:
            client = app.client()
            start = time.perf_counter()
            out = client.predict(ESI1_NARRATIVE, api_name="/triage_json")
            elapsed = time.perf_counter() - start
    assert out["primary"]["esi"] == 1
    assert "No answer within 0.5 s after the primary model" in out["baseline"]["error"]
    assert elapsed < 5, elapsed


def test_full_queue_says_busy() -> None:
    with running("--mode", "sleep", "--latency", "2", "--served-model-name", "m") as url:
        settings = rules_settings(backend_url=url, model="m", concurrency=1, queue_size=1)
        with serve(settings) as app:
            client = app.client()
            first = client.submit(SIMPLE_NARRATIVE, api_name="/triage_json")
            time.sleep(0.5)  # the first one is running now
            second = client.submit(SIMPLE_NARRATIVE, api_name="/triage_json")
            time.sleep(0.3)  # the second one is waiting in the queue of size 1
            third = client.submit(SIMPLE_NARRATIVE, api_name="/triage_json")
            with pytest.raises((QueueError, concurrent.futures.CancelledError), match="Queue is full"):
                third.result(timeout=30)
            assert first.result(timeout=30)["primary"]["esi"] == 2
            assert second.result(timeout=30)["primary"]["esi"] == 2


def test_concurrent_requests_are_not_serialised() -> None:
    # Gradio runs one event at a time unless told otherwise: 8 calls to a 1 s model must overlap.
    with running("--mode", "sleep", "--latency", "1", "--served-model-name", "m") as url:
        with serve(rules_settings(backend_url=url, model="m", concurrency=8)) as app:
            client = app.client()
            client.predict(SIMPLE_NARRATIVE, api_name="/triage_json")  # warm up
            start = time.perf_counter()
            jobs = [client.submit(SIMPLE_NARRATIVE, api_name="/triage_json") for _ in range(8)]
            assert all(job.result(timeout=30)["primary"]["esi"] == 2 for job in jobs)
            elapsed = time.perf_counter() - start
    assert elapsed < 4, f"8 calls took {elapsed:.1f} s: requests ran one after another"
