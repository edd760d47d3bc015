"""What the Triage tab and the `/triage_json` API do, without any Gradio: validate, rate-limit, run, check.

Kept free of UI code so that the page, the JSON API, the benchmark and the tests all run one code path:
- the narrative is cleaned (NUL and control characters removed) and refused with a clear message when empty
  or longer than `Settings.max_chars`;
- each caller gets `Settings.rate_limit_per_minute` triage runs per sliding minute;
- the primary and the baseline run concurrently (`backends.stream_both`); once the primary has answered, the
  baseline gets at most `Settings.baseline_wait_s` more, so a slow or dead comparison model never holds back
  the answer;
- the rule engine's assessment is the safety net: its minimum acuity and danger-zone findings, and a warning
  for every model answer less acute than that minimum or two models that disagree by two levels or more.
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, AsyncIterator, Callable

from triage_demo import DISCLAIMER
from triage_demo.backends import Backends, stream_both
from triage_demo.schema import TriageResult
from triage_demo.settings import Settings

if TYPE_CHECKING:
    from triage_demo.esi import Assessment

#: C0 controls except tab, newline and carriage return; DEL; C1 controls. Invisible, never clinical content.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class InputError(ValueError):
    """A request the service refuses; the message is meant for the person who sent it."""


class RateLimited(InputError):
    """The caller has used up their triage runs for the current minute."""


def clean_narrative(text: object, max_chars: int) -> str:
    """The narrative as the backends should see it, or InputError saying what to fix.

    Control characters are removed before the length check, so invisible bytes neither count nor reach a model.
    """
    if text is None:
        text = ""
    if not isinstance(text, str):
        raise InputError("The narrative must be text.")
    cleaned = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n")).strip()
    if not cleaned:
        raise InputError("The narrative is empty: describe the patient (complaint, vitals, history, arrival).")
    if len(cleaned) > max_chars:
        raise InputError(
            f"The narrative is {len(cleaned):,} characters long; the limit is {max_chars:,}. "
            "Shorten it to the triage note itself."
        )
    return cleaned


class RateLimiter:
    """At most `limit` events per key in any sliding `window_s`; thread-safe (Gradio runs handlers in threads)."""

    def __init__(self, limit: int, window_s: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window_s = window_s
        self._clock = clock
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, key: str) -> None:
        """Record one event for `key`, or raise RateLimited (recording nothing) when over the limit."""
        if self.limit <= 0:  # 0 disables the limit (e.g. a private deployment or the benchmark)
            return
        now = self._clock()
        with self._lock:
            self._forget_idle(now)
            events = self._events.setdefault(key, deque())
            while events and now - events[0] >= self.window_s:
                events.popleft()
            if len(events) >= self.limit:
                wait = self.window_s - (now - events[0])
                raise RateLimited(
                    f"Too many triage requests: the limit is {self.limit} per minute. Try again in {wait:.0f} s."
                )
            events.append(now)

    def _forget_idle(self, now: float) -> None:
        # Drop callers idle for a whole window so the table does not grow with every visitor.
        idle = [k for k, ev in self._events.items() if not ev or now - ev[-1] >= self.window_s]
        for k in idle:
            del self._events[k]


def caller_key(username: str | None, forwarded_for: str | None, client_host: str | None) -> str:
    """Whom a request counts against for the rate limit: the signed-in user, else the client address.

    Behind the Spaces proxy every request comes from the proxy, so the first `X-Forwarded-For` address (the
    client as the proxy saw it) is used when present. A caller can put another address there; the limit is
    for fairness between well-behaved users, not a defence against someone rotating addresses.
    """
    if username:
        return f"user:{username.casefold()}"
    if forwarded_for and forwarded_for.split(",")[0].strip():
        return f"ip:{forwarded_for.split(',')[0].strip()}"
    return f"ip:{client_host or 'unknown'}"


@dataclass
class TriageRun:
    """The state of one triage run: streamed text so far, final results, and (at the end) the safety net."""

    narrative: str
    texts: dict[str, str] = field(default_factory=lambda: {"primary": "", "baseline": ""})
    primary: TriageResult | None = None
    baseline: TriageResult | None = None
    safety: dict[str, Any] | None = None

    @property
    def done(self) -> bool:
        return self.safety is not None

    def payload(self) -> dict[str, Any]:
        """The `/triage_json` answer: JSON-safe, stable keys, `baseline` null when none is configured."""
        if self.primary is None or self.safety is None:
            raise RuntimeError("payload() of a run that has not finished")
        return {
            "primary": result_payload(self.primary),
            "baseline": result_payload(self.baseline) if self.baseline is not None else None,
            "safety": self.safety,
            "disclaimer": DISCLAIMER,
        }


def result_payload(result: TriageResult) -> dict[str, Any]:
    """One model's answer for the API (`TriageResult.to_dict`, plus `ok`)."""
    return {**result.to_dict(), "ok": result.ok}


