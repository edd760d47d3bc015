"""The OpenAI-compatible backend against real HTTP servers on loopback.

- The contract (plain and streaming completions, usage, model names, health) against a real `transformers serve`
  process hosting the tiny model.
- SGLang's extras (regex, logprobs, n) against FakeSGLangServer, which speaks SGLang's shapes.
- Every fault, injected by FakeSGLangServer misbehaving on purpose, with the elapsed time checked against the
  configured timeout.
"""

from __future__ import annotations

import asyncio
import socket
import time

import pytest

from triage_demo.backends.openai_compat import OpenAICompatBackend
from triage_demo.backends.sglang_extras import SKELETON_REGEX
from triage_demo.schema import TriageResult
from triage_demo.settings import Settings
from triage_demo.testing.fake_openai_server import GARBAGE

NARRATIVE = "A 67-year-old man with crushing chest pain, BP 88/60, HR 118, SpO2 91%."
MARGIN_S = 0.5  # scheduling slack on 2 busy cores


def _run(url: str, model: str = "fake-model", **overrides) -> tuple[TriageResult, list[str], float]:
    """Triage NARRATIVE through the backend the app uses; return the result, the deltas and the elapsed time."""
    settings = Settings(backend_url=url, model=model, **overrides)

    async def go():
        backend = OpenAICompatBackend.primary(settings)
        deltas: list[str] = []
        try:
            result = await backend.triage(NARRATIVE, on_delta=deltas.append)
        finally:
            await backend.aclose()
        return result, deltas

    start = time.monotonic()
    result, deltas = asyncio.run(go())
    return result, deltas, time.monotonic() - start


def _health(url: str, model: str = "fake-model", **overrides):
    return asyncio.run(OpenAICompatBackend.primary(Settings(backend_url=url, model=model, **overrides)).health())


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens there once the socket is closed


# ---- the request --------------------------------------------------------------------------------------


def test_request_is_deterministic_by_default_and_carries_extras_when_switched_on():
    base = OpenAICompatBackend.primary(Settings(backend_url="http://h/v1"))._request(NARRATIVE)
    assert base["temperature"] == 0.0 and base["max_tokens"] == 1024
    assert base["stream"] is True and base["stream_options"] == {"include_usage": True}
    assert [m["role"] for m in base["messages"]] == ["system", "user"]
    assert not {"n", "logprobs", "top_logprobs", "regex"} & set(base)
    extras = OpenAICompatBackend.primary(
        Settings(backend_url="http://h/v1", regex=True, logprobs=True))._request(NARRATIVE)
    assert extras["regex"] == SKELETON_REGEX
    assert extras["logprobs"] is True and extras["top_logprobs"] == 20


def test_baseline_needs_its_model_name():
    with pytest.raises(ValueError, match="TRIAGE_BASELINE_MODEL"):
        OpenAICompatBackend.baseline(Settings(baseline_url="http://h/v1"))


# ---- SGLang protocol (fake) ---------------------------------------------------------------------------


@pytest.mark.parametrize("stream", [True, False])
def test_answer_from_fake_sglang(fake_sglang, stream):
    url = fake_sglang("--esi", "4")
    result, deltas, _ = _run(url, stream=stream)
    assert result.ok and result.esi == 4
    assert result.backend == "server · fake-model" and result.model == "fake-model"
    assert "".join(deltas) == result.raw_text and result.raw_text.endswith("ANSWER: ESI 4")
    assert len(deltas) > 50 if stream else len(deltas) == 1  # token by token vs one piece
    assert result.extraction.chief_complaint and set(result.steps) == {"A", "B", "C", "D"}
    assert result.prompt_tokens and result.completion_tokens and result.latency_ms > 0
    assert result.notes == []


