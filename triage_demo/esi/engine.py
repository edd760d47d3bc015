"""`assess(narrative)`: the deterministic ESI v4 algorithm, step by step, with the evidence for every decision.

Order (ESI v4): A (life-saving intervention -> 1), B (high-risk / new confusion / severe pain -> 2),
C (resource types: none -> 5, one -> 4, two or more -> D), D (danger-zone vitals -> 2, else 3), plus the
paediatric fever rules. All steps are evaluated so every finding is reported, but the first step that decides
sets the level. Finally the level is capped by the safety floor, so `esi <= min_esi` always holds.
"""

from __future__ import annotations

from triage_demo.esi.collect import Collector
from triage_demo.esi.complaint import chief_complaint
from triage_demo.esi.danger import danger_zone, paediatric_fever
from triage_demo.esi.highrisk import step_b
from triage_demo.esi.lifesaving import step_a
from triage_demo.esi.model import Assessment
from triage_demo.esi.resources import count, step_c
from triage_demo.esi.text import Context
from triage_demo.esi.vitals import extract


def assess(narrative: str) -> Assessment:
    """Triage one narrative by the rules. Never raises for any `str` (empty, huge, binary junk, any language)."""
    if not isinstance(narrative, str):
        raise TypeError(f"narrative must be a str, got {type(narrative).__name__}")
    ctx = Context(narrative)
    reading = extract(ctx)
    out = Collector(ctx)
    step_a(ctx, reading, out)
    step_b(ctx, reading, out)
    resources = step_c(ctx, reading, out)
    breaches = danger_zone(reading, out)
    fever_level = paediatric_fever(ctx, reading, out)

    if 1 in out.levels("A"):
        esi, decided = 1, "A"
    elif out.levels("A") or out.levels("B"):
        esi, decided = 2, "B"
    elif fever_level == 2:
        esi, decided = 2, "D"
    else:
        n = count(resources)
        if n >= 2:
            esi, decided = (2 if breaches else 3), "D"
        else:
            esi, decided = (5 if n == 0 else 4), "C"
        if fever_level == 3 and esi > 3:
            esi, decided = 3, "D"
    floors = out.levels("floor")
    min_esi = min(floors) if floors else 5
    if esi > min_esi:
        esi, decided = min_esi, "floor"
    return Assessment(
        narrative=narrative,
        esi=esi,
        min_esi=min_esi,
        findings=out.findings,
        vitals=reading.vitals,
        resources=resources,
        chief_complaint=chief_complaint(ctx),
        danger_zone=breaches,
        decided_at=decided,
    )
