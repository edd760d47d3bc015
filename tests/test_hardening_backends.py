"""Backend faults through the served app: each one answered within the timeout with a clear message, the other
column still answering, and the process healthy for the next request.

Every fault is played by a real server process on loopback (FakeSGLangServer, which speaks SGLang's protocol
and misbehaves on purpose; or nothing at all, for a refused connection) on a port the app was configured with.
After the fault, a well-behaved server takes over the same port and the very same app process must answer
normally, on both paths: `/triage_json` (whole answers) and the page's own streaming event.
"""

from __future__ import annotations

import re
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

import pytest

from app_harness import Served, serve
from triage_demo.settings import Settings
from triage_demo.testing.fake_openai_server import running
from triage_demo.testing.processes import free_port

TIMEOUT_S = 1.5  # TRIAGE_TIMEOUT_S for every model call in these apps
SLACK_S = 2.5  # what the app may add on top: Gradio's queue, SSE, the rule engine, a loaded CI machine
PRIMARY_MODEL, BASELINE_MODEL = "medgemma", "qwen-baseline"
NARRATIVE = ("67M crushing chest pain radiating to the left arm for 40 min, diaphoretic. HR 118, BP 88/60, RR 24, "
             "SpO2 91% on room air. Arrived by ambulance.")

#: fault name -> FakeSGLangServer arguments (None: nothing listens, the connection is refused).
FAULTS: dict[str, tuple[str, ...] | None] = {
    "refused": None,
    "hang": ("--mode", "hang"),
    "http-500": ("--mode", "status", "--status", "500"),
    "non-json": ("--mode", "non-json"),
    "cut-half-way": ("--mode", "cut"),
    "other-model": ("--served-model-name", "someone-else"),
    "garbage-5000-tokens": ("--mode", "garbage", "--garbage-tokens", "5000"),
}


def expected_error(fault: str, role: str, url: str) -> str:
    """A regex the failed column's message must match: the cause, where, and what to check."""
    url_var = "TRIAGE_BACKEND_URL" if role == "primary" else "TRIAGE_BASELINE_URL"
    model_var = "TRIAGE_MODEL" if role == "primary" else "TRIAGE_BASELINE_MODEL"
    model = PRIMARY_MODEL if role == "primary" else BASELINE_MODEL
    u = re.escape(url)
    return {
        "refused": rf"cannot connect to {u} \(ConnectError.*check {url_var}\)",
        "hang": rf"{u} accepted the connection but sent no response within the {TIMEOUT_S:g} s timeout "
                r"\(TRIAGE_TIMEOUT_S\)",
        "http-500": rf"{u} answered HTTP 500: fake failure",
        "non-json": rf"{u} did not answer in the OpenAI chat-completions format .*is {url_var} the API base",
        "cut-half-way": rf"(the connection to {u} broke before the answer was complete"
                        rf"|the stream from {u} ended before the model finished)",
        "other-model": rf"{u} does not serve a model named '{model}' \(HTTP 404\); it serves: someone-else\. "
                       rf"Set {model_var}",
        "garbage-5000-tokens": r"no parseable 'ANSWER: ESI n' line in the model's output \(8,?270 characters\)",
    }[fault]



@dataclass
class FaultApp:
    """An app whose `role` model lives at `port` (whatever listens there now); the other model is healthy."""

    served: Served
    role: str
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @contextmanager
    def fault(self, name: str) -> Iterator[None]:
        args = FAULTS[name]
        if args is None:
            yield
            return
        with running("--port", str(self.port), *self._identity(), *args):
            yield

    @contextmanager
    def healthy(self) -> Iterator[None]:
        with running("--port", str(self.port), *self._identity()):
            yield

    def _identity(self) -> tuple[str, ...]:
        # the name this app asks for and the level it answers (a later --served-model-name overrides it)
        return ("--served-model-name", PRIMARY_MODEL, "--esi", "2") if self.role == "primary" else \
               ("--served-model-name", BASELINE_MODEL, "--esi", "3")


