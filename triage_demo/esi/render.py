"""Render an Assessment in the model card's output format, so rules and model answers read the same way.

The text round-trips through `triage_demo.parse.parse_output` (same sections, one `ANSWER: ESI N` line).
Narrative snippets are collapsed to one line each, so nothing from the note can forge a section or an answer.
"""

from __future__ import annotations

from triage_demo.esi.model import Assessment, Finding
from triage_demo.esi.resources import LABELS, count

_NOTHING = {
    "A": "no immediate life-saving intervention needed",
    "B": "no high-risk situation, new confusion/lethargy or severe pain with distress",
    "D": "no danger-zone vital signs",
}


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _cite(f: Finding) -> str:
    quote = _one_line(f.text)
    return f'{f.message} ("{quote}")' if quote else f.message


def _step_line(a: Assessment, step: str) -> str:
    found = a.by_step(step)
    if not found:
        return _NOTHING[step]
    return "; ".join(_cite(f) for f in found)


def _resources_line(a: Assessment) -> str:
    if not a.resources:
        return "none expected -> ESI 5"
    n = count(a.resources)
    names = ", ".join(LABELS[r] for r in a.resources)
    verdict = "ESI 4" if n == 1 else "go to Step D"
    return f"{n} ({names}) -> {verdict}"


def render_assessment(a: Assessment) -> str:
    """The EXTRACTION / ESI ALGORITHM / ANSWER text for `a`."""
    patient = a.vitals.describe_patient()
    vitals = a.vitals.describe() or "not documented"
    red = [f.message for f in a.findings if f.step in ("A", "B", "D")]
    decided = a.decided_at
    a_line = ("YES: " if decided == "A" else "") + _step_line(a, "A")
    b_line = _step_line(a, "B")
    if decided == "B":
        b_line = "YES: " + b_line
    elif decided == "A" and a.by_step("B"):
        b_line = "also " + b_line
    c_line = _resources_line(a)
    if decided in ("A", "B"):
        c_line = f"not needed (decided at Step {decided}); expected {c_line.split(' -> ')[0]}"
    d_line = _step_line(a, "D")
    if decided == "C":
        d_line = "not reached (fewer than 2 resources)" + ("" if not a.by_step("D") else f"; noted: {d_line}")
    elif decided == "D" and a.esi == 3 and not a.danger_zone:
        d_line += " -> ESI 3"
    elif decided == "D":
        d_line = "YES: " + d_line
    if decided == "floor":
        d_line += f"; safety floor ESI {a.min_esi}: " + "; ".join(_cite(f) for f in a.by_step("floor"))
    lines = [
        "EXTRACTION:",
        f"- Chief complaint: {_one_line(a.chief_complaint)}",
        f"- Vital signs: {vitals}" + (f" ({patient})" if patient else ""),
        f"- Red flags: {'; '.join(dict.fromkeys(red)) if red else 'none identified'}",
        "ESI ALGORITHM:",
        f"- Step A (lifesaving): {a_line}",
        f"- Step B (high-risk): {b_line}",
        f"- Step C (resources): {c_line}",
        f"- Step D (vitals): {d_line}",
        f"ANSWER: ESI {a.esi}",
    ]
    return "\n".join(lines)
