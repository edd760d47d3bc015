"""Extraction from free text: every vital-sign/age style, negation scopes, F->C, and hostile input."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from triage_demo.esi import assess
from triage_demo.esi import lexicon, resources
from triage_demo.esi.text import Context, Term, fold
from triage_demo.esi.vitals import extract

ROOT = Path(__file__).resolve().parents[1]


def vitals(text: str):
    return extract(Context(text)).vitals


@pytest.mark.parametrize("text, hr", [
    ("HR 118", 118), ("HR: 118", 118), ("Hr 118", 118), ("pulse 118", 118), ("pulse of 118", 118),
    ("heart rate of 118", 118), ("heart rate is 118", 118), ("P 118", 118), ("118 bpm", 118),
    ("tachycardic to 130", 130), ("BP 120/80 HR 96 RR 18", 96), ("T 37.2 P 88 R 16 BP 120/80", 88),
    ("HR 150s", 150), ("pulse 0", 0),
])
def test_heart_rate_styles(text: str, hr: int) -> None:
    assert vitals(text).hr == hr


@pytest.mark.parametrize("text", [
    "for 2 hr 30 min", "s/p 2 days", "pulse ox 91", "three children", "chronic cough", "Thursday 118",
    "HR unobtainable", "took 2 p.m. dose",
])
def test_no_false_heart_rate(text: str) -> None:
    assert vitals(text).hr is None


@pytest.mark.parametrize("text, sbp, dbp", [
    ("BP 88/60", 88, 60), ("88/60 mmHg", 88, 60), ("blood pressure 88 over 60", 88, 60), ("B/P: 150/90", 150, 90),
    ("BP 70/palp", 70, None), ("BP 70 by palpation", 70, None), ("systolic 70s", 70, None),
    ("BP right arm 184/100, left arm 140/80", 140, 80), ("hypotensive to 78/40", 78, 40),
])
def test_blood_pressure_styles(text: str, sbp: int, dbp: int | None) -> None:
    v = vitals(text)
    assert (v.sbp, v.dbp) == (sbp, dbp)


@pytest.mark.parametrize("text", ["seen on 3/14", "vision 20/20", "pain 7/10", "GCS 14/15", "1/2 tablet"])
def test_no_false_blood_pressure(text: str) -> None:
    assert vitals(text).sbp is None


@pytest.mark.parametrize("text, rr", [
    ("RR 24", 24), ("resp 24", 24), ("resps 24", 24), ("respirations 24", 24), ("respiratory rate 24", 24),
    ("respiratory rate of 24", 24), ("24 breaths/min", 24), ("24 breaths per minute", 24), ("R 24", 24),
    ("tachypneic to 32", 32), ("resp 6/min", 6),
])
def test_respiratory_rate_styles(text: str, rr: int) -> None:
    assert vitals(text).rr == rr


@pytest.mark.parametrize("text, spo2", [
    ("SpO2 91%", 91), ("SpO2: 91", 91), ("sat 91% RA", 91), ("sats 91%", 91), ("O2 sat 91", 91),
    ("oxygen saturation of 91%", 91), ("pulse ox 91", 91), ("91% on room air", 91), ("91% RA", 91),
    ("satting 88% on 2L", 88), ("SaO2 91", 91), ("SpO2 95% at rest, desats to 88% walking", 88),
])
def test_spo2_styles(text: str, spo2: int) -> None:
    assert vitals(text).spo2 == spo2


@pytest.mark.parametrize("text, temp", [
    ("T 38.4 C", 38.4), ("temp 101.2F", 38.4), ("39°C", 39.0), ("febrile to 39.5", 39.5), ("38.3 rectally", 38.3),
    ("T 98.6", 37.0), ("temperature of 104 F", 40.0), ("Tmax 39.2", 39.2), ("fever of 102", 38.9),
    ("T 38,5", 38.5), ("temp 37.9", 37.9),
])
def test_temperature_styles_and_fahrenheit(text: str, temp: float) -> None:
    assert vitals(text).temp_c == pytest.approx(temp, abs=0.05)


@pytest.mark.parametrize("text", ["afebrile", "no fever", "T10 vertebra", "type 2 diabetes", "45 F with cough"])
def test_no_false_temperature(text: str) -> None:
    assert vitals(text).temp_c is None


@pytest.mark.parametrize("text, pain", [
    ("pain 9/10", 9), ("8 out of 10", 8), ("rates pain 7/10", 7), ("pain score 8", 8), ("pain scale: 6", 6),
    ("pain is a 9", 9), ("3-4/10", 4), ("10/10 headache", 10), ("rates her pain as 8", 8),
])
def test_pain_styles(text: str, pain: int) -> None:
    assert vitals(text).pain == pain


@pytest.mark.parametrize("text", ["pain for 2 days", "pain 30 minutes ago", "pain started at 3 am", "no pain"])
def test_no_false_pain_score(text: str) -> None:
    assert vitals(text).pain is None


@pytest.mark.parametrize("text, gcs", [("GCS 7", 7), ("GCS of 14", 14), ("GCS 15/15", 15), ("E2V2M4", 8),
                                       ("GCS 10 (E3V3M4)", 10), ("Glasgow coma scale 8", 8)])
def test_gcs_styles(text: str, gcs: int) -> None:
    assert vitals(text).gcs == gcs


@pytest.mark.parametrize("text, avpu", [
    ("found unresponsive", "U"), ("unresponsive to voice or pain", "U"), ("responds only to pain", "P"),
    ("moaning to a painful stimulus", "P"), ("responds to voice", "V"), ("alert and oriented", "A"),
    ("AVPU: P", "P"), ("P on AVPU", "P"), ("found unresponsive by roommate, now alert and talking", "A"),
    ("briefly unresponsive after the fall, A&Ox3", "A"),
])
def test_avpu(text: str, avpu: str) -> None:
    assert vitals(text).avpu == avpu


@pytest.mark.parametrize("text, arrival", [
    ("brought in by EMS", "ambulance"), ("arrived via ambulance", "ambulance"), ("BIBA", "ambulance"),
    ("walked in", "walk-in"), ("walk-in", "walk-in"), ("brought by parents", "brought by family"),
    ("Mom brings her son", "brought by family"), ("transferred from an outside hospital", "transfer"),
    ("brought by police", "police"),
])
def test_arrival(text: str, arrival: str) -> None:
    assert vitals(text).arrival == arrival


@pytest.mark.parametrize("text, years, sex", [
    ("67M with chest pain", 67, "M"), ("45 yo F", 45, "F"), ("67-year-old woman", 67, "F"),
    ("a 67 year old man", 67, "M"), ("3 mo with fever", 0.25, None), ("10 day old boy", 10 / 365.25, "M"),
    ("newborn with jaundice", 0.0, None), ("6-week-old infant", 6 * 7 / 365.25, None),
    ("Toddler, 18 months, bumped her head", 1.5, "F"), ("woman in her 70s", 75, "F"), ("aged 80", 80, None),
    ("14-month-old son", 14 / 12, "M"), ("62 yom", 62, "M"), ("Elderly man, 88, fell", 88, "M"),
    ("cough x 2 wks, 45 yo", 45, None), ("9 weeks pregnant, 31 years old", 31, "F"),
])
def test_age_and_sex(text: str, years: float, sex: str | None) -> None:
    v = vitals(text)
    assert v.age_years == pytest.approx(years, abs=0.01)
    assert v.sex == sex


@pytest.mark.parametrize("text", ["fever for 3 months", "pregnant 3 months", "cough for 2 weeks",
                                  "temp 101F"])
def test_durations_are_not_ages(text: str) -> None:
    assert vitals(text).age_years is None


def test_unlabelled_vital_sign_list() -> None:
    v = vitals("62 yo M. VS 148/92, 96, 18, 97% RA.")
    assert (v.sbp, v.dbp, v.hr, v.rr, v.spo2) == (148, 92, 96, 18, 97)
    labelled = vitals("Vitals: T 37.2, HR 88, RR 16, BP 120/80")
    assert (labelled.hr, labelled.rr, labelled.temp_c) == (88, 16, 37.2)


def test_most_abnormal_value_wins_and_keeps_its_span() -> None:
    text = "HR 90 at triage, later HR 130. SpO2 95%, then 88% on RA."
    r = extract(Context(text))
    assert (r.vitals.hr, r.vitals.spo2) == (130, 88)
    assert text[r.spans["hr"].start : r.spans["hr"].end] == "HR 130"


def test_glucose() -> None:
    assert vitals("fingerstick glucose 28").glucose_mg_dl == 28
    assert vitals("glucose meter reads HIGH").glucose_mg_dl == 600
    assert vitals("BG 2.1 mmol/L").glucose_mg_dl == 38
    assert vitals("blood sugar readings over 400").glucose_mg_dl == 400


@pytest.mark.parametrize("text, name, affirmed", [
    ("denies chest pain", "CHEST_PAIN", False),
    ("no fever, chills or cough", "FEVER", False),
    ("Denies fever, chills, nausea, vomiting, chest pain", "CHEST_PAIN", False),
    ("no chest pain but has slurred speech", "STROKE_SIGN", True),
    ("history of stroke with residual deficits", "STROKE_WORD", False),
    ("was intubated 2 years ago for pneumonia", "AIRWAY", False),
    ("non-radiating chest pain", "CARDIAC_STRONG", False),
    ("A 4-day history of cough with fever", "FEVER", True),
    ("previously healthy man with chest pain", "CHEST_PAIN", True),
    ("return if chest pain develops", "CHEST_PAIN", False),
    ("chest pain: denied", "CHEST_PAIN", False),
    ("has not had a fever", "FEVER", False),
    ("no relief from ibuprofen, chest pain persists", "CHEST_PAIN", True),
    ("80 yo not eating and lethargic since yesterday", "CONFUSION", True),
    ("Mom not sure if he swallowed any of the pills", "OVERDOSE", True),
])
def test_negation_history_and_hypothetical_scopes(text: str, name: str, affirmed: bool) -> None:
    t = getattr(lexicon, name)
    assert (Context(text).hit(t) is not None) is affirmed


def test_fold_keeps_offsets() -> None:
    text = "İbrahim İİ, HR 120"
    assert len(fold(text)) == len(text)
    r = extract(Context(text))
    assert text[r.spans["hr"].start : r.spans["hr"].end] == "HR 120"


def _all_terms() -> list[Term]:
    return [v for mod in (lexicon, resources) for v in vars(mod).values() if isinstance(v, Term)]


def test_word_gate_never_hides_a_match() -> None:
    """`may_match` is only a shortcut: when it says no, the regex must really find nothing."""
    texts = [json.loads(line)["narrative"] for line in (ROOT / "examples/cases.jsonl").read_text().splitlines()]
    texts += ["d50 given", "45yo", "c/o SOB", "no pulse in the left foot", "BiPAP", "12-lead ECG", "A&Ox3"]
    terms = _all_terms()
    assert sum(t.keys is not None for t in terms) > 0.8 * len(terms)
    for text in texts:
        ctx = Context(text)
        for t in terms:
            if not ctx.may_match(t):
                assert t.regex.search(ctx.low) is None, (t.name, text)


JUNK = [
    "", " ", "\n\n\t", "\x00" * 50, "HR\x00118", "\ud800\udfff lone surrogates", "🙂" * 100, "ü" * 1000,
    "Paciente de 45 años con dolor torácico, FC 120, TA 90/60, SatO2 88%.", "患者男性67岁，胸痛，心率118",
    "Patient, 70 ans, douleur thoracique, FC 118, TA 88/60", "HR HR HR BP / / % %", "9" * 500, "1/" * 300,
    "no " * 500 + "chest pain", "ANSWER: ESI 5\nEXTRACTION:", "{\"json\": true}", "<script>alert(1)</script>",
]


@pytest.mark.parametrize("text", JUNK)
def test_junk_never_raises(text: str) -> None:
    a = assess(text)
    assert 1 <= a.esi <= a.min_esi <= 5
    for f in a.findings:
        assert text[f.start : f.end] == f.text
    json.dumps(a.to_dict())


def test_random_binary_junk_never_raises() -> None:
    rng = random.Random(7)
    for _ in range(200):
        text = "".join(chr(rng.randint(0, 0x10FFFF)) if rng.random() < 0.3 else chr(rng.randint(0, 127))
                       for _ in range(rng.randint(0, 400)))
        a = assess(text)
        assert 1 <= a.esi <= a.min_esi <= 5


def test_one_megabyte_input() -> None:
    note = "67M BIBA with crushing chest pain radiating to jaw, diaphoretic, HR 118, BP 88/60, SpO2 91%. "
    text = note * (1_000_000 // len(note) + 1)
    assert len(text) > 1_000_000
    a = assess(text)
    assert a.esi == 1 and a.vitals.hr == 118
    assert all(text[f.start : f.end] == f.text for f in a.findings)


def test_non_string_is_a_clear_type_error() -> None:
    with pytest.raises(TypeError, match="must be a str"):
        assess(b"HR 118")  # type: ignore[arg-type]
