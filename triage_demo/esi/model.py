"""The value types of the rule engine: what fired (`Finding`), what was measured (`Vitals`), the verdict (`Assessment`).

They are plain frozen/ordinary dataclasses so that the UI, the evaluator and the label store can keep them,
compare them and turn them into JSON without knowing anything about the rules that produced them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

#: The ESI decision point a finding belongs to; 'floor' findings explain `Assessment.min_esi`.
Step = Literal["A", "B", "C", "D", "floor"]


@dataclass(frozen=True)
class Finding:
    """One rule that fired, with the exact narrative span that triggered it.

    `text == narrative[start:end]` always holds, so a UI can highlight the evidence and a reviewer can check it.
    `esi` is the level the rule points to (1 or 2 for steps A/B/D, the floor for 'floor'); None for resources.
    """

    rule: str
    step: Step
    message: str
    start: int
    end: int
    text: str
    esi: int | None = None


@dataclass(frozen=True)
class Vitals:
    """Values recovered from the narrative; each is None when the narrative does not state it.

    When a vital is stated more than once, the most abnormal value in the direction ESI cares about is kept
    (highest HR/RR/temperature/pain, lowest SBP/SpO2/GCS), because triage asks "how sick could this be".
    `glucose_mg_dl` is an addition beyond the vital signs proper: a fingerstick value decides the D50 rule.
    """

    age_years: float | None = None
    sex: str | None = None  # 'M' / 'F'
    hr: int | None = None
    sbp: int | None = None
    dbp: int | None = None
    rr: int | None = None
    spo2: int | None = None
    temp_c: float | None = None
    pain: int | None = None  # 0-10
    gcs: int | None = None
    avpu: str | None = None  # 'A' / 'V' / 'P' / 'U'
    arrival: str | None = None  # 'ambulance', 'walk-in', 'brought by family', 'air', 'police', 'transfer', ...
    glucose_mg_dl: int | None = None

    def describe(self) -> str:
        """Compact one-line summary in clinical shorthand, e.g. 'HR 118, BP 88/60, RR 24, SpO2 91%'."""
        parts: list[str] = []
        if self.hr is not None:
            parts.append(f"HR {self.hr}")
        if self.sbp is not None:
            parts.append(f"BP {self.sbp}/{self.dbp}" if self.dbp is not None else f"SBP {self.sbp}")
        if self.rr is not None:
            parts.append(f"RR {self.rr}")
        if self.spo2 is not None:
            parts.append(f"SpO2 {self.spo2}%")
        if self.temp_c is not None:
            parts.append(f"T {self.temp_c:.1f} C")
        if self.pain is not None:
            parts.append(f"pain {self.pain}/10")
        if self.gcs is not None:
            parts.append(f"GCS {self.gcs}")
        if self.avpu is not None:
            parts.append(f"AVPU {self.avpu}")
        if self.glucose_mg_dl is not None:
            parts.append(f"glucose {self.glucose_mg_dl} mg/dL")
        return ", ".join(parts)

    def describe_patient(self) -> str:
        """Age, sex and arrival mode, e.g. '67 y M, ambulance'."""
        parts: list[str] = []
        if self.age_years is not None:
            parts.append(format_age(self.age_years))
        if self.sex is not None:
            parts.append(self.sex)
        if self.arrival is not None:
            parts.append(f"arrival: {self.arrival}")
        return ", ".join(parts)


def format_age(years: float) -> str:
    """Human age with the unit triage uses for that band (days for neonates, months for infants)."""
    if years < 28 / 365.25 + 1e-9:
        return f"{round(years * 365.25)} d"
    if years < 2:
        return f"{round(years * 12)} mo"
    return f"{years:g} y" if years != int(years) else f"{int(years)} y"


@dataclass
class Assessment:
    """The engine's verdict for one narrative. `esi <= min_esi` always holds.

    `min_esi` is a safety floor: the least acute level that is still defensible given the non-negotiable
    findings (5 = no floor). It is deliberately narrower than `esi`, because it is used to flag other
    systems' answers, and a flag must mean "certainly too low", not "the rules would have said otherwise".
    """

    narrative: str
    esi: int
    min_esi: int
    findings: list[Finding]
    vitals: Vitals
    resources: list[str]
    chief_complaint: str
    danger_zone: list[Finding] = field(default_factory=list)
    decided_at: str = "C"  # what set `esi`: step 'A', 'B', 'C', 'D', or 'floor' when the safety floor raised it

    def by_step(self, step: str) -> list[Finding]:
        return [f for f in self.findings if f.step == step]

    def render(self) -> str:
        """The model card's output format (EXTRACTION / ESI ALGORITHM / ANSWER) explaining this verdict."""
        from triage_demo.esi.render import render_assessment

        return render_assessment(self)

    def safety_flags(self, esi: int | None) -> list[str]:
        """Warnings for another system's answer `esi`: one per floor finding it is less acute than.

        An answer at or above the floor gets []; a missing answer (None) gets one flag, because "no answer"
        is never safe for a patient who needed one.
        """
        if esi is None:
            return ["No ESI answer could be read from the output; the case needs a human triage decision."]
        flags: list[str] = []
        seen: set[tuple[int, int]] = set()
        for f in sorted(self.by_step("floor"), key=lambda f: f.esi or 5):
            if f.esi is not None and esi > f.esi and (f.start, f.end) not in seen:
                seen.add((f.start, f.end))  # one flag per piece of evidence, the strictest floor first
                flags.append(f"Answer ESI {esi} is less acute than the ESI {f.esi} floor: {f.message} ({f.text!r}).")
        return flags

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict (everything is str/int/float/None/list/dict)."""
        return {
            "esi": self.esi,
            "min_esi": self.min_esi,
            "decided_at": self.decided_at,
            "chief_complaint": self.chief_complaint,
            "vitals": asdict(self.vitals),
            "resources": list(self.resources),
            "findings": [asdict(f) for f in self.findings],
            "danger_zone": [asdict(f) for f in self.danger_zone],
        }
