"""The rule engine as a backend: the embedded default when no model server or local model is configured.

It streams the same text format the model writes, so the UI, the parser and the evaluator treat it like any
model; the level is the rule engine's own (`Assessment.esi`), never re-derived from its text.
"""

from __future__ import annotations

import time
from typing import AsyncIterator

from triage_demo.backends.base import Backend, Health
from triage_demo.esi import assess
from triage_demo.parse import parse_output
from triage_demo.schema import TriageResult


class RulesBackend(Backend):
    """Deterministic ESI rules over the narrative's keywords and vitals: instant, no model, always up."""

    kind = "rules"

    @property
    def name(self) -> str:
        return "rules · ESI rule engine"

    async def stream(self, narrative: str) -> AsyncIterator[str | TriageResult]:
        start = time.perf_counter()
        assessment = assess(narrative)
        text = assessment.render()
        # One delta per line: the UI shows the same progressive rendering as for a model.
        for line in text.splitlines(keepends=True):
            yield line
        result = TriageResult.from_parsed(
            parse_output(text),
            text,
            backend=self.name,
            latency_ms=(time.perf_counter() - start) * 1000.0,
        )
        result.esi = assessment.esi
        yield result

    async def health(self) -> Health:
        return Health(backend=self.name, ok=True, detail="built in")