@pytest.mark.parametrize("stream", [True, False])
def test_logprobs_give_per_level_probabilities(fake_sglang, stream):
    url = fake_sglang("--esi", "3", "--answer-probs", "0.1,0.2,0.6,0.06,0.04")
    result, _, _ = _run(url, logprobs=True, stream=stream)
    assert result.esi == 3
    assert result.probabilities == pytest.approx({1: 0.1, 2: 0.2, 3: 0.6, 4: 0.06, 5: 0.04})
    assert sum(result.probabilities.values()) == pytest.approx(1.0)


def test_regex_constraint_is_honoured(fake_sglang):
    # The fake answers 400 if its card-format answer does not fully match the regex it receives.
    result, _, _ = _run(fake_sglang("--esi", "1"), regex=True)
    assert result.ok and result.esi == 1 and result.notes == []


def test_self_consistency_vote_over_n_samples(fake_sglang):
    result, deltas, _ = _run(fake_sglang("--sample-esis", "2,3,3"), n_samples=3, temperature=0.7)
    assert result.esi == 3 and result.raw_text.endswith("ANSWER: ESI 3")
    assert "".join(deltas).endswith("ANSWER: ESI 2")  # the UI saw sample 0 stream; the vote picked another
    assert result.probabilities == pytest.approx({1: 0, 2: 1 / 3, 3: 2 / 3, 4: 0, 5: 0})
    assert any("vote over 3 samples: ESI 2 ×1, ESI 3 ×2" in n for n in result.notes)


def test_a_server_that_ignores_the_extras_degrades_and_says_so(fake_sglang):
    url = fake_sglang("--mode", "ignore-extras", "--esi", "5")
    result, _, _ = _run(url, regex=True, logprobs=True)
    assert result.ok and result.esi == 5 and result.probabilities is None
    assert any("no logprobs" in n for n in result.notes)
    assert any("does not follow the regex skeleton" in n for n in result.notes)
    voted, _, _ = _run(url, n_samples=4, temperature=0.8)
    assert voted.esi == 5 and voted.probabilities is None
    assert any("asked for 4 samples, the server returned 1" in n for n in voted.notes)


# ---- faults -------------------------------------------------------------------------------------------


FAULTS = [
    pytest.param(["--mode", "hang"], {"timeout_s": 1.5}, "sent no response within the 1.5 s timeout", id="read-timeout"),
    pytest.param(["--mode", "no-accept"], {"connect_timeout_s": 0.3, "timeout_s": 2.0},
                 "could not connect", id="connect-timeout"),
    pytest.param(["--mode", "status", "--status", "500"], {"timeout_s": 5.0}, "HTTP 500", id="http-500"),
    pytest.param(["--mode", "status", "--status", "400"], {}, "refused the request (HTTP 400", id="http-400"),
    pytest.param(["--api-key", "right"], {"api_key": "wrong"}, "rejected the API key", id="http-401"),
    pytest.param([], {"model": "medgemma-typo"}, "does not serve a model named 'medgemma-typo'", id="wrong-model"),
    pytest.param(["--mode", "non-json"], {}, "OpenAI chat-completions format", id="non-json-stream"),
    pytest.param(["--mode", "non-json"], {"stream": False}, "OpenAI chat-completions format", id="non-json-plain"),
    pytest.param(["--mode", "cut"], {}, "broke before the answer was complete", id="cut-stream"),
    pytest.param(["--mode", "cut"], {"stream": False}, "broke before the answer was complete", id="cut-plain"),
    pytest.param(["--token-delay", "0.05"], {"timeout_s": 1.0}, "was not complete within the 1 s timeout",
                 id="slow-stream"),
    pytest.param(["--mode", "garbage"], {}, "no parseable 'ANSWER: ESI n' line", id="garbage-output"),
]


@pytest.mark.parametrize("args, overrides, message", FAULTS)
def test_fault_gives_a_specific_message_within_the_timeout(fake_sglang, args, overrides, message):
    settings = {"timeout_s": 3.0, **overrides}
    url = fake_sglang(*args)
    result, _, elapsed = _run(url, **settings)
    assert result.esi is None and not result.ok
    assert message in result.error
    assert elapsed < settings["timeout_s"] + MARGIN_S


