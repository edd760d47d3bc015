"""The skeleton regex, answer-token probabilities and the self-consistency vote, on plain data."""

import math
import re

import pytest

from triage_demo.backends.sglang_extras import (
    SKELETON_REGEX, TokenLogprob, answer_digit_offset, answer_probabilities, level_of_token, matches_skeleton,
    normalise_levels, vote,
)
from triage_demo.parse import parse_output
from triage_demo.prompt import render_output

CARD_TEXT = (  # the model card's format, written out by hand
    "EXTRACTION:\n- Chief complaint: chest pain\n- Vital signs: BP 88/60, HR 118\n- Red flags: hypotension\n"
    "ESI ALGORITHM:\n- Step A (lifesaving): no\n- Step B (high-risk): yes, ACS\n- Step C (resources): many\n"
    "- Step D (vitals): danger zone\nANSWER: ESI 2"
)


def _render(esi: int) -> str:
    return render_output(chief_complaint="cc", vital_signs="vs", red_flags="none",
                         steps={"A": "no", "B": "no", "C": "one", "D": "normal"}, esi=esi)


@pytest.mark.parametrize("esi", [1, 2, 3, 4, 5])
def test_regex_accepts_the_card_format_at_every_level(esi):
    assert re.fullmatch(SKELETON_REGEX, _render(esi))
    assert matches_skeleton(_render(esi) + "\n")


def test_regex_accepts_the_hand_written_card_example():
    assert matches_skeleton(CARD_TEXT)


@pytest.mark.parametrize("text", [
    CARD_TEXT.replace("ESI 2", "ESI 6"),
    CARD_TEXT.replace("ESI 2", "ESI 2 or 3"),
    "Sure! Here you go.\n" + CARD_TEXT,
    CARD_TEXT.replace("- Red flags: hypotension\n", ""),
    CARD_TEXT.replace("ESI ALGORITHM:", "ALGORITHM:"),
    CARD_TEXT.replace("Vital signs: BP 88/60, HR 118", "Vital signs: "),
    CARD_TEXT.replace("ANSWER: ESI 2", "ANSWER: ESI two"),
])
def test_regex_rejects_drift_from_the_skeleton(text):
    assert not matches_skeleton(text)


def test_regex_output_is_parseable():
    """Whatever the constraint allows, the parser reads the level (the point of constraining)."""
    for esi in range(1, 6):
        assert parse_output(_render(esi)).esi == esi


def _toks(*pieces, digit_top=()):
    """Tokens of the text; the digit token (if any) gets `digit_top` as its alternatives."""
    out = []
    for p in pieces:
        if level_of_token(p) is not None:
            out.append(TokenLogprob(p, dict(digit_top)[p], tuple(digit_top)))
        else:
            out.append(TokenLogprob(p, -0.01, ((p, -0.01),)))
    return out


def test_answer_probabilities_normalise_over_the_levels():
    top = (("2", math.log(0.6)), ("3", math.log(0.2)), ("1", math.log(0.1)), ("\n", math.log(0.05)))
    probs = answer_probabilities(_toks("ANSWER", ":", " ESI", " ", "2", digit_top=top))
    assert probs is not None and set(probs) == {1, 2, 3, 4, 5}
    assert sum(probs.values()) == pytest.approx(1.0)
    assert probs[2] == pytest.approx(0.6 / 0.9) and probs[3] == pytest.approx(0.2 / 0.9)
    assert probs[4] == 0.0 and probs[5] == 0.0  # outside the reported alternatives


def test_answer_probabilities_with_space_fused_digit_tokens():
    top = ((" 4", math.log(0.5)), (" 5", math.log(0.5)))
    probs = answer_probabilities(_toks("ANSWER", ":", " ESI", " 4", digit_top=top))
    assert probs == pytest.approx({1: 0, 2: 0, 3: 0, 4: 0.5, 5: 0.5})


def test_answer_probabilities_use_the_last_answer_line():
    first = (("1", math.log(0.9)), ("2", math.log(0.1)))
    toks = _toks("ANSWER", ":", " ESI", " ", "1", "\n", digit_top=first)
    toks += [TokenLogprob(t, -0.01) for t in ("Correction", ":", " ANSWER", ":", " ESI", " ")]
    toks.append(TokenLogprob("3", math.log(0.7), (("3", math.log(0.7)), ("2", math.log(0.3)))))
    assert answer_probabilities(toks) == pytest.approx({1: 0, 2: 0.3, 3: 0.7, 4: 0, 5: 0})


def test_answer_probabilities_none_without_answer_or_with_fused_token():
    assert answer_probabilities(_toks("no", " answer", " here")) is None
    assert answer_probabilities([TokenLogprob("ANSWER: ESI", -0.1), TokenLogprob(" 2.", -0.1)]) is None
    assert answer_probabilities([]) is None


def test_answer_digit_offset_and_level_tokens():
    assert answer_digit_offset("x\nANSWER: ESI 3") == len("x\nANSWER: ESI ")
    assert answer_digit_offset("ANSWER: ESI 12") is None
    assert [level_of_token(t) for t in ("2", " 2", "▁2", "Ġ5", "6", "22", "a", "")] == [2, 2, 2, 5, None, None, None, None]


def test_normalise_levels_is_a_softmax():
    probs = normalise_levels({1: 0.0, 2: math.log(3.0)})
    assert probs == pytest.approx({1: 0.25, 2: 0.75, 3: 0, 4: 0, 5: 0})
    assert sum(normalise_levels({3: -1000.0, 4: -1001.0}).values()) == pytest.approx(1.0)  # no underflow


def test_vote_majority_shares_and_ties():
    v = vote([2, 3, 3, None])
    assert v.esi == 3 and v.unparsed == 1
    assert v.shares == pytest.approx({1: 0, 2: 1 / 3, 3: 2 / 3, 4: 0, 5: 0})
    assert "ESI 2 ×1, ESI 3 ×2" in v.describe() and "1 unparseable" in v.describe()
    assert vote([4, 2, 2, 4]).esi == 2  # a tie goes to the more acute level
    empty = vote([None, None])
    assert empty.esi is None and empty.shares is None and empty.unparsed == 2
