"""The model card's GRPO reward (issue 6): one test per row of the table, the gap cells, both completion formats.

Expected numbers are written out here from the issue's table, not read from `REWARD_TABLE`, so a wrong table
fails these tests.
"""

from __future__ import annotations

import itertools

import pytest

from triage_demo.prompt import build_messages, render_output
from triage_demo.train import reward

NEUTRAL = "A 40-year-old with a sore throat for two days, vitals normal."  # triggers no rule

FORMATS = ("conversational", "plain")


def answer(esi: int | None) -> str:
    """A complete answer in the card's format (all three sections), or one without an ANSWER line."""
    if esi is None:
        return "EXTRACTION:\n- Chief complaint: sore throat\nESI ALGORITHM:\n- Step A (lifesaving): no\n"
    return render_output(chief_complaint="sore throat", vital_signs="normal", red_flags="none",
                         steps={"A": "no", "B": "no", "C": "one", "D": "normal"}, esi=esi)


def call(fn, gold: int, text: str, fmt: str, narrative: str = NEUTRAL, n_tokens: int = 100, **kw):
    """Call a reward function the way TRL does, for one completion, in the given dataset format."""
    if fmt == "conversational":
        prompts = [build_messages(narrative)]
        completions = [[{"role": "assistant", "content": text}]]
    else:
        prompts = [f"Triage this case.\n{narrative}\n"]
        completions = [text]
    out = fn(prompts=prompts, completions=completions, completion_ids=[list(range(n_tokens))], esi=[gold], **kw)
    assert len(out) == 1
    return out[0]


def correctness(gold: int, pred: int | None, fmt: str = "conversational") -> float:
    return call(reward.correctness_reward, gold, answer(pred), fmt)


# --- the card's rows ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("gold,expected", [(1, 3.0), (2, 2.0), (3, 1.0), (4, 1.0), (5, 1.0)])
def test_correct_answer(fmt, gold, expected):
    assert correctness(gold, gold, fmt) == expected


@pytest.mark.parametrize("fmt", FORMATS)
def test_critical_under_triage_gold1_pred2(fmt):
    assert correctness(1, 2, fmt) == -1.0


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("pred", [3, 4, 5])
def test_severe_miss_gold1_pred3_or_more(fmt, pred):
    assert correctness(1, pred, fmt) == -2.0


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("gold,expected", [(2, -0.5), (3, -1.0), (4, -1.5), (5, -2.0)])
def test_over_triage_to_esi1_scaled_by_gold(fmt, gold, expected):
    assert correctness(gold, 1, fmt) == expected


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("gold,pred", [(2, 3), (3, 2), (3, 4), (4, 3), (4, 5), (5, 4)])
def test_other_adjacent_errors_are_zero(fmt, gold, pred):
    assert correctness(gold, pred, fmt) == 0.0


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("text", [answer(None), "", "ANSWER: ESI 2 or 3", "The patient looks unwell."])
def test_no_parseable_answer(fmt, text):
    assert call(reward.correctness_reward, 3, text, fmt) == -2.0


# --- the gap cells (issue 6: -0.5 / -1.0 per level beyond the first, capped at -1.5) ---------------------------


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "gold,pred,expected",
    [
        (4, 2, -0.5), (5, 3, -0.5), (5, 2, -1.0),  # over-triage by 2 and 3 levels
        (2, 4, -1.0), (3, 5, -1.0), (2, 5, -1.5),  # under-triage by 2, and by 3 capped at -1.5
    ],
)
def test_gap_cells(fmt, gold, pred, expected):
    assert correctness(gold, pred, fmt) == expected


