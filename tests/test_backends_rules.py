"""The rule engine as a backend: the same stream contract as a model, and the engine's own level."""

from __future__ import annotations

import asyncio

import pytest

from triage_demo.backends import build_backends
from triage_demo.backends.rules import RulesBackend
from triage_demo.backends.sglang_extras import matches_skeleton
from triage_demo.esi import assess
from triage_demo.schema import TriageResult
from triage_demo.settings import Settings

CASES = [
    "A 67-year-old male arrived via ambulance with sudden onset chest pain radiating to the left arm, "
    "diaphoresis, and shortness of breath. BP 88/60, HR 118, RR 24, SpO2 91%. History of MI. Pain 9/10.",
    "A 24-year-old woman with a sore throat for two days. Temp 37.9 C, HR 84, BP 118/76, RR 16, SpO2 99%.",
    "An 80-year-old woman found unresponsive at home, apnoeic, bag-valve-mask ventilation by paramedics.",
]


def _collect(narrative: str) -> list:
    async def go():
        return [item async for item in RulesBackend().stream(narrative)]

    return asyncio.run(go())


@pytest.mark.parametrize("narrative", CASES)
def test_streams_the_card_format_then_the_engines_verdict(narrative):
    items = _collect(narrative)
    *deltas, result = items
    expected = assess(narrative)
    assert deltas and all(isinstance(d, str) for d in deltas) and isinstance(result, TriageResult)
    assert "".join(deltas) == result.raw_text == expected.render()
    assert result.esi == expected.esi and result.ok
    assert result.backend == "rules · ESI rule engine" and result.model is None
    assert result.extraction.chief_complaint and set(result.steps) == {"A", "B", "C", "D"}
    assert result.latency_ms is not None and result.latency_ms >= 0
    assert matches_skeleton(result.raw_text)  # exactly the model card's format


def test_levels_differ_across_cases():
    assert len({_collect(n)[-1].esi for n in CASES}) > 1


def test_is_the_default_and_always_up():
    backends = build_backends(Settings())
    assert isinstance(backends.primary, RulesBackend) and backends.primary.kind == "rules"
    health = asyncio.run(backends.primary.health())
    assert health.ok and health.backend == backends.primary.name