def safety_net(assessment: "Assessment", results: dict[str, TriageResult | None]) -> dict[str, Any]:
    """The rule engine's view of the case and the warnings it raises about the models' answers.

    `flags` are the prominent warnings: a model answer less acute than the engine's minimum (with the
    finding that sets it), and a disagreement of 2+ levels between the models.
    """
    flags: list[str] = []
    for role, result in results.items():
        # A model that wrote something without a level is flagged; one that could not be reached at all only
        # shows its error in its column (there is no answer to check).
        if result is not None and (result.esi is not None or result.raw_text.strip()):
            for message in assessment.safety_flags(result.esi):
                flags.append(f"{role.capitalize()} model: {message}")
    answered = {role: r for role, r in results.items() if r is not None and r.esi is not None}
    if len(answered) == 2:
        p, b = answered["primary"].esi, answered["baseline"].esi
        assert p is not None and b is not None
        if abs(p - b) >= 2:
            flags.append(
                f"The models disagree by {abs(p - b)} levels (primary ESI {p}, baseline ESI {b}): "
                "review the case yourself."
            )
    return {
        "min_esi": assessment.min_esi,
        "rule_esi": assessment.esi,
        "flags": flags,
        "vitals": assessment.to_dict().get("vitals"),
        "danger_zone": [_finding(f) for f in assessment.danger_zone],
        "findings": [_finding(f) for f in assessment.findings],
    }


def _finding(finding: Any) -> dict[str, Any]:
    return {
        "rule": finding.rule,
        "step": finding.step,
        "message": finding.message,
        "text": finding.text,
        "esi": finding.esi,
    }


class TriageService:
    """Triage for the app: one instance per process, shared by all sessions.

    `backends` stream (the page shows text as it is generated); `whole_backends` ask for complete answers
    and serve `run()` (the JSON API, the batch), where nobody reads the deltas and per-token parsing would
    only cost CPU. Both default to the same objects.
    """

    def __init__(self, settings: Settings, backends: Backends, whole_backends: Backends | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self.backends = backends
        self.whole_backends = whole_backends or backends
        self.limiter = RateLimiter(settings.rate_limit_per_minute, clock=clock)

    @property
    def has_baseline(self) -> bool:
        return self.backends.baseline is not None

    def admit(self, narrative: object, caller: str) -> str:
        """Validate the narrative, then count the run against `caller`'s rate limit (in that order, so a
        rejected narrative does not use up the caller's quota). Returns the cleaned narrative."""
        cleaned = clean_narrative(narrative, self.settings.max_chars)
        self.limiter.check(caller)
        return cleaned

    def stream(self, narrative: str) -> AsyncIterator[TriageRun]:
        """Run an admitted narrative; yield the same `TriageRun` after every change, finished last."""
        return self._run(narrative, self.backends)

    async def run(self, narrative: str) -> TriageRun:
        """Run an admitted narrative to the end (the API path: same semantics as the streamed page)."""
        last: TriageRun | None = None
        async for last in self._run(narrative, self.whole_backends):
            pass
        assert last is not None and last.done
        return last

    async def _run(self, narrative: str, backends: Backends) -> AsyncIterator[TriageRun]:
        """Both models concurrently, then the safety net. The baseline is abandoned (with a failure result
        saying so) if it has not answered `baseline_wait_s` seconds after the primary."""
        from triage_demo.esi import assess

        run = TriageRun(narrative=narrative)
        merged = stream_both(backends, narrative).__aiter__()
        deadline: float | None = None
        try:
            while run.primary is None or (backends.baseline is not None and run.baseline is None):
                timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
                try:
                    role, item = await asyncio.wait_for(merged.__anext__(), timeout)
                except StopAsyncIteration:  # pragma: no cover - stream_both always ends each role with a result
                    break
                except asyncio.TimeoutError:
                    assert backends.baseline is not None
                    run.baseline = TriageResult.failure(
                        backends.baseline.name,
                        f"No answer within {self.settings.baseline_wait_s:g} s after the primary model; "
                        "the comparison model is slow or down.",
                    )
                    break
                if isinstance(item, TriageResult):
                    setattr(run, role, item)
                    if role == "primary" and backends.baseline is not None:
                        deadline = time.monotonic() + self.settings.baseline_wait_s
                else:
                    run.texts[role] += item
                yield run
        finally:
            await merged.aclose()
        run.safety = safety_net(assess(narrative), {"primary": run.primary, "baseline": run.baseline})
        yield run
