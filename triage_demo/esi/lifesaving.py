"""Step A: does the patient need an immediate life-saving intervention (ESI 1)?

Two kinds of evidence: an intervention named in the note (intubation, BVM, defibrillation, naloxone, ...) and a
state that demands one even when no intervention is named (pulseless, apnoeic, agonal breathing, P/U on AVPU,
GCS <= 8, hypoxaemia with distress, shock, status epilepticus).

A reversal drug that already worked ("naloxone given, now alert") no longer needs a life-saving intervention:
it is recorded as a Step B high-risk finding instead (re-sedation and rebound are real risks). Airway,
circulation and arrest interventions are never downgraded this way. Oxygen by cannula or mask, monitoring,
ECGs, IV access, aspirin, nitroglycerin, antibiotics, analgesia and nebulisers are not life-saving
interventions and are not looked for here.

Floors: 1 for pulseless/arrest, apnoea or agonal breathing, intubation or BVM, GCS <= 8, P/U on AVPU, SpO2 < 85 %
or < 90 % with respiratory distress; 2 for the other Step A findings (the level is certain to be high, the exact
1-vs-2 call is a nurse's).
"""

from __future__ import annotations

from triage_demo.esi import lexicon as L
from triage_demo.esi.collect import Collector
from triage_demo.esi.danger import band_for, hypotension_sbp
from triage_demo.esi.text import Context, Span, Term
from triage_demo.esi.vitals import Reading

_REVERSAL_DRUGS: tuple[tuple[Term, str, str], ...] = (
    (L.NALOXONE, "naloxone", "naloxone for opioid toxicity"),
    (L.DEXTROSE, "dextrose", "IV dextrose/glucagon for hypoglycaemia"),
    (L.ATROPINE, "atropine", "atropine"),
    (L.ADENOSINE, "adenosine", "adenosine for a tachyarrhythmia"),
)


def _limb_near(ctx: Context, span: Span) -> bool:
    """'pulseless left foot', 'no pulse in the leg': a limb problem (Step B), not cardiac arrest."""
    lo = max(ctx.sentence_start(span.start), span.start - 30)
    hi = min(ctx.sentence_end(span.end), span.end + 30)
    return L.LIMB_CONTEXT.regex.search(ctx.low, lo, hi) is not None


def _worked(ctx: Context, span: Span) -> bool:
    """Did the narrative say the treatment worked, without also saying the problem persists?"""
    return ctx.after(L.RESOLVED_AFTER, span.end) is not None and L.NO_EFFECT.regex.search(ctx.low, span.end) is None


def _altered(ctx: Context, reading: Reading) -> Span | None:
    v = reading.vitals
    if v.avpu in ("V", "P", "U"):
        return reading.spans["avpu"]
    if v.gcs is not None and v.gcs < 15:
        return reading.spans["gcs"]
    return ctx.first(L.CONFUSION, L.SEIZING)


def _arrest(ctx: Context, reading: Reading, out: Collector) -> None:
    for span in ctx.iter_hits(L.ARREST):
        if "puls" in ctx.low[span.start : span.end] and _limb_near(ctx, span):
            continue
        out.add("A.arrest", "A", "cardiac arrest / pulseless / CPR", span, 1, 1)
        return
    if reading.vitals.hr == 0:
        out.add("A.arrest", "A", "no pulse (HR 0)", reading.spans["hr"], 1, 1)


