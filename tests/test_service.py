"""triage_demo.service: input checks, the rate limit, concurrent primary + baseline, the safety net.

Backends are real: the rule engine, and FakeSGLangServer processes standing in for GPU model servers.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from triage_demo.backends import build_backends
from triage_demo.service import (
    InputError,
    RateLimited,
    RateLimiter,
    TriageService,
    caller_key,
    clean_narrative,
)
from triage_demo.settings import Settings

ARREST = "A 63-year-old man arrives by ambulance in cardiac arrest; CPR in progress, asystole on the monitor."


# --- input ---------------------------------------------------------------------------------------------------
def test_clean_narrative_strips_control_characters_and_normalises_newlines() -> None:
    assert clean_narrative("  HR\x00 120\r\nBP 90/60\x1b\x7f\x85\t ok  ", 100) == "HR 120\nBP 90/60\t ok"


@pytest.mark.parametrize("text", [None, "", "   ", "\n\t", "\x00\x01\x02"])
def test_empty_narratives_are_refused(text: object) -> None:
    with pytest.raises(InputError, match="The narrative is empty"):
        clean_narrative(text, 100)


def test_length_limit_counts_visible_characters() -> None:
    assert clean_narrative("x" * 100, 100) == "x" * 100
    assert clean_narrative("x" * 100 + "\x00" * 50, 100) == "x" * 100
    with pytest.raises(InputError, match="101 characters long; the limit is 100"):
        clean_narrative("x" * 101, 100)


def test_non_text_is_refused() -> None:
    with pytest.raises(InputError, match="must be text"):
        clean_narrative(42, 100)


# --- rate limit ----------------------------------------------------------------------------------------------
class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_rate_limit_is_a_sliding_window_per_key() -> None:
    clock = Clock()
    limiter = RateLimiter(2, window_s=60, clock=clock)
    limiter.check("a")
    clock.now += 30
    limiter.check("a")
    limiter.check("b")  # another caller has their own budget
    with pytest.raises(RateLimited, match="limit is 2 per minute. Try again in 30 s"):
        limiter.check("a")
    clock.now += 30  # the first call leaves the window
    limiter.check("a")
    with pytest.raises(RateLimited):
        limiter.check("a")


def test_rate_limit_zero_means_off_and_idle_callers_are_forgotten() -> None:
    unlimited = RateLimiter(0)
    for _ in range(1000):
        unlimited.check("a")
    clock = Clock()
    limiter = RateLimiter(1, clock=clock)
    for i in range(100):
        limiter.check(f"visitor-{i}")
    clock.now += 61
    limiter.check("late")
    assert list(limiter._events) == ["late"]


def test_a_refused_narrative_does_not_use_up_the_quota() -> None:
    service = TriageService(Settings(rate_limit_per_minute=1), build_backends(Settings()))
    with pytest.raises(InputError, match="empty"):
        service.admit("  ", "ip:1.2.3.4")
    assert service.admit("sore throat", "ip:1.2.3.4") == "sore throat"
    with pytest.raises(RateLimited):
        service.admit("sore throat", "ip:1.2.3.4")


def test_caller_key_prefers_the_signed_in_user_then_the_forwarded_client() -> None:
    assert caller_key("DrAda", "9.9.9.9", "10.0.0.1") == "user:drada"
    assert caller_key(None, "203.0.113.7, 10.0.0.2", "10.0.0.1") == "ip:203.0.113.7"
    assert caller_key(None, None, "10.0.0.1") == "ip:10.0.0.1"
    assert caller_key(None, " ", None) == "ip:unknown"


# --- running the models --------------------------------------------------------------------------------------
def test_rules_run_payload_and_stream_frames() -> None:
    service = TriageService(Settings(), build_backends(Settings()))

    async def go():
        frames = [(len(run.texts["primary"]), run.primary is not None, run.done)
                  async for run in service.stream(ARREST)]
        return frames, await service.run(ARREST)

    frames, run = asyncio.run(go())
    assert frames[-1][1:] == (True, True) and not any(done for *_, done in frames[:-1])
    lengths = [n for n, *_ in frames]
    assert lengths == sorted(lengths) and lengths[0] < lengths[-1]  # the text grew as it streamed
    payload = run.payload()
    assert payload["primary"]["esi"] == 1 and payload["baseline"] is None
    assert payload["safety"]["min_esi"] == 1 and payload["safety"]["flags"] == []


def test_primary_and_baseline_run_concurrently(fake_sglang) -> None:
    primary = fake_sglang("--mode", "sleep", "--latency", "1", "--esi", "1", "--served-model-name", "p")
    baseline = fake_sglang("--mode", "sleep", "--latency", "1", "--esi", "3", "--served-model-name", "b")
    settings = Settings(backend_url=primary, model="p", baseline_url=baseline, baseline_model="b", stream=False)
    service = TriageService(settings, build_backends(settings))
    start = time.perf_counter()
    run = asyncio.run(service.run(ARREST))
    elapsed = time.perf_counter() - start
    assert (run.primary.esi, run.baseline.esi) == (1, 3)
    assert elapsed < 1.8, f"{elapsed:.2f} s: the two 1 s models ran one after the other"
    flags = run.safety["flags"]
    assert any("disagree by 2 levels (primary ESI 1, baseline ESI 3)" in f for f in flags)
    assert any(f.startswith("Baseline model: Answer ESI 3 is less acute than the ESI 1 floor") for f in flags)


def test_a_hanging_baseline_is_cut_off_after_the_primary(fake_sglang) -> None:
    baseline = fake_sglang("--mode", "hang", "--served-model-name", "b")
    settings = Settings(baseline_url=baseline, baseline_model="b", baseline_wait_s=0.3, timeout_s=30)
    service = TriageService(settings, build_backends(settings))

    async def go():
        start = time.perf_counter()
        run = await service.run(ARREST)
        return run, time.perf_counter() - start

    run, elapsed = asyncio.run(go())
    assert run.primary.esi == 1 and run.baseline.esi is None
    assert "No answer within 0.3 s after the primary model" in run.baseline.error
    assert elapsed < 3
    assert not any(f.startswith("Baseline") for f in run.safety["flags"])  # a failure is not an answer


def test_an_answer_without_a_level_is_flagged(fake_sglang) -> None:
    url = fake_sglang("--mode", "garbage", "--served-model-name", "g")
    settings = Settings(backend_url=url, model="g")
    run = asyncio.run(TriageService(settings, build_backends(settings)).run(ARREST))
    assert run.primary.esi is None and run.primary.raw_text
    assert run.safety["flags"] == ["Primary model: No ESI answer could be read from the output; "
                                   "the case needs a human triage decision."]
