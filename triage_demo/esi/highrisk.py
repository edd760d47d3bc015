"""Step B: a high-risk situation, new confusion/lethargy/disorientation, or severe pain/distress (ESI 2).

Severe pain rule (a documented choice; the handbook only says pain >= 7 is *considered* for ESI 2):
pain >= 7/10 makes a patient ESI 2 only together with visible distress (writhing, pacing, unable to sit still,
moaning, diaphoretic, crying in an adult, ...), or when the note describes the pain as writhing/excruciating in
itself. Pain >= 7 in a calm patient (texting, sitting quietly) goes on to Step C like any other complaint.
Sickle cell pain crises are high-risk in their own right.

Chest pain rule: ESI 2 when it has a cardiac feature (radiation to arm/jaw/neck, diaphoresis, pressure/crushing/
tightness, exertional onset); otherwise when the patient is 30 or older (or age unknown) and the pain is not
clearly chest-wall/pleuritic/post-traumatic. Young patients with atypical pain go to Step C.

Floors (2): stroke signs, chest pain with cardiac features, suicidal ideation with a plan or attempt,
thunderclap headache, fever with a non-blanching rash, open fracture, penetrating trauma, anaphylaxis with airway
involvement, SpO2 < 90 %, GCS 9-13 or V on AVPU, severe bradycardia/tachycardia, hypotension.
"""

from __future__ import annotations

import re
from typing import Callable

from triage_demo.esi import lexicon as L
from triage_demo.esi.collect import Collector
from triage_demo.esi.danger import band_for, hypotension_sbp
from triage_demo.esi.text import Context, Span
from triage_demo.esi.vitals import Reading

Rule = Callable[[Context, Reading, Collector], None]


def _febrile(ctx: Context, reading: Reading) -> Span | None:
    t = reading.vitals.temp_c
    if t is not None and t >= 38.0:
        return reading.spans["temp_c"]
    return ctx.hit(L.FEVER)


def _adult(reading: Reading) -> bool:
    return reading.band_age is None or reading.band_age >= 18


def _chest_infection(ctx: Context, reading: Reading) -> bool:
    """Fever with a cough: chest pain is then most likely pleuritic/infective rather than coronary."""
    return _febrile(ctx, reading) is not None and ctx.hit(L.COUGH) is not None


def acs(ctx: Context, reading: Reading, out: Collector) -> None:
    cp = ctx.hit(L.CHEST_PAIN)
    age = reading.vitals.age_years
    if cp is None:
        equiv = ctx.hit(L.ANGINAL_EQUIVALENT)
        if equiv is not None and (age is None or age >= 40):
            support = ctx.first(L.CARDIAC_STRONG, L.CARDIAC_WEAK) or ctx.hit(L.CARDIAC_HISTORY)
            if support is not None and support.start != equiv.start:
                out.add("B.acs", "B", f"anginal equivalent with {ctx.snippet(support)}", equiv, 2)
        return
    strong = ctx.hit(L.CARDIAC_STRONG)
    if strong is not None:
        out.add("B.acs", "B", f"chest pain with a cardiac feature ({ctx.snippet(strong)})", cp, 2, 2)
    elif ctx.hit(L.CHEST_BENIGN) is None and (age is None or age >= 30) and not _chest_infection(ctx, reading):
        out.add("B.acs", "B", "chest pain in an adult >= 30: possible ACS", cp, 2)


def stroke(ctx: Context, reading: Reading, out: Collector) -> None:
    drunk = ctx.hit(L.INTOX) is not None
    for s in ctx.iter_hits(L.STROKE_SIGN):
        if drunk and "slur" in ctx.low[s.start : s.end]:
            continue  # slurred speech of an intoxicated patient is not by itself a stroke sign
        out.add("B.stroke", "B", "acute stroke signs", s, 2, 2)
        return
    if (s := ctx.hit(L.POSTERIOR_SIGN)) is not None and ctx.hit(L.DIZZY) is not None:
        out.add("B.stroke", "B", f"vertigo with {ctx.snippet(s)}: possible posterior stroke", s, 2)
    elif (s := ctx.hit(L.STROKE_WORD)) is not None:
        out.add("B.stroke", "B", "suspected stroke/TIA", s, 2)


