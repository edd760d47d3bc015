"""The backend interface: take a narrative, stream the model's text, return a parsed `TriageResult`.

A backend never raises for a fault of its server or model: it ends its stream with a `TriageResult` whose
`error` says what went wrong in words a person can act on. Programming errors still raise.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import AsyncIterator, Callable

from triage_demo.schema import TriageResult


@dataclass(frozen=True)
class Health:
    """Whether a backend can answer now, and why not."""

    backend: str
    ok: bool
    detail: str = ""


class Backend(ABC):
    """One way of turning a narrative into a `TriageResult` (a model server, an in-process model, the rules)."""

    #: Short label shown in the UI and the API, e.g. "sglang", "transformers", "rules".
    kind: str = "abstract"

    @property
    @abstractmethod
    def name(self) -> str:
        """What produced a result, for people: e.g. "sglang · vadimbelsky/medgemma-4b-esi-triage-grpo-v1"."""

    @abstractmethod
    def stream(self, narrative: str) -> AsyncIterator[str | TriageResult]:
        """Yield text deltas as they are generated, then exactly one final `TriageResult`."""

    async def triage(self, narrative: str, on_delta: Callable[[str], None] | None = None) -> TriageResult:
        """Run one narrative to completion; `on_delta` sees each text delta as it arrives."""
        final: TriageResult | None = None
        async for item in self.stream(narrative):
            if isinstance(item, TriageResult):
                final = item
            elif on_delta is not None:
                on_delta(item)
        if final is None:  # a broken implementation, not a server fault
            raise RuntimeError(f"backend {self.name} ended its stream without a result")
        return final

    @abstractmethod
    async def health(self) -> Health:
        """Cheap liveness check (e.g. GET /health or /v1/models), bounded by the connect timeout."""

    async def aclose(self) -> None:
        """Release connections; the default has nothing to release."""