@pytest.fixture(scope="module", params=["primary", "baseline"])
def fault_app(request: pytest.FixtureRequest) -> Iterator[FaultApp]:
    role, port = request.param, free_port()
    other = ("--served-model-name", BASELINE_MODEL, "--esi", "3") if role == "primary" else \
            ("--served-model-name", PRIMARY_MODEL, "--esi", "2")
    with running(*other) as other_url:
        here = f"http://127.0.0.1:{port}/v1"
        urls = (here, other_url) if role == "primary" else (other_url, here)
        settings = Settings(
            backend_url=urls[0], model=PRIMARY_MODEL, baseline_url=urls[1], baseline_model=BASELINE_MODEL,
            timeout_s=TIMEOUT_S, connect_timeout_s=1.0, max_retries=1, max_tokens=6000,
            baseline_wait_s=30.0,  # longer than the timeout: a dead baseline must be ended by its own timeout
            rate_limit_per_minute=0,
        )
        with serve(settings) as served:
            yield FaultApp(served, role, port)


HEALTHY_ESI = {"primary": 2, "baseline": 3}


def _other(role: str) -> str:
    return "baseline" if role == "primary" else "primary"


@pytest.mark.parametrize("fault", list(FAULTS))
def test_fault_is_answered_in_time_and_the_app_recovers(fault_app: FaultApp, fault: str) -> None:
    role, other = fault_app.role, _other(fault_app.role)
    pattern = expected_error(fault, role, fault_app.url)
    client = fault_app.served.client()
    with fault_app.fault(fault):
        # 1. The JSON API (whole answers).
        start = time.perf_counter()
        out = client.predict(NARRATIVE, api_name="/triage_json")
        elapsed = time.perf_counter() - start
        failed, fine = out[role], out[other]
        assert failed["ok"] is False and failed["esi"] is None
        assert re.search(pattern, failed["error"]), failed["error"]
        assert "Traceback" not in failed["error"]
        assert fine["ok"] is True and fine["esi"] == HEALTHY_ESI[other]
        assert elapsed < TIMEOUT_S + SLACK_S, f"{fault}: answered after {elapsed:.1f} s"
        if fault == "garbage-5000-tokens":  # the model wrote something without a level: the safety net says so
            assert failed["completion_tokens"] == 5000
            assert any(f.startswith(f"{role.capitalize()} model: No ESI answer") for f in out["safety"]["flags"])
        # 2. The page's streaming event: the same fault, shown in the failed column's badge, escaped.
        page = fault_app.served.page_event("triage_page", NARRATIVE, False, timeout=30)
        assert page.error is None and page.seconds < TIMEOUT_S + SLACK_S, (page.error, page.seconds)
        status, p_badge, b_badge, safety = page.final[0], page.final[1], page.final[5], page.final[9]
        failed_badge, fine_badge = (p_badge, b_badge) if role == "primary" else (b_badge, p_badge)
        assert 'data-esi=""' in failed_badge and "No ESI" in failed_badge
        assert re.search(pattern.replace("'", "&#x27;"), failed_badge), failed_badge[:600]
        assert f'data-esi="{HEALTHY_ESI[other]}"' in fine_badge
        assert status == "" and "safety" in safety
    # 3. The same process, a working server on the same port: both columns answer again.
    with fault_app.healthy():
        out = client.predict(NARRATIVE, api_name="/triage_json")
        assert (out["primary"]["esi"], out["baseline"]["esi"]) == (2, 3), (out["primary"], out["baseline"])
        page = fault_app.served.page_event("triage_page", NARRATIVE, False, timeout=30)
        assert 'data-esi="2"' in page.final[1] and 'data-esi="3"' in page.final[5]


def test_server_text_in_an_error_is_escaped_on_the_page() -> None:
    """A server's own words reach the badge (here the model names it lists): they are shown, never run."""
    hostile = '<img src=x onerror="alert(1)">'
    with running("--served-model-name", hostile) as url:
        settings = Settings(backend_url=url, model="medgemma", timeout_s=TIMEOUT_S, max_retries=0,
                            rate_limit_per_minute=0)
        with serve(settings) as served:
            out = served.client().predict(NARRATIVE, api_name="/triage_json")
            assert hostile in out["primary"]["error"]  # JSON is data: the text as the server sent it
            badge = served.page_event("triage_page", NARRATIVE, False, timeout=30).final[1]
    assert "<img" not in badge and "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in badge