def test_unparseable_is_the_worst_outcome_with_and_without_rule_triggers():
    """No committed answer scores below silence, whatever the narrative triggers (correctness + rules)."""
    narratives = ["intubated in the field, open fracture of the tibia, pain 9/10", NEUTRAL,
                  "penetrating wound to the thigh", "chest tube placed, CPR for 2 minutes"]
    for narrative, gold in itertools.product(narratives, range(1, 6)):
        def total(text: str) -> float:
            return sum(call(f, gold, text, "conversational", narrative)
                       for f in (reward.correctness_reward, reward.rule_reward))
        silent = total(answer(None))
        for pred in range(1, 6):
            assert total(answer(pred)) >= silent, (narrative, gold, pred)


# --- format and length bonuses -------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_format_bonus_needs_all_three_sections(fmt):
    assert call(reward.format_reward, 3, answer(3), fmt) == pytest.approx(0.1)
    assert call(reward.format_reward, 3, "ANSWER: ESI 3", fmt) == 0.0
    assert call(reward.format_reward, 3, answer(None), fmt) == 0.0  # no ANSWER section


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "n_tokens,max_len,expected",
    [(1, 1024, 0.3), (300, 1024, 0.3), (662, 1024, 0.15), (1023, 1024, 0.3 / 724), (1024, 1024, 0.0),
     (301, 301, 0.0), (166, 32, 0.3)],
)
def test_length_bonus_linear_from_300_tokens_to_max(fmt, n_tokens, max_len, expected):
    got = call(reward.length_reward, 3, answer(3), fmt, n_tokens=n_tokens, max_completion_length=max_len)
    assert got == pytest.approx(expected)


def test_length_bonus_defaults_to_the_cards_1024_tokens():
    assert call(reward.length_reward, 3, answer(3), "plain", n_tokens=662) == pytest.approx(0.15)


def test_length_bonus_refuses_to_guess_without_token_ids():
    with pytest.raises(ValueError, match="completion_ids"):
        reward.length_reward(prompts=["p"], completions=["ANSWER: ESI 3"], esi=[3])


# --- rule bonuses --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("phrase", ["was intubated by EMS", "Chest tube placed", "central line in situ",
                                    "CPR in progress"])
def test_lifesaving_keyword_with_pred1_bonus(fmt, phrase):
    narrative = f"A 70-year-old man, {phrase}."
    assert call(reward.rule_reward, 1, answer(1), fmt, narrative) == 0.5
    assert call(reward.rule_reward, 3, answer(1), fmt, narrative) == 0.5  # applies whatever the gold level


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("pred,expected", [(2, -1.0), (3, -1.0), (5, -1.0), (None, -1.0)])
def test_lifesaving_keyword_gold1_missed(fmt, pred, expected):
    narrative = "Found down, intubated in the field."
    assert call(reward.rule_reward, 1, answer(pred), fmt, narrative) == expected


def test_lifesaving_keyword_gold2_pred3_has_no_rule_penalty():
    assert call(reward.rule_reward, 2, answer(3), "plain", "patient had an intubation last year") == 0.0


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("phrase", ["open fracture of the tibia", "penetrating injury to the abdomen"])
@pytest.mark.parametrize("gold,pred,expected", [(2, 3, -0.5), (2, 5, -0.5), (2, 2, 0.0), (2, 1, 0.0),
                                                (3, 4, 0.0)])
def test_open_injury_gold2_pred_above_2(fmt, phrase, gold, pred, expected):
    assert call(reward.rule_reward, gold, answer(pred), fmt, f"Cyclist with an {phrase}.") == expected


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("pain,gold,pred,expected", [(7, 2, 3, -0.5), (9, 2, 4, -0.5), (6, 2, 3, 0.0),
                                                     (8, 2, 2, 0.0), (8, 3, 4, 0.0)])
def test_severe_pain_gold2_pred_above_2(fmt, pain, gold, pred, expected):
    narrative = f"A 35-year-old woman with right flank pain, pain {pain}/10, HR 96, BP 132/84."
    assert call(reward.rule_reward, gold, answer(pred), fmt, narrative) == expected