def _interventions(ctx: Context, reading: Reading, out: Collector) -> None:
    if (s := ctx.hit(L.AIRWAY)) is not None:
        out.add("A.airway", "A", "intubated or needs airway/ventilation support (BVM)", s, 1, 1)
    if (s := ctx.hit(L.NIV)) is not None:
        lo, hi = ctx.sentence_start(s.start), ctx.sentence_end(s.end)
        if L.NIV_CHRONIC.regex.search(ctx.low, lo, hi) is None:
            out.add("A.niv", "A", "emergent CPAP/BiPAP", s, 1, 2)
    if (s := ctx.hit(L.DEFIB)) is not None:
        out.add("A.electrical", "A", "defibrillation, cardioversion or pacing", s, 1, 2)
    if (s := ctx.hit(L.PROCEDURE_A)) is not None:
        out.add("A.procedure", "A", "needle decompression, chest tube, pericardiocentesis or IO access", s, 1, 2)
    if (s := ctx.hit(L.BLEEDING_A)) is not None:
        out.add("A.hemorrhage", "A", "major haemorrhage needing control", s, 1, 2)
    if (s := ctx.hit(L.RESUSCITATION)) is not None:
        out.add("A.resuscitation", "A", "blood, fluid resuscitation or vasopressors", s, 1, 2)
    for t, key, what in _REVERSAL_DRUGS:
        if (s := ctx.hit(t)) is None:
            continue
        if _worked(ctx, s):
            out.add(f"B.{key}_reversed", "B", f"{what} given with response: high risk of relapse", s, 2)
        else:
            out.add(f"A.{key}", "A", f"needs {what}", s, 1, 2)
    reaction = ctx.first(L.AIRWAY_SWELLING, L.ANAPHYLAXIS_NOW)
    if (s := ctx.hit(L.EPINEPHRINE)) is not None and ctx.hit(L.ALLERGY_CONTEXT) is not None and reaction is not None:
        if _worked(ctx, s):
            out.add("B.epinephrine_given", "B", "anaphylaxis treated with epinephrine: high risk of relapse", s, 2)
        else:
            out.add("A.epinephrine", "A", "anaphylaxis needing epinephrine", s, 1, 2)


def _breathing(ctx: Context, reading: Reading, out: Collector) -> None:
    v = reading.vitals
    if (s := ctx.hit(L.APNEA)) is not None:
        if _worked(ctx, s):
            out.add("B.apnea_episode", "B", "apnoeic episode, now breathing", s, 2, 2)
        else:
            out.add("A.apnea", "A", "apnoeic / not breathing", s, 1, 1)
    elif v.rr == 0:
        out.add("A.apnea", "A", "respiratory rate 0", reading.spans["rr"], 1, 1)
    stridor = ctx.hit(L.STRIDOR)
    low_sat = v.spo2 is not None and v.spo2 < 92
    if stridor is not None and (ctx.hit(L.MAJOR_BURN) is not None or (low_sat and ctx.hit(L.AIRWAY_THREAT) is not None)):
        out.add("A.airway_threat", "A", "stridor with a burn/inhalation injury, or with secretions and hypoxia",
                stridor, 1, 2)
    if (s := ctx.hit(L.AGONAL)) is not None:
        out.add("A.agonal", "A", "agonal / gasping respirations", s, 1, 1)
    severe = ctx.hit(L.SEVERE_RESP)
    if severe is None and ctx.hit(L.RESP_CONTEXT) is not None:
        severe = ctx.hit(L.UNABLE_TO_SPEAK)
    hypoxic = v.spo2 is not None and v.spo2 < 90
    if severe is not None:
        out.add("A.resp_distress", "A", "severe respiratory distress", severe, 1, 1 if hypoxic else 2)
    if hypoxic and v.spo2 is not None:
        distress = severe or ctx.hit(L.RESP_DISTRESS)
        fast = v.rr is not None and v.rr >= band_for(reading.band_age).rr_severe
        if v.spo2 < 85 or distress is not None or fast:
            out.add("A.hypoxia", "A", f"SpO2 {v.spo2}% with respiratory compromise", reading.spans["spo2"], 1, 1)
    if v.rr is not None and 0 < v.rr <= 8 and (reading.band_age is None or reading.band_age >= 1):
        out.add("A.hypoventilation", "A", f"respiratory rate {v.rr}: hypoventilation", reading.spans["rr"], 1, 2)