def headache(ctx: Context, reading: Reading, out: Collector) -> None:
    if (s := ctx.hit(L.THUNDERCLAP)) is not None:
        out.add("B.thunderclap", "B", "sudden/worst-ever headache: possible subarachnoid haemorrhage", s, 2, 2)
    fever = _febrile(ctx, reading)
    petechiae = ctx.hit(L.PETECHIAE)
    if fever is not None and petechiae is not None:
        out.add("B.meningococcal", "B", "fever with a non-blanching rash", petechiae, 2, 2)
    elif (m := ctx.hit(L.MENINGISM)) is not None and (fever is not None or ctx.hit(L.HEADACHE) is not None):
        out.add("B.meningitis", "B", "meningism with fever/headache", m, 2)


def obstetric(ctx: Context, reading: Reading, out: Collector) -> None:
    v = reading.vitals
    bleed = ctx.hit(L.VAG_BLEED)
    if bleed is not None and (ctx.hit(L.POSTPARTUM) is not None or ctx.hit(L.PREGNANT) is not None):
        unstable = ((v.hr is not None and v.hr > 100) or (v.sbp is not None and v.sbp < 100)
                    or ctx.first(L.SYNCOPE, L.DIZZY) is not None)
        if unstable or ctx.hit(L.HEAVY_BLEED) is not None:
            out.add("B.obstetric_bleed", "B", "heavy or destabilising bleeding in pregnancy/postpartum", bleed, 2)
    preg = ctx.hit(L.PREGNANT)
    severe_bp = (v.sbp is not None and v.sbp >= 160) or (v.dbp is not None and v.dbp >= 110)
    if severe_bp and (preg is not None or ctx.hit(L.POSTPARTUM) is not None):
        # pre-eclampsia also presents in the first weeks after delivery
        out.add("B.preeclampsia", "B", "severe-range blood pressure in pregnancy/postpartum", reading.spans["sbp"], 2)
    if preg is None:
        return
    weeks = None
    if (g := ctx.hit(L.GEST_WEEKS)) is not None:
        m = L.GEST_WEEKS.regex.match(ctx.low, g.start)
        if m is not None:
            weeks = int(next(w for w in m.group("w", "w2", "w3", "w4", "w5") if w))
    if weeks is None or weeks < 20:
        faint = ctx.first(L.SYNCOPE, L.DIZZY)
        unstable = (v.hr is not None and v.hr > 100) or (v.sbp is not None and v.sbp < 100)
        pain = ctx.hit(L.ABD_PAIN)
        mild = pain is not None and (ctx.hit(L.MILD) is not None or (v.pain is not None and v.pain <= 3))
        sign = faint or (pain if (pain is not None and (not mild or unstable)) else None)
        if sign is not None:
            out.add("B.ectopic", "B", f"early pregnancy with {ctx.snippet(sign)}: possible ectopic", sign, 2)
    elif (s := ctx.hit(L.PREG_LATE_RED)) is not None:
        out.add("B.obstetric", "B", f"pregnancy >= 20 weeks with {ctx.snippet(s)}", s, 2)


def simple_terms(ctx: Context, reading: Reading, out: Collector) -> None:
    """High-risk situations recognised from one concept each."""
    table = (
        (L.TESTIS, "B.torsion", "acute testicular pain/swelling: possible torsion", None),
        (L.OPEN_FRACTURE, "B.open_fracture", "open fracture", 2),
        (L.PENETRATING, "B.penetrating", "penetrating trauma", 2),
        (L.AMPUTATION, "B.amputation", "amputation/degloving injury", None),
        (L.VIOLENT, "B.violent", "violent or threatening behaviour", None),
        (L.OVERDOSE, "B.overdose", "overdose or toxic ingestion", None),
        (L.DKA, "B.dka", "diabetic ketoacidosis features", None),
        (L.VISION_THREAT, "B.vision", "sight-threatening eye problem", None),
        (L.LIMB_ISCHEMIA, "B.limb", "limb-threatening ischaemia/compartment features", None),
        (L.ASSAULT_SEXUAL, "B.sexual_assault", "sexual assault", None),
        (L.ABUSE, "B.abuse", "abuse or strangulation", None),
        (L.HYPERKALEMIA, "B.hyperkalemia", "hyperkalaemia", None),
        (L.PRIAPISM, "B.priapism", "priapism", None),
        (L.AIRWAY_THREAT, "B.airway_threat", "threatened airway (drooling, unable to swallow, choking)", None),
        (L.HIGH_RISK_WORD, "B.named_condition", "named high-risk condition", None),
        (L.ILL_APPEARING, "B.ill_appearing", "ill/toxic appearance", None),
    )
    for t, rule, message, floor in table:
        if (s := ctx.hit(t)) is not None:
            out.add(rule, "B", message, s, 2, floor)