def test_fault_messages_name_what_to_check(fake_sglang):
    wrong_key, _, _ = _run(fake_sglang("--api-key", "right"), api_key="wrong")
    assert "TRIAGE_API_KEY" in wrong_key.error and "right" not in wrong_key.error
    wrong_model, _, _ = _run(fake_sglang(), model="medgemma-typo")
    assert "it serves: fake-model" in wrong_model.error and "TRIAGE_MODEL" in wrong_model.error
    assert "TRIAGE_BACKEND_URL" in _run(fake_sglang().removesuffix("/v1") + "/api")[0].error
    garbage, _, _ = _run(fake_sglang("--mode", "garbage"))
    assert garbage.raw_text == GARBAGE  # the text is kept for inspection


def test_connection_refused_is_retried_then_reported_within_the_timeout():
    result, _, elapsed = _run(f"http://127.0.0.1:{_closed_port()}/v1", timeout_s=2.0, max_retries=2)
    assert "cannot connect" in result.error and "gave up after 3 attempts" in result.error
    assert 0.25 + 0.5 <= elapsed < 2.0 + MARGIN_S  # two backoff sleeps happened


def test_transient_errors_are_retried_with_backoff(fake_sglang):
    result, _, elapsed = _run(fake_sglang("--mode", "status", "--status", "503", "--fail-first", "2"))
    assert result.ok and result.esi == 2
    assert "answered on attempt 3 after transient errors" in result.notes
    assert elapsed >= 0.25 + 0.5


def test_retry_after_is_honoured_for_429(fake_sglang):
    url = fake_sglang("--mode", "status", "--status", "429", "--fail-first", "1", "--retry-after", "0.6")
    result, _, elapsed = _run(url)
    assert result.ok and elapsed >= 0.6


def test_no_retry_when_disabled_or_when_the_budget_is_spent(fake_sglang):
    url = fake_sglang("--mode", "status", "--status", "502")
    once, _, _ = _run(url, max_retries=0)
    assert "HTTP 502" in once.error and "gave up" not in once.error
    _, _, elapsed = _run(url, max_retries=20, timeout_s=1.0)
    assert elapsed < 1.0 + MARGIN_S  # backoff stops at the overall deadline


def test_a_stream_cut_after_text_is_not_retried(fake_sglang):
    result, deltas, _ = _run(fake_sglang("--mode", "cut"), max_retries=3)
    assert deltas and result.raw_text == "".join(deltas)  # what arrived is kept, not repeated
    assert "gave up" not in result.error


def test_the_deadline_also_holds_for_a_slow_consumer(fake_sglang):
    """The timer may fire while the consumer (the UI) holds control between deltas: the next read stops."""
    backend = OpenAICompatBackend.primary(Settings(backend_url=fake_sglang(), model="fake-model", timeout_s=0.6))

    async def go():
        items = []
        async for item in backend.stream(NARRATIVE):
            items.append(item)
            if isinstance(item, str):
                await asyncio.sleep(0.25)  # a slow consumer
        await backend.aclose()
        return items

    start = time.monotonic()
    items = asyncio.run(go())
    assert "was not complete within the 0.6 s timeout" in items[-1].error
    assert 2 <= len(items) <= 5 and time.monotonic() - start < 0.6 + 0.25 + MARGIN_S


def test_cancelling_the_caller_is_not_turned_into_a_timeout(fake_sglang):
    """A user who leaves cancels the task: that must propagate, not become a failure result."""
    backend = OpenAICompatBackend.primary(Settings(backend_url=fake_sglang("--mode", "hang"), model="fake-model",
                                                   timeout_s=10.0))

    async def go():
        task = asyncio.create_task(backend.triage(NARRATIVE))
        await asyncio.sleep(0.3)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await backend.aclose()

    start = time.monotonic()
    asyncio.run(go())
    assert time.monotonic() - start < 2.0


