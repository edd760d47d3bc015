"""Step D: age-banded danger-zone vital signs, the paediatric fever rules, and age-aware vital thresholds.

Danger zone (ESI v4): HR and RR above the band's limit, SpO2 < 92 % at any age. A breach moves a patient who
needs two or more resources from ESI 3 to ESI 2. The engine applies it as a rule (the handbook says "consider").

The safety floor uses a stricter "severe" band (a breach by a clear margin: about 130 % of the HR limit, 150 %
of the adult RR limit), because a floor flags other systems' answers and must only fire on the unarguable.
"""

from __future__ import annotations

from dataclasses import dataclass

from triage_demo.esi import lexicon as L
from triage_demo.esi.collect import Collector
from triage_demo.esi.model import Finding
from triage_demo.esi.text import Context, Span
from triage_demo.esi.vitals import Reading

NEONATE_MAX_YEARS = 28 / 365.25
YOUNG_INFANT_MAX_YEARS = 0.25  # 3 months
SPO2_DANGER = 92


@dataclass(frozen=True)
class Band:
    name: str
    hr: int  # danger zone: HR > hr
    rr: int  # danger zone: RR > rr
    hr_severe: int  # floor: HR >= hr_severe
    rr_severe: int  # floor: RR >= rr_severe


BANDS = (
    (0.25, Band("< 3 months", 180, 50, 200, 70)),
    (3.0, Band("3 months - 3 years", 160, 40, 190, 60)),
    (8.0, Band("3 - 8 years", 140, 30, 170, 45)),
)
ADULT = Band("> 8 years", 100, 20, 130, 30)


def band_for(age_years: float | None) -> Band:
    """Danger-zone band for an age; an unknown age is treated as an adult (no child wording in the note)."""
    if age_years is None:
        return ADULT
    for upper, band in BANDS:
        if age_years < upper:
            return band
    return ADULT


def hypotension_sbp(age_years: float | None) -> int:
    """Systolic BP below which a patient of this age is hypotensive (PALS-style 70 + 2 x age for 1-10 y)."""
    if age_years is None or age_years > 10:
        return 90
    if age_years <= NEONATE_MAX_YEARS:
        return 60
    if age_years < 1:
        return 70
    return int(70 + 2 * age_years)


def _span(reading: Reading, key: str) -> Span:
    return reading.spans.get(key, Span(0, 0))


def danger_zone(reading: Reading, out: Collector) -> list[Finding]:
    """Record every danger-zone breach (always evaluated, so the UI can show it even when A/B decided)."""
    v = reading.vitals
    band = band_for(reading.band_age)
    found: list[Finding] = []
    if v.hr is not None and v.hr > band.hr:
        floor = 2 if v.hr >= band.hr_severe else None
        found.append(out.add("D.hr", "D", f"HR {v.hr} above the {band.name} danger zone (> {band.hr})",
                             _span(reading, "hr"), 2, floor))
    if v.rr is not None and v.rr > band.rr:
        floor = 2 if v.rr >= band.rr_severe else None
        found.append(out.add("D.rr", "D", f"RR {v.rr} above the {band.name} danger zone (> {band.rr})",
                             _span(reading, "rr"), 2, floor))
    if v.spo2 is not None and v.spo2 < SPO2_DANGER:
        found.append(out.add("D.spo2", "D", f"SpO2 {v.spo2}% below {SPO2_DANGER}%", _span(reading, "spo2"), 2, 2))
    return found


def paediatric_fever(ctx: Context, reading: Reading, out: Collector) -> int | None:
    """The v4 fever rules for young children; returns the ESI level they impose (2 or 3) or None.

    1-28 days with fever -> ESI 2 and a floor (non-negotiable); 1-3 months with fever -> ESI 2;
    3 months-3 years with T > 39.0 C -> at least ESI 3 when there is no obvious source or immunisations are
    incomplete. A reported fever without a number counts for the two infant bands (parents' report suffices).
    """
    age = reading.vitals.age_years
    t = reading.vitals.temp_c
    if age is None:
        return None
    fever_span = reading.spans["temp_c"] if t is not None and t > 38.0 else ctx.hit(L.FEVER)
    if fever_span is None:
        return None
    if age <= NEONATE_MAX_YEARS:
        out.add("D.neonatal_fever", "D", "fever in a neonate (<= 28 days)", fever_span, 2, 2)
        return 2
    if age <= YOUNG_INFANT_MAX_YEARS:
        out.add("D.infant_fever", "D", "fever in an infant aged 1-3 months", fever_span, 2)
        return 2
    if age <= 3.0 and t is not None and t > 39.0:
        no_source = ctx.raw(L.NO_SOURCE) is not None or ctx.hit(L.FEVER_SOURCE) is None
        incomplete = ctx.hit(L.UNIMMUNISED) is not None
        if no_source or incomplete:
            why = "no obvious source" if no_source else "incomplete immunisations"
            out.add("D.child_fever", "D", f"T {t:.1f} C > 39.0 in a child 3 months-3 years, {why}",
                    reading.spans["temp_c"], 3)
            return 3
    return None