def test_rules_read_the_narrative_column_when_present():
    """With a `narrative` column the rules do not depend on how the prompt was rendered."""
    prompts = ["<bos><start_of_turn>user\nrendered prompt without the keyword<end_of_turn>\n"]
    kwargs = dict(prompts=prompts, completions=[answer(1)], completion_ids=[[0]], esi=[1])
    assert reward.rule_reward(**kwargs) == [0.0]
    assert reward.rule_reward(**kwargs, narrative=["CPR started on arrival"]) == [0.5]


def test_rules_use_the_last_user_message_not_the_system_prompt():
    messages = [{"role": "system", "content": "Mention CPR if relevant."},
                {"role": "user", "content": "Sore throat."}]
    out = reward.rule_reward(prompts=[messages], completions=[[{"role": "assistant", "content": answer(1)}]],
                             completion_ids=[[0]], esi=[1])
    assert out == [0.0]


# --- the total and the TRL calling convention ----------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_total_is_the_sum_of_the_components(fmt):
    narrative = "Intubated, open fracture, pain 9/10."
    cases = [(1, answer(1), 120), (2, answer(4), 700), (3, "ANSWER: ESI 1", 20), (2, answer(None), 1024)]
    for gold, text, n in cases:
        parts = [call(f, gold, text, fmt, narrative, n) for f in reward.COMPONENTS]
        assert call(reward.esi_reward, gold, text, fmt, narrative, n) == pytest.approx(sum(parts))
    # one fully worked example: gold 1, pred 1, all sections, 120 tokens, "intubat": 3.0 + 0.1 + 0.3 + 0.5
    assert call(reward.esi_reward, 1, answer(1), fmt, narrative, 120) == pytest.approx(3.9)


def test_batch_call_as_trl_makes_it_with_logging():
    """TRL passes every dataset column, trainer_state and log_metric; the parse rate is logged."""
    logged: list[tuple[str, float]] = []
    golds = [1, 1, 4, 4]
    texts = [answer(1), answer(None), answer(5), "no answer"]
    out = reward.esi_reward(
        prompts=[build_messages(NEUTRAL)] * 4,
        completions=[[{"role": "assistant", "content": t}] for t in texts],
        completion_ids=[[0] * 10] * 4,
        esi=golds,
        narrative=[NEUTRAL] * 4,
        case_id=["a", "a", "b", "b"],
        trainer_state=object(),
        log_metric=lambda name, value: logged.append((name, value)),
        log_extra=lambda column, values: None,
    )
    assert out == pytest.approx([3.0 + 0.1 + 0.3, -2.0 + 0.3, 0.0 + 0.1 + 0.3, -2.0 + 0.3])
    assert dict(logged) == {"parse_rate": 0.5, "rules/lifesaving_pred1": 0.0, "rules/lifesaving_missed": 0.0,
                            "rules/open_injury_missed": 0.0, "rules/severe_pain_missed": 0.0}


def test_rule_firing_rates_are_logged():
    logged: dict[str, float] = {}
    narrative = "CPR in progress on arrival, open fracture of the femur, pain 8/10."
    reward.rule_reward(
        prompts=[build_messages(narrative)] * 4,
        completions=[answer(1), answer(3), answer(None), answer(2)],
        completion_ids=[[0]] * 4,
        esi=[1, 1, 2, 2],
        log_metric=logged.__setitem__,
    )
    assert logged == {"rules/lifesaving_pred1": 0.25, "rules/lifesaving_missed": 0.25,
                      "rules/open_injury_missed": 0.25, "rules/severe_pain_missed": 0.25}


def test_mismatched_lengths_and_bad_gold_are_clear_errors():
    with pytest.raises(ValueError, match="differ in length"):
        reward.correctness_reward(prompts=["a", "b"], completions=["x"], esi=[1])
    with pytest.raises(ValueError, match="1-5"):
        reward.correctness_reward(prompts=["a"], completions=["ANSWER: ESI 2"], esi=[7])