def psych(ctx: Context, reading: Reading, out: Collector) -> None:
    si = ctx.hit(L.SUICIDAL) or ctx.hit(L.SELF_HARM_INTENT)
    if si is None:
        return
    plan = ctx.hit(L.SUICIDE_PLAN)
    if plan is not None:
        out.add("B.suicidal", "B", f"suicidal/homicidal ideation with a plan or attempt ({ctx.snippet(plan)})", si, 2, 2)
    else:
        out.add("B.suicidal", "B", "suicidal/homicidal ideation", si, 2)


def trauma(ctx: Context, reading: Reading, out: Collector) -> None:
    speed = ctx.hit(L.MPH)
    mph = L.MPH.regex.match(ctx.low, speed.start) if speed is not None else None
    fast = mph is not None and int(mph.group("v")) >= 40 and ctx.hit(L.CRASH) is not None
    if (s := ctx.hit(L.HIGH_MECHANISM)) is not None:
        out.add("B.mechanism", "B", "high-energy mechanism of injury", s, 2)
    elif fast and speed is not None:
        out.add("B.mechanism", "B", f"crash at {ctx.snippet(speed)}", speed, 2)
    else:
        child = reading.band_age is not None and reading.band_age < 15
        for s in ctx.iter_hits(L.FALL_HEIGHT):
            m = L.FALL_HEIGHT.regex.match(ctx.low, s.start)
            if m is None:
                continue
            height = float(m.group("h") or m.group("h2"))
            unit = m.group("u") or m.group("u2")
            feet = height if unit.startswith(("f", "foot")) else height * 3.28
            if feet >= (10 if child else 20):
                out.add("B.mechanism", "B", f"fall from {ctx.snippet(s)}", s, 2)
                break
    head = ctx.hit(L.HEAD_INJURY)
    if head is not None:
        if (anti := ctx.hit(L.ANTICOAG)) is not None:
            out.add("B.head_anticoag", "B", f"head injury on an anticoagulant ({ctx.snippet(anti)})", head, 2)
        elif (red := ctx.hit(L.HEAD_RED)) is not None:
            out.add("B.head_red_flag", "B", f"head injury with {ctx.snippet(red)}", head, 2)
    if (b := ctx.hit(L.MAJOR_BURN)) is not None:
        m = L.MAJOR_BURN.regex.match(ctx.low, b.start)
        if m is None or m.group("pct") is None or int(m.group("pct")) >= 10:
            out.add("B.burn", "B", "major, facial, inhalation or electrical burn", b, 2)


def bleeding(ctx: Context, reading: Reading, out: Collector) -> None:
    v = reading.vitals
    upper = ctx.hit(L.GI_BLEED_UPPER)
    if upper is not None and ctx.hit(L.MELENA) is None:
        out.add("B.gi_bleed", "B", "vomiting blood: upper GI bleed", upper, 2)
        return
    gi = upper or ctx.hit(L.GI_BLEED_LOWER)
    if gi is None:
        return
    unstable = ((v.hr is not None and v.hr > 100) or (v.sbp is not None and v.sbp < 100)
                or ctx.first(L.SYNCOPE, L.DIZZY) is not None)
    if unstable:
        out.add("B.gi_bleed", "B", "GI bleeding with tachycardia, low BP or presyncope", gi, 2)


def infection(ctx: Context, reading: Reading, out: Collector) -> None:
    v = reading.vitals
    fever = _febrile(ctx, reading)
    if fever is None:
        return
    if (ic := ctx.hit(L.IMMUNOCOMP)) is not None:
        out.add("B.immunocompromised_fever", "B", f"fever in an immunocompromised patient ({ctx.snippet(ic)})",
                fever, 2)
        return
    if not _adult(reading):
        return  # children: the danger-zone vitals and paediatric fever rules of Step D decide
    sirs = v.hr is not None and v.hr > 90 and v.rr is not None and v.rr > 20
    low_bp = v.sbp is not None and v.sbp <= 100
    if sirs or low_bp:
        out.add("B.sepsis", "B", "fever with tachycardia/tachypnoea or low BP: possible sepsis", fever, 2)
    if (ivdu := ctx.hit(L.IVDU)) is not None and ctx.hit(L.BACK_PAIN) is not None:
        out.add("B.epidural_abscess", "B", "fever, back pain and injection drug use", ivdu, 2)


