"""The output contract: every drift real models show, parsed or refused (never guessed)."""

import pytest

from triage_demo.parse import parse_answer, parse_output
from triage_demo.prompt import render_output

CANONICAL = """EXTRACTION:
- Chief complaint: sudden chest pain radiating to left arm
- Vital signs: BP 88/60, HR 118, RR 24, SpO2 91%
- Red flags: hypotension, diaphoresis
ESI ALGORITHM:
- Step A (lifesaving): no immediate intervention required
- Step B (high-risk): suspected ACS -> high risk
- Step C (resources): not reached
- Step D (vitals): not reached
ANSWER: ESI 2"""


def test_canonical_format_parses_every_field():
    p = parse_output(CANONICAL)
    assert p.esi == 2
    assert p.extraction.chief_complaint == "sudden chest pain radiating to left arm"
    assert p.extraction.vital_signs == "BP 88/60, HR 118, RR 24, SpO2 91%"
    assert p.extraction.red_flags == "hypotension, diaphoresis"
    assert p.steps == {
        "A": "no immediate intervention required",
        "B": "suspected ACS -> high risk",
        "C": "not reached",
        "D": "not reached",
    }
    assert p.well_formed


def test_render_output_round_trips():
    text = render_output(chief_complaint="cough", vital_signs="normal", red_flags="none",
                         steps={"A": "no", "C": "none"}, esi=5)
    p = parse_output(text)
    assert p.esi == 5 and p.well_formed and p.steps["C"] == "none" and p.steps["B"] == "not reached"


def test_markdown_bold_and_headers():
    text = ("## **EXTRACTION:**\n- **Chief complaint:** fall\n- **Vital signs:** HR 80\n- **Red flags:** none\n"
            "### ESI ALGORITHM:\n- **Step A (lifesaving):** no\n**ANSWER: ESI 4**")
    p = parse_output(text)
    assert p.esi == 4
    assert p.extraction.chief_complaint == "fall"
    assert p.steps["A"] == "no"
    assert p.has_extraction and p.has_algorithm and p.has_answer


def test_lower_case_everything():
    p = parse_output("extraction:\n- chief complaint: rash\nesi algorithm:\n- step c (resources): none\nanswer: esi 5")
    assert p.esi == 5 and p.extraction.chief_complaint == "rash" and p.steps["C"] == "none" and p.well_formed


@pytest.mark.parametrize(
    "line, level",
    [
        ("ANSWER: ESI 2", 2),
        ("ANSWER: ESI level 2", 2),
        ("ANSWER: ESI-2", 2),
        ("ANSWER: ESI Level: 3", 3),
        ("ANSWER: 3", 3),
        ("Answer - ESI 1", 1),
        ("Final answer: ESI 5", 5),
        ("ANSWER: ESI II", 2),
        ("ANSWER: ESI IV.", 4),
        ("ANSWER: ESI V", 5),
        ("ANSWER: ESI I", 1),
        ("ANSWER: ESI III (urgent, two resources)", 3),
        ("ANSWER: ESI 2. The patient needs immediate evaluation.", 2),
        ("> ANSWER: ESI 1", 1),
        ("`ANSWER: ESI 4`", 4),
    ],
)
def test_answer_variants(line, level):
    assert parse_answer(line) == level


@pytest.mark.parametrize(
    "text",
    [
        "",
        "EXTRACTION:\n- Chief complaint: chest pain\nESI ALGORITHM:\n- Step A (lifesaving): no\n- Step B (high",
        "ANSWER: ESI 6",
        "ANSWER: ESI 0",
        "ANSWER: ESI 2 or 3",
        "ANSWER: ESI 2-3",
        "ANSWER: ESI 2/3",
        "ANSWER: ESI 2 or ESI III.",
        "ANSWER: ESI 2.5",
        "ANSWER: ESI Is uncertain",
        "The patient is probably ESI 2.",  # no ANSWER line: never a guess
        "Step B (high-risk): yes -> ESI 2",
        "Answer\n2. next item",  # a header followed by a numbered list is not an answer
        "\x00\x01garbage\ufffd" * 50,
    ],
)
def test_no_parseable_answer_is_none(text):
    assert parse_output(text).esi is None


def test_two_answers_take_the_final_one():
    text = CANONICAL + "\n\nOn reflection the airway is at risk.\nANSWER: ESI 1"
    assert parse_output(text).esi == 1


def test_trailing_text_after_answer():
    p = parse_output(CANONICAL + "\n\nNote: reassess in 15 minutes. Vitals may change.")
    assert p.esi == 2


def test_missing_sections_are_reported_not_invented():
    p = parse_output("ANSWER: ESI 3")
    assert p.esi == 3
    assert not p.has_extraction and not p.has_algorithm and p.has_answer
    assert not p.well_formed
    assert p.extraction.chief_complaint is None and p.steps == {}


def test_first_occurrence_of_a_field_wins():
    p = parse_output("- Chief complaint: first\n- Chief complaint: second\nANSWER: ESI 3")
    assert p.extraction.chief_complaint == "first"


def test_huge_input_does_not_hang():
    text = ("- Step A (lifesaving): " + "x" * 1000 + "\n") * 1000 + "ANSWER: ESI 2"
    assert parse_output(text).esi == 2
