"""Choose the backends from the settings, check them, and run the primary and the baseline side by side.

Implementations are imported lazily: the rule engine must start without `openai`, `torch` or `transformers`.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import AsyncIterator, Literal

from triage_demo.backends.base import Backend, Health
from triage_demo.schema import TriageResult
from triage_demo.settings import Settings

Role = Literal["primary", "baseline"]


@dataclass
class Backends:
    """The backend that answers (`primary`) and the optional comparison model (`baseline`)."""

    primary: Backend
    baseline: Backend | None = None

    def all(self) -> list[Backend]:
        return [self.primary] + ([self.baseline] if self.baseline is not None else [])

    async def aclose(self) -> None:
        await asyncio.gather(*(b.aclose() for b in self.all()))


def build_backends(settings: Settings) -> Backends:
    """Primary: a server if `backend_url` is set, else an in-process model if `model_path` is set, else the rules.

    Baseline: an OpenAI-compatible server when `baseline_url` is set (its model name is required then).
    """
    primary: Backend
    if settings.backend_url:
        from triage_demo.backends.openai_compat import OpenAICompatBackend

        primary = OpenAICompatBackend.primary(settings)
    elif settings.model_path:
        from triage_demo.backends.transformers_local import TransformersBackend

        primary = TransformersBackend(settings)
    else:
        from triage_demo.backends.rules import RulesBackend

        primary = RulesBackend()
    baseline: Backend | None = None
    if settings.baseline_url:
        from triage_demo.backends.openai_compat import OpenAICompatBackend

        baseline = OpenAICompatBackend.baseline(settings)
    return Backends(primary=primary, baseline=baseline)


async def check_health(backends: Backends) -> list[Health]:
    """Health of every configured backend, checked concurrently (a dead one costs its connect timeout, once)."""
    return list(await asyncio.gather(*(b.health() for b in backends.all())))


async def stream_both(backends: Backends, narrative: str) -> AsyncIterator[tuple[Role, str | TriageResult]]:
    """Merge the primary's and the baseline's streams, each item tagged with its role, in arrival order.

    Both run concurrently, so a slow or dead baseline never delays the primary's text or result: each
    backend ends with its own `TriageResult` (a failure result for a dead one) whenever it is done.
    """
    queue: asyncio.Queue[tuple[Role, str | TriageResult] | None] = asyncio.Queue()
    runs: list[tuple[Role, Backend]] = [("primary", backends.primary)]
    if backends.baseline is not None:
        runs.append(("baseline", backends.baseline))

    async def pump(role: Role, backend: Backend) -> None:
        try:
            async for item in backend.stream(narrative):
                await queue.put((role, item))
        finally:
            await queue.put(None)

    tasks = [asyncio.create_task(pump(role, backend)) for role, backend in runs]
    try:
        finished = 0
        while finished < len(tasks):
            item = await queue.get()
            if item is None:
                finished += 1
            else:
                yield item
        for task in tasks:  # re-raise a programming error of a backend instead of losing it
            task.result()
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


__all__ = ["Backend", "Backends", "Health", "build_backends", "check_health", "stream_both"]