def breathing(ctx: Context, reading: Reading, out: Collector) -> None:
    v = reading.vitals
    if (s := ctx.hit(L.RESP_DISTRESS)) is not None:
        stridor = "strid" in ctx.low[s.start : s.end]
        out.add("B.resp_distress", "B", "respiratory distress", s, 2, 2 if stridor else None)
    if v.spo2 is not None and v.spo2 < 90:
        out.add("B.hypoxia", "B", f"SpO2 {v.spo2}% (< 90)", reading.spans["spo2"], 2, 2)
    allergy = ctx.hit(L.ALLERGY_CONTEXT)
    swell = ctx.hit(L.AIRWAY_SWELLING)
    if allergy is not None and swell is not None:
        airway = re.search(r"throat|tongue|strid|uvula|angioedema|swallow", ctx.low[swell.start : swell.end])
        out.add("B.anaphylaxis", "B", f"allergic reaction with {ctx.snippet(swell)}", swell, 2, 2 if airway else None)
    pe = ctx.hit(L.PE_SIGN)
    risk = ctx.hit(L.PE_RISK)
    tachy = v.hr is not None and v.hr > 100
    if pe is not None and (risk is not None or tachy or (v.spo2 is not None and v.spo2 < 95)):
        out.add("B.pe", "B", "features of pulmonary embolism", pe, 2)
    elif risk is not None and (sob := ctx.hit(L.SOB)) is not None and (tachy or ctx.hit(L.CHEST_PAIN) is not None):
        out.add("B.pe", "B", "breathlessness with PE risk factors", sob, 2)


def vascular(ctx: Context, reading: Reading, out: Collector) -> None:
    d = ctx.hit(L.DISSECTION)
    if d is not None and ctx.first(L.CHEST_PAIN, L.BACK_PAIN, L.ABD_PAIN, L.PAIN_WORD) is not None:
        out.add("B.dissection", "B", "features of aortic dissection/aneurysm", d, 2)
    elif (s := ctx.hit(L.ARM_BP_DIFF)) is not None:
        out.add("B.dissection", "B", "blood-pressure difference between arms", s, 2)


def mental(ctx: Context, reading: Reading, out: Collector) -> None:
    v = reading.vitals
    if v.gcs is not None and 9 <= v.gcs <= 13:
        out.add("B.gcs", "B", f"GCS {v.gcs}", reading.spans["gcs"], 2, 2)
    elif v.gcs == 14:
        out.add("B.gcs", "B", "GCS 14: new confusion", reading.spans["gcs"], 2)
    if v.avpu == "V":
        out.add("B.avpu_v", "B", "responds only to voice (AVPU V)", reading.spans["avpu"], 2, 2)
    for s in ctx.iter_hits(L.CONFUSION):
        lo, hi = ctx.sentence_start(s.start), ctx.sentence_end(s.end)
        at_baseline = L.BASELINE.regex.search(ctx.low, lo, hi) is not None
        if at_baseline and L.WORSE_THAN_BASELINE.regex.search(ctx.low, lo, hi) is None:
            continue
        out.add("B.confusion", "B", f"new confusion/lethargy ({ctx.snippet(s)})", s, 2)
        break
    seizure = ctx.hit(L.SEIZURE)
    if seizure is not None and not out.fired("A.seizing"):
        first = ctx.raw(L.FIRST_SEIZURE)
        if first is not None or ctx.hit(L.PREGNANT) is not None:
            out.add("B.seizure", "B", "first seizure or seizure in pregnancy", first or seizure, 2)


def metabolic(ctx: Context, reading: Reading, out: Collector) -> None:
    v = reading.vitals
    if out.fired("A.hypoglycemia"):
        return
    low = v.glucose_mg_dl is not None and v.glucose_mg_dl < 60
    hypo = reading.spans["glucose_mg_dl"] if low else ctx.hit(L.HYPOGLYCEMIA)
    if hypo is not None:
        out.add("B.hypoglycemia", "B", "hypoglycaemia", hypo, 2)
    if not out.fired("B.dka") and v.glucose_mg_dl is not None and v.glucose_mg_dl >= 250:
        if ctx.hit(L.DKA_SYMPTOM) is not None and ctx.hit(L.DIABETIC) is not None:
            out.add("B.dka", "B", "hyperglycaemia with vomiting/abdominal pain: possible DKA",
                    reading.spans["glucose_mg_dl"], 2)
    if (d := ctx.hit(L.DIALYSIS)) is not None and ctx.hit(L.MISSED) is not None:
        out.add("B.missed_dialysis", "B", "missed dialysis: hyperkalaemia/fluid overload risk", d, 2)


