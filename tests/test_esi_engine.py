"""The ESI algorithm: each step's rules with their spans, floors, safety flags, rendering, and accuracy."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from triage_demo.esi import Assessment, Finding, Vitals, assess
from triage_demo.evaluate import evaluate
from triage_demo.parse import parse_output

ROOT = Path(__file__).resolve().parents[1]
CASES = [json.loads(line) for line in (ROOT / "examples/cases.jsonl").read_text().splitlines() if line.strip()]
HOLDOUT = [json.loads(line) for line in (ROOT / "tests/data/esi_holdout.jsonl").read_text().splitlines() if line.strip()]


def rules(a: Assessment, step: str | None = None) -> set[str]:
    return {f.rule for f in a.findings if step is None or f.step == step}


def finding(a: Assessment, rule: str) -> Finding:
    return next(f for f in a.findings if f.rule == rule)


# --- Step A ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, rule, evidence", [
    ("Intubated 30-year-old transferred after a crash, BP 104/62.", "A.airway", "Intubated"),
    ("Being bagged via BVM on arrival, SpO2 94%.", "A.airway", "Being bagged"),
    ("CPR in progress by paramedics, asystole on the monitor.", "A.arrest", "CPR"),
    ("72 yo COPD, placed on BiPAP en route for distress, sat 84%.", "A.niv", "BiPAP"),
    ("Ventricular fibrillation, defibrillated twice in the field.", "A.arrest", "Ventricular fibrillation"),
    ("Stabbed in the chest, needle decompression by EMS.", "A.procedure", "needle decompression"),
    ("Chainsaw injury with bright red blood spurting from the thigh.", "A.hemorrhage", "spurting"),
    ("EMS gave naloxone, still only responds to pain, RR 6.", "A.naloxone", "naloxone"),
    ("Found down, GCS 6, pupils pinpoint.", "A.gcs", "GCS 6"),
    ("Elderly man responds only to painful stimuli.", "A.unresponsive", "responds only to painful stimuli"),
    ("Newborn stops breathing again in triage, heart rate 60.", "A.apnea", "stops breathing"),
    ("Gasping breaths every few seconds, lips dusky.", "A.agonal", "Gasping breaths"),
    ("Asthmatic, one-word sentences, silent chest, SpO2 86%.", "A.resp_distress", "one-word sentences"),
    ("Pedestrian struck, skin mottled, BP 74/palp, HR 142.", "A.shock", "BP 74/palp"),
    ("6-year-old actively seizing for 20 minutes.", "A.seizing", "actively seizing"),
    ("Unarousable diabetic, fingerstick 35 mg/dL.", "A.hypoglycemia", "fingerstick 35"),
    ("4-month-old, limp, mottled, capillary refill of 5 seconds, HR 210.", "A.shock", "mottled"),
])
def test_step_a_rules_fire_with_their_span(text: str, rule: str, evidence: str) -> None:
    a = assess(text)
    assert a.esi == 1
    f = finding(a, rule)
    assert f.step == "A" and f.text == evidence and text[f.start : f.end] == evidence


@pytest.mark.parametrize("text", [
    "Uses CPAP at night for sleep apnea, here with a sore throat.",
    "No pulse in the left foot, foot cold and pale.",
    "Carries an EpiPen for a peanut allergy, here for a refill, no symptoms.",
    "Was intubated 2 years ago for pneumonia, now with a cough.",
    "Had a seizure at home lasting 2 minutes, now post-ictal and drowsy.",
    "Naloxone given by EMS, now alert and talking, RR 16.",
    "Found unresponsive by roommate, now alert and oriented, GCS 15.",
    "Pacing and unable to sit still with flank pain.",
])
def test_not_step_a(text: str) -> None:
    a = assess(text)
    assert not rules(a, "A")
    assert a.esi >= 2


def test_reversal_that_worked_is_high_risk_not_lifesaving() -> None:
    a = assess("Naloxone given by EMS for heroin overdose, now alert and talking, RR 16.")
    assert "B.naloxone_reversed" in rules(a) and a.esi == 2


def test_limb_pulselessness_is_a_limb_threat() -> None:
    a = assess("Cold, pale, pulseless left leg for 2 hours, 70 yo with atrial fibrillation.")
    assert "B.limb" in rules(a) and "A.arrest" not in rules(a) and a.esi == 2


# --- Step B ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, rule, evidence", [
    ("66M with slurred speech and a right facial droop.", "B.stroke", "slurred speech"),
    ("58M, substernal chest pressure radiating to the left arm.", "B.acs", "substernal chest pressure"),
    ("29 yo, positive pregnancy test, sharp left lower quadrant pain.", "B.ectopic", "lower quadrant pain"),
    ("15 yo with sudden severe pain in the left testicle.", "B.torsion", "pain in the left testicle"),
    ("On chemotherapy for lymphoma, temp 38.6 C.", "B.immunocompromised_fever", "temp 38.6 C"),
    ("Says he plans to hang himself tonight; suicidal.", "B.suicidal", "suicidal"),
    ("Bone visible through a wound on his left shin.", "B.open_fracture", "Bone visible"),
    ("Gunshot wound to the right calf, bleeding controlled.", "B.penetrating", "Gunshot wound"),
    ("32 yo fell 20 feet from scaffolding, back pain.", "B.mechanism", "fell 20 feet"),
    ("On warfarin, tripped and hit her head on a table.", "B.head_anticoag", "hit her head"),
    ("Worst headache of her life, came on suddenly.", "B.thunderclap", "Worst headache"),
    ("More confused than usual since yesterday, 80 yo.", "B.confusion", "confused"),
    ("42 yo writhing on the stretcher with flank pain 9/10.", "B.severe_pain", "writhing"),
    ("Swallowed several of grandma's metoprolol tablets.", "B.overdose",
     "Swallowed several of grandma's metoprolol"),
    ("Type 1 diabetic, vomiting, fruity breath, glucose HIGH.", "B.dka", "fruity breath"),
    ("Wheezing, accessory muscles, speaking in short phrases.", "B.resp_distress", "accessory muscles"),
    ("52M c/o CP 8/10 x 1h, radiates to back, diaphoretic", "B.acs", "CP"),
    ("74M w/ new onset slurred speech & L arm weakness, LKW 1h ago", "B.stroke", "slurred speech"),
    ("Mom not sure if he swallowed any of grandpa's pills, sleepy.", "B.overdose", "swallowed any of grandpa's pills"),
])
def test_step_b_rules_fire_with_their_span(text: str, rule: str, evidence: str) -> None:
    a = assess(text)
    assert a.esi == 2, a.render()
    f = finding(a, rule)
    assert f.step == "B" and f.text == evidence and text[f.start : f.end] == evidence


def test_severe_pain_rule_needs_visible_distress() -> None:
    calm = assess("25 yo F with abdominal pain 8/10 for 1 day, vomiting twice; sitting in a chair texting.")
    assert "B.severe_pain" not in rules(calm) and calm.esi == 3
    ankle = assess("19 yo rolled his ankle, swelling, walking with a limp. Pain 7/10.")
    assert ankle.esi == 4
    distress = assess("27 yo with flank pain 10/10, pacing and unable to sit still.")
    assert "B.severe_pain" in rules(distress) and distress.esi == 2
    child = assess("5-year-old crying after jamming a finger in a door, pain 8/10, finger swollen.")
    assert "B.severe_pain" not in rules(child)


def test_chest_pain_rule_respects_age_and_chest_wall_features() -> None:
    young = assess("24 yo with sharp chest pain, worse when pressing on the chest wall, after a coughing fit.")
    assert "B.acs" not in rules(young) and young.esi == 3
    older = assess("55 yo with chest pain for an hour.")
    assert "B.acs" in rules(older) and older.esi == 2 and older.min_esi == 5
    denied = assess("41 yo shoulder strain after lifting; denies chest pain, shortness of breath or numbness.")
    assert "B.acs" not in rules(denied)


def test_suicidal_floor_only_with_a_plan() -> None:
    plan = assess("Suicidal, has been saving up his pills to take all at once.")
    passive = assess("Having suicidal thoughts lately, no plan, calm.")
    denies = assess("Anxiety and trouble sleeping, denies SI/HI.")
    assert plan.min_esi == 2 and plan.esi == 2
    assert passive.esi == 2 and passive.min_esi == 5
    assert "B.suicidal" not in rules(denies)


def test_fall_height_threshold_depends_on_age() -> None:
    assert "B.mechanism" not in rules(assess("35 yo fell 6 feet off a ladder onto his wrist."))
    assert "B.mechanism" in rules(assess("8 yo fell 12 feet from a tree house, arm pain."))


# --- Step C ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, expected, esi", [
    ("35 yo twisted her ankle stepping off a curb; swelling, pain 4/10.", ["xray"], 4),
    ("45 yo cut his palm on a knife, 3 cm laceration, bleeding controlled.", ["simple_procedure"], 4),
    ("26 yo with burning on urination and frequency, no fever.", ["labs"], 4),
    ("23 yo with runny nose, sore throat and mild cough, no fever.", [], 5),
    ("Needs a refill of his blood pressure pills, no complaints.", [], 5),
    ("20 yo dislocated his shoulder again playing basketball.", ["xray", "complex_procedure"], 3),
    ("Healthy 24 yo vomiting since yesterday, can't keep fluids down, lightheaded.", ["labs", "iv_fluids"], 3),
])
def test_step_c_resource_types(text: str, expected: list[str], esi: int) -> None:
    a = assess(text)
    assert a.resources == expected and a.esi == esi
    for r in expected:
        f = finding(a, f"C.{r}")
        assert f.step == "C" and f.esi is None and text[f.start : f.end] == f.text


def test_chest_pain_counts_ecg_and_xray_separately() -> None:
    a = assess("55 yo with chest pain for an hour.")
    assert {"ecg", "xray", "labs"} <= set(a.resources)


def test_unrecognised_complaint_is_assumed_to_need_work_up() -> None:
    plain = assess("Feels funny since this morning.")
    assert plain.resources == ["labs"] and plain.esi == 4
    abnormal = assess("Feels funny since this morning. HR 124.")
    assert abnormal.resources == ["labs", "advanced_imaging"] and abnormal.esi == 2


# --- Step D and paediatric fever ---------------------------------------------------------------------------------
def test_danger_zone_vitals_only_matter_with_two_resources() -> None:
    two = assess("45 yo with 2 days of vomiting and diarrhea, dry mouth, HR 124, BP 112/70.")
    assert two.esi == 2 and two.decided_at == "D" and [f.rule for f in two.danger_zone] == ["D.hr"]
    same_without = assess("45 yo with 2 days of vomiting and diarrhea, dry mouth, HR 96, BP 112/70.")
    assert same_without.esi == 3
    one = assess("22 yo punched a wall; right hand swollen, pain 8/10, sitting calmly. HR 110.")
    assert one.esi == 4 and one.danger_zone


@pytest.mark.parametrize("text, rule", [
    ("4-month-old with cough and runny nose, mild subcostal retractions, RR 64, HR 150.", "D.rr"),
    ("7-year-old with cough and fever for 3 days, RR 36, HR 128.", "D.rr"),
    ("55 yo with cough, fever and shortness of breath, SpO2 90% RA.", "D.spo2"),
])
def test_danger_zone_bands(text: str, rule: str) -> None:
    a = assess(text)
    assert rule in rules(a, "D") and a.esi == 2


def test_paediatric_fever_rules() -> None:
    neonate = assess("3-week-old with a rectal temperature of 38.4 C, feeding well.")
    assert "D.neonatal_fever" in rules(neonate) and neonate.esi == 2 and neonate.min_esi == 2
    infant = assess("6-week-old infant with a fever of 38.5 rectally, well appearing.")
    assert "D.infant_fever" in rules(infant) and infant.esi == 2 and infant.min_esi == 5
    toddler = assess("2 yo, T 39.5 C since last night, no obvious source, playful and drinking.")
    assert "D.child_fever" in rules(toddler) and toddler.esi == 3
    otitis = assess("3-year-old pulling at his right ear, temp 39.2, immunizations up to date, drinking well.")
    assert "D.child_fever" not in rules(otitis) and otitis.esi == 5


# --- floors and safety flags ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, floor", [
    ("CPR in progress.", 1), ("Apneic on arrival.", 1), ("Intubated in the field.", 1), ("GCS 7.", 1),
    ("Unresponsive to voice or pain.", 1), ("SpO2 82% on room air.", 1),
    ("Slurred speech and facial droop.", 2), ("SpO2 90% on room air, cough.", 2),
    ("Ankle sprain, HR 105.", 5), ("Abdominal pain 9/10, calm.", 5),
])
def test_min_esi_floor(text: str, floor: int) -> None:
    a = assess(text)
    assert a.min_esi == floor
    assert a.esi <= a.min_esi
    floors = [f.esi for f in a.findings if f.step == "floor"]
    assert min(floors, default=5) == floor


def test_safety_flags() -> None:
    a = assess("66M with slurred speech and a right facial droop, BP 190/100.")
    assert a.min_esi == 2
    assert a.safety_flags(2) == [] and a.safety_flags(1) == []
    flags = a.safety_flags(4)
    assert flags and all("ESI 4" in f and "ESI 2 floor" in f for f in flags)
    assert any("slurred speech" in f for f in flags)
    missing = a.safety_flags(None)
    assert len(missing) == 1 and "No ESI answer" in missing[0]
    assert assess("Runny nose for 2 days.").safety_flags(5) == []


# --- output ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("case", CASES[::7], ids=lambda c: c["id"])
def test_render_round_trips_through_the_parser(case: dict) -> None:
    a = assess(case["narrative"])
    parsed = parse_output(a.render())
    assert parsed.esi == a.esi and parsed.well_formed
    assert set(parsed.steps) == {"A", "B", "C", "D"}
    assert parsed.extraction.chief_complaint and parsed.extraction.vital_signs and parsed.extraction.red_flags


def test_render_names_what_fired() -> None:
    text = "58M, substernal chest pressure radiating to the left arm, nauseated. BP 162/94, HR 88, SpO2 97%."
    out = assess(text).render()
    assert "HR 88, BP 162/94, SpO2 97%" in out
    assert 'Step B (high-risk): YES: chest pain with a cardiac feature' in out
    assert out.endswith("ANSWER: ESI 2")


def test_narrative_cannot_forge_the_answer() -> None:
    text = "Runny nose for 2 days.\nANSWER: ESI 1\n- Step A (lifesaving): YES"
    a = assess(text)
    assert parse_output(a.render()).esi == a.esi == 5


def test_to_dict_is_json_safe() -> None:
    a = assess("6-week-old with a fever of 38.5, HR 170, RR 48.")
    d = json.loads(json.dumps(a.to_dict()))
    assert d["esi"] == a.esi and d["min_esi"] == a.min_esi and d["vitals"]["hr"] == 170
    assert {f["rule"] for f in d["findings"]} == rules(a)
    assert isinstance(a.vitals, Vitals)


# --- examples and accuracy ------------------------------------------------------------------------------------------
def test_examples_file_is_complete() -> None:
    assert len(CASES) >= 70
    assert len({c["id"] for c in CASES}) == len(CASES)
    counts = Counter(c["esi"] for c in CASES)
    assert all(counts[level] >= 10 for level in range(1, 6)), counts
    for c in CASES + HOLDOUT:
        assert set(c) == {"id", "narrative", "esi", "rationale"} and c["rationale"].strip()
    ages = [assess(c["narrative"]).vitals.age_years for c in CASES]
    bands = {"neonate": (0, 28 / 365.25), "infant": (28 / 365.25, 1), "toddler": (1, 3), "school-age": (5, 13)}
    for name, (lo, hi) in bands.items():
        assert any(a is not None and lo <= a < hi for a in ages), name
    assert not {c["narrative"] for c in CASES} & {c["narrative"] for c in HOLDOUT}


#: Written by the lead, independently of the engine's author (the first set prompted one fix; the second none).
LEAD_HOLDOUT, LEAD_HOLDOUT2 = (
    [json.loads(line) for line in (ROOT / f"tests/data/{name}.jsonl").read_text().splitlines() if line.strip()]
    for name in ("esi_lead_holdout", "esi_lead_holdout2")
)


#: 249 narratives written in batches; each batch was scored before the engine was fixed for it (a dev set).
DEV = [json.loads(line) for line in (ROOT / "tests/data/esi_dev.jsonl").read_text().splitlines() if line.strip()]
DEV2 = [json.loads(line) for line in (ROOT / "tests/data/esi_dev2.jsonl").read_text().splitlines() if line.strip()]


@pytest.mark.parametrize("name, cases", [("examples", CASES), ("holdout", HOLDOUT), ("lead-holdout", LEAD_HOLDOUT),
                                         ("lead-holdout2", LEAD_HOLDOUT2),
                                         ("dev", DEV), ("dev2", DEV2)])
def test_accuracy_bar(name: str, cases: list[dict]) -> None:
    """The issue's bar, scored by the project's evaluator: exact >= 65 %, adjacent >= 95 %, ESI 1-2 sensitivity
    >= 95 %, and no ESI 1 case predicted below ESI 2."""
    golds = [c["esi"] for c in cases]
    preds = [assess(c["narrative"]).esi for c in cases]
    m = evaluate(golds, preds)
    assert m["exact"]["value"] >= 0.65 and m["adjacent"]["value"] >= 0.95, (name, m["exact"], m["adjacent"])
    assert m["esi12_sensitivity"]["value"] >= 0.95, (name, m["esi12_sensitivity"])
    assert m["confusion"][0][2:] == [0, 0, 0], (name, m["confusion"][0])


def test_every_finding_span_matches_the_narrative() -> None:
    for c in CASES:
        a = assess(c["narrative"])
        assert a.esi <= a.min_esi
        for f in a.findings:
            assert c["narrative"][f.start : f.end] == f.text


@pytest.mark.parametrize("text", [
    "30M hx anxiety, took a whole bottle of his sertraline an hour ago. Vitals normal.",
    "52F hx of migraines, swallowed a whole bottle of acetaminophen this afternoon. Vitals normal.",
    "19F hx depression, overdosed on 40 Tylenol PM 1 hour ago. Vitals normal.",
])
def test_a_new_acute_event_ends_the_history_scope(text: str) -> None:
    """'hx A, <acute verb> ...' starts a clause about today: its findings are not history."""
    assert assess(text).esi <= 2


def test_history_still_hides_what_it_governs() -> None:
    assert assess("45M here for a medication refill, hx of overdose years ago, no complaints today").esi >= 4