def _mental_status(ctx: Context, reading: Reading, out: Collector) -> None:
    v = reading.vitals
    if v.gcs is not None and v.gcs <= 8:
        out.add("A.gcs", "A", f"GCS {v.gcs} (<= 8)", reading.spans["gcs"], 1, 1)
    if v.avpu in ("P", "U"):
        what = "unresponsive" if v.avpu == "U" else "responds only to pain"
        out.add("A.unresponsive", "A", f"{what} (AVPU {v.avpu})", reading.spans["avpu"], 1, 1)
    seizing = ctx.hit(L.SEIZING)
    if seizing is not None:
        hi = ctx.sentence_end(ctx.sentence_end(seizing.end) + 1)
        if L.SEIZURE_STOPPED.regex.search(ctx.low, seizing.end, hi) is None:
            out.add("A.seizing", "A", "active seizure", seizing, 1, 2)
    glucose_low = v.glucose_mg_dl is not None and v.glucose_mg_dl < 50
    hypo = reading.spans["glucose_mg_dl"] if glucose_low else ctx.hit(L.HYPOGLYCEMIA)
    obtunded = v.avpu in ("V", "P", "U") or (v.gcs is not None and v.gcs <= 12) or ctx.hit(L.SEIZING) is not None
    if hypo is not None and obtunded:
        out.add("A.hypoglycemia", "A", "hypoglycaemia with altered mental status: needs IV dextrose", hypo, 1, 2)


def _circulation(ctx: Context, reading: Reading, out: Collector) -> None:
    v = reading.vitals
    age = reading.band_age
    band = band_for(age)
    if v.sbp is not None and v.sbp < hypotension_sbp(age):
        limit = hypotension_sbp(age)
        why = None
        if v.sbp < limit - 10:
            why = "profound hypotension"
        elif v.hr is not None and v.hr > band.hr:
            why = f"with HR {v.hr}"
        elif (s := ctx.hit(L.HYPOPERFUSION)) is not None:
            why = f"with {ctx.snippet(s)}"
        elif _altered(ctx, reading) is not None:
            why = "with altered mental status"
        elif ctx.hit(L.ALLERGY_CONTEXT) is not None and ctx.hit(L.AIRWAY_SWELLING) is not None:
            why = "in anaphylaxis"
        if why is not None:
            out.add("A.shock", "A", f"shock: SBP {v.sbp} {why}", reading.spans["sbp"], 1, 2)
    elif v.sbp is None and (poor := ctx.hit(L.POOR_PERFUSION)) is not None:
        racing = v.hr is not None and v.hr >= band.hr_severe
        if racing or _altered(ctx, reading) is not None:
            out.add("A.shock", "A", f"shock: {ctx.snippet(poor)} with tachycardia or altered mental status", poor, 1, 2)
    if (s := ctx.hit(L.SHOCK_NAMED)) is not None:
        out.add("A.shock", "A", f"shock named in the note ({ctx.snippet(s)})", s, 1, 2)
    # "hypotensive" / "BP soft" without a number: shock when it comes with tachycardia, poor perfusion or altered
    # mental status (the same companions as a measured low SBP); alone it is a Step B finding.
    worded = ctx.hit(L.HYPOTENSIVE) if v.sbp is None else None
    if worded is not None:
        companion = ((v.hr is not None and v.hr > band.hr) or ctx.hit(L.HYPOPERFUSION) is not None
                     or _altered(ctx, reading) is not None)
        if companion:
            out.add("A.shock", "A", f"shock: {ctx.snippet(worded)} with tachycardia, poor perfusion or altered "
                    "mental status", worded, 1, 2)
    if v.hr is not None and 0 < v.hr < (40 if (age is None or age >= 8) else 60):
        unstable = ((v.sbp is not None and v.sbp < hypotension_sbp(age)) or worded is not None
                    or ctx.hit(L.HYPOPERFUSION) is not None)
        if unstable or _altered(ctx, reading) is not None:
            out.add("A.bradycardia", "A", f"unstable bradycardia (HR {v.hr})", reading.spans["hr"], 1, 2)


def step_a(ctx: Context, reading: Reading, out: Collector) -> None:
    """Run every Step A rule; findings (and their floors) go to `out`."""
    _arrest(ctx, reading, out)
    _interventions(ctx, reading, out)
    _breathing(ctx, reading, out)
    _mental_status(ctx, reading, out)
    _circulation(ctx, reading, out)