def pain(ctx: Context, reading: Reading, out: Collector) -> None:
    v = reading.vitals
    if (sc := ctx.hit(L.SICKLE)) is not None and ctx.hit(L.PAIN_WORD) is not None:
        out.add("B.sickle_crisis", "B", "sickle cell pain crisis", sc, 2)
    if (sign := ctx.hit(L.SEVERE_PAIN_SIGN)) is not None:
        out.add("B.severe_pain", "B", f"severe pain with distress ({ctx.snippet(sign)})", sign, 2)
        return
    if v.pain is not None and v.pain >= 7:
        for d in ctx.iter_hits(L.DISTRESS):
            word = ctx.low[d.start : d.end]
            if word == "crying" and not _adult(reading):
                continue  # children cry with minor injuries too
            out.add("B.severe_pain", "B", f"pain {v.pain}/10 with visible distress ({ctx.snippet(d)})",
                    reading.spans["pain"], 2)
            return
    if (c := ctx.hit(L.CAUDA)) is not None and ctx.hit(L.BACK_PAIN) is not None:
        out.add("B.cauda_equina", "B", "back pain with neurological red flags", c, 2)


def infant(ctx: Context, reading: Reading, out: Collector) -> None:
    age = reading.band_age
    if age is None or age >= 3:
        return
    if age < 2 and (s := ctx.hit(L.INFANT_RED)) is not None:
        out.add("B.infant_red_flag", "B", f"infant red flag ({ctx.snippet(s)})", s, 2)
    if (s := ctx.hit(L.DEHYDRATION_SEVERE)) is not None:
        out.add("B.dehydration", "B", "severe dehydration in a young child", s, 2)


def vital_extremes(ctx: Context, reading: Reading, out: Collector) -> None:
    """Vital signs that are high-risk whatever the complaint (the ones not already a Step A state)."""
    v = reading.vitals
    age = reading.band_age
    band = band_for(age)
    if v.sbp is not None and v.sbp < hypotension_sbp(age) and not out.fired("A.shock"):
        out.add("B.hypotension", "B", f"hypotension (SBP {v.sbp})", reading.spans["sbp"], 2, 2)
    elif v.sbp is None and not out.fired("A.shock") and (s := ctx.hit(L.HYPOTENSIVE)) is not None:
        out.add("B.hypotension", "B", f"hypotension ({ctx.snippet(s)})", s, 2, 2)
    if v.hr is not None and v.hr > 0 and not out.fired("A.bradycardia"):
        slow = 40 if (age is None or age >= 8) else 60 if age >= 1 else 80
        if v.hr < slow:
            out.add("B.bradycardia", "B", f"bradycardia (HR {v.hr})", reading.spans["hr"], 2, 2)
        elif v.hr < 50 and (age is None or age >= 8) and ctx.first(L.SYNCOPE, L.DIZZY) is not None:
            out.add("B.bradycardia", "B", f"symptomatic bradycardia (HR {v.hr})", reading.spans["hr"], 2)
        elif v.hr >= (150 if band is band_for(None) else band.hr_severe):
            out.add("B.tachycardia", "B", f"marked tachycardia (HR {v.hr})", reading.spans["hr"], 2, 2)
    high_bp = (v.sbp is not None and v.sbp >= 180) or (v.dbp is not None and v.dbp >= 120)
    if high_bp and (s := ctx.hit(L.HYPERTENSIVE_SYMPTOM)) is not None:
        out.add("B.hypertensive", "B", f"severe hypertension with {ctx.snippet(s)}", reading.spans["sbp"], 2)
    if v.temp_c is not None and (v.temp_c < 35.0 or v.temp_c >= 41.0):
        out.add("B.temperature", "B", f"temperature extreme ({v.temp_c:.1f} C)", reading.spans["temp_c"], 2)
    if (s := ctx.hit(L.SYNCOPE)) is not None and (red := ctx.hit(L.SYNCOPE_RED)) is not None:
        out.add("B.syncope", "B", f"syncope with {ctx.snippet(red)}", s, 2)


RULES: tuple[Rule, ...] = (
    acs, stroke, headache, obstetric, simple_terms, psych, trauma, bleeding, infection, breathing, vascular,
    mental, metabolic, pain, infant, vital_extremes,
)


def step_b(ctx: Context, reading: Reading, out: Collector) -> None:
    """Run every Step B rule; findings (and their floors) go to `out`."""
    for rule in RULES:
        rule(ctx, reading, out)
