"""The production path: an OpenAI-compatible server (SGLang; vLLM and `transformers serve` work too), called
with the official `openai` async client.

Every fault of the server or the network ends the stream with a failure `TriageResult` whose message names
the cause and what to check, within `Settings.timeout_s` in all (retries included). Transient faults
(connection refused, connect timeout, HTTP 429 and 5xx) are retried with exponential backoff while nothing
has been streamed yet: once text has reached the caller a retry would repeat it.

SGLang extras (`regex`, `logprobs`, `n`) are sent when switched on. A server that ignores one still answers;
the result then says so in `notes` instead of pretending the extra worked.

The client posts through `AsyncOpenAI.post(..., cast_to=object)`: the official client's auth, error mapping,
SSE decoding and connection handling, with stream events as plain dicts. Its typed `chat.completions.create`
builds a pydantic object per streamed token, which costs ~0.2 ms each (~35 ms per answer, measured in
bench/bench_client.py) — CPU a Space serving 64 concurrent streams does not have.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from typing import Any, AsyncIterator
from urllib.parse import urlsplit

import httpx
import openai

from triage_demo.backends import sglang_extras as sx
from triage_demo.backends.base import Backend, Health
from triage_demo.parse import parse_output
from triage_demo.prompt import build_messages
from triage_demo.schema import TriageResult
from triage_demo.settings import Settings

#: How many alternatives to ask for at each token; 20 is the OpenAI maximum and covers all five levels.
TOP_LOGPROBS = 20
#: First retry delay; doubles per attempt (0.25 s, 0.5 s, 1 s, ...), capped by the time left.
BACKOFF_S = 0.25
#: Request fields a server may reject outright (`transformers serve` answers 422 to unknown fields).
OPTIONAL_FIELDS = ("regex", "logprobs", "top_logprobs", "n")


@dataclass(frozen=True)
class Endpoint:
    """Where a model is served, and the environment variables that configure it (named in error messages)."""

    url: str
    model: str
    api_key: str | None = field(default=None, repr=False)
    url_var: str = "TRIAGE_BACKEND_URL"
    model_var: str = "TRIAGE_MODEL"
    key_var: str = "TRIAGE_API_KEY"

    @property
    def root(self) -> str:
        """The server root, where SGLang and `transformers serve` answer `/health` (the URL without `/v1`)."""
        base = self.url.rstrip("/")
        return base[: -len("/v1")] if base.endswith("/v1") else base


class BackendFault(Exception):
    """A fault of the server or the network: a message for a person, and whether a retry can help."""

    def __init__(self, message: str, *, transient: bool = False, retry_after: float | None = None):
        super().__init__(message)
        self.message = message
        self.transient = transient
        self.retry_after = retry_after


class _Rejected(Exception):
    """The server refused some optional request fields; retry without them."""

    def __init__(self, fields: list[str], detail: str):
        super().__init__(detail)
        self.fields, self.detail = fields, detail


@dataclass
class _Collected:
    """What one attempt received: text, tokens with log-probabilities and finish reason per choice; usage."""

    texts: dict[int, str] = field(default_factory=dict)
    tokens: dict[int, list[sx.TokenLogprob]] = field(default_factory=dict)
    finish: dict[int, str | None] = field(default_factory=dict)
    saw_logprobs: bool = False
    responded: bool = False  # response headers arrived
    prompt_tokens: int | None = None
    completion_tokens: int | None = None

    def add_choice(self, choice: dict[str, Any], text: str | None) -> None:
        """One choice of a chunk or a completion (OpenAI's JSON shape); KeyError/TypeError on another shape."""
        index = int(choice.get("index", 0))
        self.texts[index] = self.texts.get(index, "") + (text or "")
        logprobs = choice.get("logprobs")
        content = logprobs.get("content") if isinstance(logprobs, dict) else None
        if content:
            self.saw_logprobs = True
            self.tokens.setdefault(index, []).extend(
                sx.TokenLogprob(
                    token=t["token"],
                    logprob=float(t["logprob"]),
                    top=tuple((a["token"], float(a["logprob"])) for a in t.get("top_logprobs") or ()),
                )
                for t in content
            )
        if choice.get("finish_reason"):
            self.finish[index] = choice["finish_reason"]

    def add_usage(self, usage: Any) -> None:
        if isinstance(usage, dict):
            self.prompt_tokens = usage.get("prompt_tokens")
            self.completion_tokens = usage.get("completion_tokens")


class OpenAICompatBackend(Backend):
    """A model behind an OpenAI-compatible `/v1/chat/completions` (SGLang in production)."""

    kind = "openai"

    def __init__(self, settings: Settings, endpoint: Endpoint):
        self._settings = settings
        self.endpoint = endpoint
        self._client: openai.AsyncOpenAI | None = None
        self._client_loop: asyncio.AbstractEventLoop | None = None

    @classmethod
    def primary(cls, settings: Settings) -> "OpenAICompatBackend":
        if not settings.backend_url:
            raise ValueError("TRIAGE_BACKEND_URL is not set")
        return cls(settings, Endpoint(settings.backend_url, settings.model, settings.api_key))

    @classmethod
    def baseline(cls, settings: Settings) -> "OpenAICompatBackend":
        if not settings.baseline_url:
            raise ValueError("TRIAGE_BASELINE_URL is not set")
        if not settings.baseline_model:
            raise ValueError("TRIAGE_BASELINE_MODEL is required when TRIAGE_BASELINE_URL is set "
                             "(the name the baseline server serves its model under)")
        return cls(settings, Endpoint(settings.baseline_url, settings.baseline_model, settings.baseline_api_key,
                                      url_var="TRIAGE_BASELINE_URL", model_var="TRIAGE_BASELINE_MODEL",
                                      key_var="TRIAGE_BASELINE_API_KEY"))

    @property
    def name(self) -> str:
        return f"server · {self.endpoint.model}"

    # ---- client ------------------------------------------------------------------------------------

    def _openai(self) -> openai.AsyncOpenAI:
        """One client (one connection pool) per event loop: a pool cannot be shared across loops."""
        loop = asyncio.get_running_loop()
        if self._client is None or self._client_loop is not loop:
            self._client = openai.AsyncOpenAI(
                base_url=self.endpoint.url,
                api_key=self.endpoint.api_key or "none",  # servers without --api-key ignore it
                max_retries=0,  # retries are ours: they must share one overall deadline
                timeout=openai.Timeout(None, connect=self._settings.connect_timeout_s),
            )
            self._client_loop = loop
        return self._client

    async def aclose(self) -> None:
        if self._client is not None and self._client_loop is asyncio.get_running_loop():
            await self._client.close()
        self._client = None

    def _request(self, narrative: str) -> dict[str, Any]:
        s = self._settings
        req: dict[str, Any] = {
            "model": self.endpoint.model,
            "messages": build_messages(narrative),
            "temperature": s.temperature,  # explicit: SGLang otherwise samples with generation_config
            "max_tokens": s.max_tokens,
        }
        if s.stream:
            req["stream"] = True
            req["stream_options"] = {"include_usage": True}
        if s.n_samples > 1:
            req["n"] = s.n_samples
        elif s.logprobs:  # with n > 1 the vote shares are the probabilities
            req["logprobs"] = True
            req["top_logprobs"] = TOP_LOGPROBS
        if s.regex:  # an SGLang extension field (`extra_body` for the typed client)
            req["regex"] = sx.SKELETON_REGEX
        return req

    # ---- the stream --------------------------------------------------------------------------------

    async def stream(self, narrative: str) -> AsyncIterator[str | TriageResult]:
        loop = asyncio.get_running_loop()
        start = loop.time()
        deadline = start + self._settings.timeout_s
        request = self._request(narrative)
        notes = self._request_notes(request)
        attempt = 0
        while True:
            got = _Collected()
            try:
                async for delta in self._attempt(request, deadline, got):
                    yield delta
                break
            except _Rejected as rej:
                request = _without(request, rej.fields)
                notes.append(f"the server rejected {', '.join(rej.fields)} ({rej.detail}); answered without")
                continue
            except BackendFault as fault:
                if fault.transient and not got.texts.get(0) and attempt < self._settings.max_retries:
                    delay = fault.retry_after if fault.retry_after is not None else BACKOFF_S * 2**attempt
                    if loop.time() + delay < deadline:
                        attempt += 1
                        await asyncio.sleep(delay)
                        continue
                tries = f" (gave up after {attempt + 1} attempts)" if attempt else ""
                yield TriageResult.failure(
                    self.name, fault.message + tries, model=self.endpoint.model, raw_text=got.texts.get(0, ""),
                    latency_ms=(loop.time() - start) * 1000.0, notes=notes,
                )
                return
        if attempt:
            notes.append(f"answered on attempt {attempt + 1} after transient errors")
        yield self._result(request, got, notes, (loop.time() - start) * 1000.0)

    async def _attempt(self, request: dict[str, Any], deadline: float, got: _Collected) -> AsyncIterator[str]:
        """One request; yields text deltas of choice 0 and fills `got`; raises BackendFault or _Rejected."""
        client = self._openai()
        guard = _Deadline(deadline)
        try:
            response = await guard.within(client.post(
                "/chat/completions", cast_to=object, body=request,
                stream=bool(request.get("stream")), stream_cls=openai.AsyncStream[object],
            ))
            got.responded = True
            if not request.get("stream"):
                _collect_completion(response, got)
                if got.texts.get(0):
                    yield got.texts[0]
            else:
                async with response:
                    iterator = response.__aiter__()
                    while (chunk := await guard.within(anext(iterator, None))) is not None:
                        before = len(got.texts.get(0, ""))
                        _collect_chunk(chunk, got)
                        if len(got.texts.get(0, "")) > before:
                            yield got.texts[0][before:]
        except (openai.APIError, ValueError, TypeError, KeyError, AttributeError, TimeoutError) as exc:
            raise await self._fault(exc, request, deadline, got) from exc
        finally:
            guard.disarm()
        if not got.finish.get(0):
            raise BackendFault(
                f"the stream from {self.endpoint.url} ended before the model finished "
                f"({len(got.texts.get(0, ''))} characters, no finish_reason): the server or a proxy cut it"
            )

    # ---- faults ------------------------------------------------------------------------------------

    async def _fault(self, exc: Exception, request: dict[str, Any], deadline: float,
                     got: _Collected) -> BackendFault | _Rejected:
        """Turn an exception into a specific message (and whether to retry)."""
        ep, s = self.endpoint, self._settings
        if isinstance(exc, TimeoutError):
            if not got.responded:
                return BackendFault(f"{ep.url} accepted the connection but sent no response within the "
                                    f"{s.timeout_s:g} s timeout (TRIAGE_TIMEOUT_S): server hung or overloaded")
            return BackendFault(f"the answer from {ep.url} was not complete within the {s.timeout_s:g} s timeout "
                                f"(TRIAGE_TIMEOUT_S): {len(got.texts.get(0, ''))} characters received")
        if isinstance(exc, openai.APITimeoutError):  # only the connect phase has an httpx timeout
            return BackendFault(f"could not connect to {ep.url} within {s.connect_timeout_s:g} s "
                                f"(connect timeout; check {ep.url_var} and that the server is up)", transient=True)
        if isinstance(exc, openai.APIConnectionError):
            cause = exc.__cause__ or exc
            received = len(got.texts.get(0, ""))
            if type(cause).__name__ not in ("ConnectError", "ConnectTimeout"):
                return BackendFault(f"the connection to {ep.url} broke before the answer was complete, after "
                                    f"{received} characters ({_describe(cause)})", transient=received == 0)
            return BackendFault(f"cannot connect to {ep.url} ({_describe(cause)}; check {ep.url_var})",
                                transient=True)
        if isinstance(exc, openai.APIStatusError):
            return await self._status_fault(exc, request, deadline)
        if isinstance(exc, openai.APIError):  # an error event inside a 200 stream
            return BackendFault(f"{ep.url} reported an error mid-stream: {_detail(exc.body) or exc.message}")
        # ValueError (JSON), TypeError/KeyError/AttributeError (a JSON body of the wrong shape)
        return BackendFault(f"{ep.url} did not answer in the OpenAI chat-completions format ({_describe(exc)}): "
                            f"is {ep.url_var} the API base of an OpenAI-compatible server, ending in /v1?")

    async def _status_fault(self, exc: openai.APIStatusError, request: dict[str, Any],
                            deadline: float) -> BackendFault | _Rejected:
        ep, code = self.endpoint, exc.status_code
        detail = _detail(exc.body) or exc.message
        if code in (400, 422):
            named = [f for f in OPTIONAL_FIELDS if f in request and re.search(rf"\b{f}\b", detail)]
            if "logprobs" in named and "top_logprobs" not in named and "top_logprobs" in request:
                named.append("top_logprobs")  # meaningless without logprobs
            if named:
                return _Rejected(named, f"HTTP {code}: {detail}")
        if code in (401, 403):
            return BackendFault(f"{ep.url} rejected the API key (HTTP {code}: {detail}); check {ep.key_var}")
        if code == 404 or (code in (400, 422) and ep.model in detail):
            served = await self._served_models(deadline)
            if served is not None and ep.model not in served:
                return BackendFault(f"{ep.url} does not serve a model named '{ep.model}' (HTTP {code}); it serves: "
                                    f"{', '.join(served) or 'nothing'}. Set {ep.model_var} to one of these")
            if code == 404:
                return BackendFault(f"{ep.url}/chat/completions was not found (HTTP 404: {detail}) for model "
                                    f"'{ep.model}': check {ep.url_var} (the API base, usually ending in /v1) "
                                    f"and {ep.model_var}")
        if code == 429 or code >= 500:
            return BackendFault(f"{ep.url} answered HTTP {code}: {detail}", transient=True,
                                retry_after=_retry_after(exc.response))
        return BackendFault(f"{ep.url} refused the request (HTTP {code}: {detail})")

    async def _served_models(self, deadline: float) -> list[str] | None:
        """Model names the server lists at /models, or None when it cannot tell (for a specific message)."""
        try:
            page = await _within(min(deadline, asyncio.get_running_loop().time() + self._settings.connect_timeout_s),
                                 self._openai().models.list())
            return [m.id for m in page.data]
        except (openai.APIError, TimeoutError, ValueError, TypeError, AttributeError):
            return None

    # ---- the result --------------------------------------------------------------------------------

    def _request_notes(self, request: dict[str, Any]) -> list[str]:
        notes = []
        if request.get("n", 1) > 1 and self._settings.temperature == 0:
            notes.append(f"{request['n']} samples at temperature 0 are identical; set TRIAGE_TEMPERATURE > 0 "
                         "for a meaningful self-consistency vote")
        if self._settings.logprobs and request.get("n", 1) > 1:
            notes.append("logprobs not requested with n > 1: the probabilities are the vote shares")
        return notes

    def _result(self, request: dict[str, Any], got: _Collected, notes: list[str], latency_ms: float) -> TriageResult:
        texts = [got.texts[i] for i in sorted(got.texts)] or [""]
        text = texts[0]
        probabilities: dict[int, float] | None = None
        n = request.get("n", 1)
        if n > 1:
            if len(texts) < n:
                notes.append(f"asked for {n} samples, the server returned {len(texts)} (it ignores n): no vote")
            else:
                levels = [parse_output(t).esi for t in texts]
                ballot = sx.vote(levels)
                notes.append(ballot.describe())
                probabilities = ballot.shares
                if ballot.esi is not None:
                    text = texts[levels.index(ballot.esi)]
        elif request.get("logprobs"):
            if not got.saw_logprobs:
                notes.append("the server returned no logprobs (it ignores them): no per-level probabilities")
            else:
                probabilities = sx.answer_probabilities(got.tokens.get(0, []))
                if probabilities is None:
                    notes.append("no answer token in the log-probabilities: no per-level probabilities")
        if "regex" in request and not sx.matches_skeleton(text):
            notes.append("the output does not follow the regex skeleton: the server ignored the constraint")
        parsed = parse_output(text)
        error = None
        if parsed.esi is None:
            cut = " (cut off at max_tokens; raise TRIAGE_MAX_TOKENS)" if got.finish.get(0) == "length" else ""
            error = f"no parseable 'ANSWER: ESI n' line in the model's output ({len(text)} characters){cut}"
        return TriageResult.from_parsed(
            parsed, text, backend=self.name, model=self.endpoint.model, probabilities=probabilities,
            latency_ms=latency_ms, prompt_tokens=got.prompt_tokens, completion_tokens=got.completion_tokens,
            error=error, notes=notes,
        )

    # ---- health ------------------------------------------------------------------------------------

    async def health(self) -> Health:
        """GET /models (is our model served?) and the root /health (starting up?), within the connect timeout."""
        ep, t = self.endpoint, self._settings.connect_timeout_s
        headers = {"Authorization": f"Bearer {ep.api_key}"} if ep.api_key else {}
        try:
            async with httpx.AsyncClient(timeout=t) as http:
                models, root = await asyncio.wait_for(asyncio.gather(
                    http.get(ep.url.rstrip("/") + "/models", headers=headers),
                    http.get(ep.root + "/health"),
                ), t)
        except TimeoutError:
            return Health(self.name, False, f"{ep.url}: no answer within {t:g} s")
        except httpx.HTTPError as exc:
            return Health(self.name, False, f"{ep.url}: unreachable ({_describe(exc)})")
        if models.status_code in (401, 403):
            return Health(self.name, False, f"{ep.url}: API key rejected (HTTP {models.status_code}); "
                                            f"check {ep.key_var}")
        if root.status_code >= 500:
            return Health(self.name, False, f"{ep.root}/health: HTTP {root.status_code} (starting or unhealthy)")
        try:
            served = [m["id"] for m in models.raise_for_status().json()["data"]]
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
            return Health(self.name, False, f"{ep.url}/models: not an OpenAI model list ({_describe(exc)})")
        if ep.model not in served:
            return Health(self.name, False, f"{ep.url} serves {', '.join(served) or 'nothing'}, not '{ep.model}'")
        return Health(self.name, True, f"{ep.url} serves '{ep.model}'")


# ---- helpers -----------------------------------------------------------------------------------------


async def _within(deadline: float, awaitable: Any) -> Any:
    """Await a one-off operation before the overall deadline (loop time); TimeoutError when it is spent."""
    async with asyncio.timeout_at(deadline):
        return await awaitable


class _Deadline:
    """One timer per request for the awaits of a stream that yields to its consumer between them.

    `asyncio.timeout` cannot span the yields (its cancellation would land in the consumer's code), and arming
    one per streamed chunk costs ~2 ms per answer (bench/bench_client.py). This timer cancels the task only
    while it is inside `within()`; if it fires while the consumer holds control, the next `within()` raises.
    """

    def __init__(self, deadline: float):
        self._task = asyncio.current_task()
        self._inside = False
        self.expired = False
        self._handle = asyncio.get_running_loop().call_at(deadline, self._fire)

    def _fire(self) -> None:
        self.expired = True
        if self._inside and self._task is not None:
            self._task.cancel()

    async def within(self, awaitable: Any) -> Any:
        if self.expired:
            awaitable.close()  # a coroutine never awaited
            raise TimeoutError
        self._inside = True
        try:
            return await awaitable
        except asyncio.CancelledError:
            if self.expired and self._task is not None and self._task.uncancel() == 0:
                raise TimeoutError from None  # our cancellation, and nobody else's
            raise
        finally:
            self._inside = False

    def disarm(self) -> None:
        self._handle.cancel()


def _collect_chunk(chunk: object, got: _Collected) -> None:
    if not isinstance(chunk, dict):
        raise ValueError(f"a stream event that is not a JSON object: {str(chunk)[:80]!r}")
    for choice in chunk.get("choices") or ():
        got.add_choice(choice, (choice.get("delta") or {}).get("content"))
    got.add_usage(chunk.get("usage"))


def _collect_completion(response: object, got: _Collected) -> None:
    if not isinstance(response, dict):  # the client returns a body that is not JSON as text
        raise ValueError(f"a body that is not a JSON object: {str(response)[:80]!r}")
    if not response.get("choices"):
        raise ValueError("a completion without choices")
    for choice in response["choices"]:
        got.add_choice(choice, (choice.get("message") or {}).get("content"))
    got.add_usage(response.get("usage"))


def _without(request: dict[str, Any], names: list[str]) -> dict[str, Any]:
    return {k: v for k, v in request.items() if k not in names}


def _detail(body: object) -> str:
    """The human part of an error body, in the shapes SGLang/vLLM, OpenAI and FastAPI use."""
    if isinstance(body, dict):
        for key in ("message", "detail", "error"):
            value = body.get(key)
            if isinstance(value, dict):
                return _detail(value)
            if value:
                return str(value)[:300]
    return str(body)[:300] if body else ""


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text[:200]}" if text else type(exc).__name__


def _retry_after(response: Any) -> float | None:
    value = getattr(response, "headers", {}).get("retry-after")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