# ---- health -------------------------------------------------------------------------------------------


def test_health_reports_up_wrong_model_bad_key_and_down(fake_sglang):
    url = fake_sglang("--api-key", "k")
    assert _health(url, api_key="k").ok
    wrong = _health(url, model="other", api_key="k")
    assert not wrong.ok and "serves fake-model, not 'other'" in wrong.detail
    key = _health(url, api_key="nope")
    assert not key.ok and "API key rejected" in key.detail
    start = time.monotonic()
    hung = _health(fake_sglang("--mode", "hang"), connect_timeout_s=0.5)
    assert not hung.ok and time.monotonic() - start < 0.5 + MARGIN_S
    dead = _health(f"http://127.0.0.1:{_closed_port()}/v1")
    assert not dead.ok and "unreachable" in dead.detail


# ---- contract with a real server: transformers serve hosting the tiny model ---------------------------


@pytest.mark.slow
def test_plain_and_streaming_completions_from_transformers_serve(openai_server_url, tiny_model_dir):
    model = str(tiny_model_dir)
    streamed, deltas, _ = _run(openai_server_url, model=model, max_tokens=24)
    plain, plain_deltas, _ = _run(openai_server_url, model=model, max_tokens=24, stream=False)
    assert streamed.raw_text and streamed.raw_text == "".join(deltas) and len(deltas) > 1
    assert plain.raw_text == streamed.raw_text == "".join(plain_deltas)  # greedy: the same text both ways
    assert streamed.prompt_tokens == plain.prompt_tokens > 0
    assert streamed.completion_tokens == plain.completion_tokens == 24
    # A random tiny model writes no answer: an honest "unparsed", with the cut-off named.
    assert streamed.esi is None and "no parseable" in streamed.error and "max_tokens" in streamed.error


@pytest.mark.slow
def test_transformers_serve_rejects_or_ignores_sglang_extras_and_the_result_says_so(openai_server_url,
                                                                                    tiny_model_dir):
    result, _, _ = _run(openai_server_url, model=str(tiny_model_dir), max_tokens=8,
                        regex=True, logprobs=True)
    assert result.raw_text  # answered without the extras
    assert any("rejected regex" in n and "422" in n for n in result.notes)
    assert any("no logprobs" in n for n in result.notes)
    voted, _, _ = _run(openai_server_url, model=str(tiny_model_dir), max_tokens=8, n_samples=3, temperature=0.5)
    assert any("asked for 3 samples, the server returned 1" in n for n in voted.notes)


@pytest.mark.slow
def test_transformers_serve_wrong_model_and_health(openai_server_url, tiny_model_dir):
    result, _, _ = _run(openai_server_url, model="google/medgemma-4b-it", max_tokens=8)
    assert "does not serve a model named 'google/medgemma-4b-it'" in result.error
    assert str(tiny_model_dir) in result.error
    assert _health(openai_server_url, model=str(tiny_model_dir)).ok
    assert not _health(openai_server_url, model="google/medgemma-4b-it").ok


@pytest.mark.slow
def test_served_and_in_process_models_write_the_same_greedy_text(openai_server_url, tiny_model_dir):
    """Same checkpoint, chat template and greedy decoding: the server and the in-process backend agree."""
    from triage_demo.backends.transformers_local import TransformersBackend

    served, _, _ = _run(openai_server_url, model=str(tiny_model_dir), max_tokens=16)
    local = asyncio.run(TransformersBackend(Settings(model_path=str(tiny_model_dir), max_tokens=16)).triage(NARRATIVE))
    assert local.raw_text == served.raw_text
    assert (local.prompt_tokens, local.completion_tokens) == (served.prompt_tokens, served.completion_tokens)
