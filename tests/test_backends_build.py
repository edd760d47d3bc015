"""Choosing backends from settings, checking their health, and a dead baseline never blocking the primary."""

from __future__ import annotations

import asyncio
import socket
import time

from triage_demo.backends import Backends, build_backends, check_health, stream_both
from triage_demo.backends.openai_compat import OpenAICompatBackend
from triage_demo.backends.rules import RulesBackend
from triage_demo.backends.transformers_local import TransformersBackend
from triage_demo.schema import TriageResult
from triage_demo.settings import Settings


def test_choice_order_server_then_local_model_then_rules():
    both = build_backends(Settings(backend_url="http://gpu:8080/v1", model_path="/m"))
    assert isinstance(both.primary, OpenAICompatBackend) and both.baseline is None
    assert isinstance(build_backends(Settings(model_path="/m")).primary, TransformersBackend)
    rules = build_backends(Settings())
    assert isinstance(rules.primary, RulesBackend) and rules.all() == [rules.primary]


def test_baseline_is_its_own_server_with_its_own_credentials():
    b = build_backends(Settings(baseline_url="http://qwen:8080/v1", baseline_model="qwen-esi",
                                baseline_api_key="bk", api_key="pk"))
    assert isinstance(b.primary, RulesBackend) and isinstance(b.baseline, OpenAICompatBackend)
    assert b.baseline.endpoint.model == "qwen-esi" and b.baseline.endpoint.api_key == "bk"
    assert b.baseline.endpoint.key_var == "TRIAGE_BASELINE_API_KEY"
    assert "bk" not in repr(b.baseline.endpoint)  # keys never end up in logs


def _dead_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}/v1"


def test_a_hung_baseline_does_not_delay_the_primary(fake_sglang):
    """Both run at once: the primary's result comes at its own latency, the baseline fails at the timeout."""
    settings = Settings(backend_url=fake_sglang("--esi", "3", "--latency", "0.8"), model="fake-model",
                        baseline_url=fake_sglang("--mode", "hang"), baseline_model="fake-model", timeout_s=2.0)
    backends = build_backends(settings)

    async def go():
        start = asyncio.get_running_loop().time()
        results = {}
        async for role, item in stream_both(backends, "chest pain"):
            if isinstance(item, TriageResult):
                results[role] = (item, asyncio.get_running_loop().time() - start)
        await backends.aclose()
        return results

    results = asyncio.run(go())
    primary, t_primary = results["primary"]
    baseline, t_baseline = results["baseline"]
    assert primary.ok and primary.esi == 3 and 0.8 <= t_primary < 1.5
    assert not baseline.ok and "no response" in baseline.error and 2.0 <= t_baseline < 2.5  # not 0.8 + 2.0


def test_health_of_all_backends_with_a_dead_baseline(fake_sglang):
    backends = Backends(
        primary=OpenAICompatBackend.primary(Settings(backend_url=fake_sglang(), model="fake-model")),
        baseline=OpenAICompatBackend.baseline(Settings(baseline_url=_dead_url(), baseline_model="q",
                                                       connect_timeout_s=1.0)),
    )
    start = time.monotonic()
    primary, baseline = asyncio.run(check_health(backends))
    assert primary.ok and not baseline.ok and time.monotonic() - start < 1.5
