"""The model card's rule-aware GRPO reward, as TRL reward functions.

The reward is the sum of four components, each a TRL reward function so that a run logs them separately
(`rewards/correctness_reward/mean`, `rewards/format_reward/mean`, ...) and shows which part moves:

- correctness: the card's outcome table, extended to the cells the card leaves open (`RewardTable.correctness`);
- format: +0.1 when EXTRACTION, ESI ALGORITHM and ANSWER are all present;
- length: +0.3 up to 300 completion tokens, falling linearly to 0 at `max_completion_length`;
- rules: the card's four narrative-triggered bonuses.

`esi_reward` is their sum, for callers that want one number. TRL's default `multi_objective_aggregation`
("sum_then_normalize") sums the components before normalising, so training on the four components is the same
objective as training on `esi_reward`.

Every number lives in `REWARD_TABLE`; nothing below it hard-codes a reward value. This module is pure: no I/O,
no heavy imports, so it is cheap to unit-test exhaustively.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Callable, Mapping, Sequence

from triage_demo.esi import assess
from triage_demo.parse import parse_output
from triage_demo.schema import ESI_LEVELS, ParsedOutput
from triage_demo.train.config import CARD_MAX_COMPLETION_LENGTH


def _frozen(d: Mapping[Any, Any]) -> Mapping[Any, Any]:
    return MappingProxyType(dict(d))


@dataclass(frozen=True)
class RuleBonus:
    """One of the card's narrative-triggered bonuses: when `trigger` matches the narrative and `applies(gold,
    pred)` holds, add `value`. `pred is None` (no parseable answer) counts as a miss for every rule that asks for
    a wrong level, so that silence never scores better than a committed wrong answer."""

    name: str
    trigger: str  # a regex searched case-insensitively in the narrative (as the card writes it)
    applies: Callable[[int, int | None], bool]
    value: float


#: The card's lifesaving-intervention trigger, verbatim.
LIFESAVING = r"intubat|chest tube|central line|cpr"
SEVERE_PAIN_RULE = "severe_pain_missed"


@dataclass(frozen=True)
class RewardTable:
    """All reward numbers in one place (model card, Stage 2, "Reward function")."""

    # CORRECTNESS[gold][pred]. Rows are gold levels, columns predicted levels 1..5.
    #   card rows:  correct +3.0 (gold 1) / +2.0 (gold 2) / +1.0 (gold >= 3)           -> the diagonal
    #               gold 1, pred 2: -1.0 (critical under-triage)                        -> [1][2]
    #               gold 1, pred >= 3: -2.0 (severe miss)                               -> [1][3..5]
    #               pred 1, gold 2..5: -0.5 .. -2.0 (over-triage, linear in gold)       -> [2..5][1]
    #               other adjacent errors: 0.0 (safety valve)                           -> |gold - pred| == 1
    #   gap cells (not on the card, issue 6): non-adjacent errors between levels 2..5 cost -0.5 per level beyond
    #   the first for over-triage and -1.0 per level beyond the first for under-triage, capped at -1.5 so that
    #   "no parseable answer" (-2.0) stays the worst outcome:
    #               over-triage:  [4][2] -0.5, [5][3] -0.5, [5][2] -1.0
    #               under-triage: [2][4] -1.0, [3][5] -1.0, [2][5] -2.0 capped to -1.5
    correctness: Mapping[int, Mapping[int, float]] = field(
        default_factory=lambda: _frozen(
            {
                #        pred:  1     2     3     4     5
                1: _frozen({1: +3.0, 2: -1.0, 3: -2.0, 4: -2.0, 5: -2.0}),
                2: _frozen({1: -0.5, 2: +2.0, 3: +0.0, 4: -1.0, 5: -1.5}),
                3: _frozen({1: -1.0, 2: +0.0, 3: +1.0, 4: +0.0, 5: -1.0}),
                4: _frozen({1: -1.5, 2: -0.5, 3: +0.0, 4: +1.0, 5: +0.0}),
                5: _frozen({1: -2.0, 2: -1.0, 3: -0.5, 4: +0.0, 5: +1.0}),
            }
        )
    )
    unparseable: float = -2.0  # card: "No parseable answer -2.0 (must dominate every wrong commit)"
    format_bonus: float = 0.1  # card: "Format bonus (EXTRACTION/ESI ALGORITHM/ANSWER) +0.1"
    length_bonus: float = 0.3  # card: "Length bonus (<=300 tokens) up to +0.3"
    length_full_bonus_tokens: int = 300  # card: "<=300 tokens"; issue 6: linear to 0 at max_completion_length
    rules: tuple[RuleBonus, ...] = (
        # card: "intubat|chest tube|central line|cpr + pred=ESI 1: +0.5"
        RuleBonus("lifesaving_pred1", LIFESAVING, lambda g, p: p == 1, +0.5),
        # card: "same + gold=ESI 1 + pred!=1: -1.0"
        RuleBonus("lifesaving_missed", LIFESAVING, lambda g, p: g == 1 and p != 1, -1.0),
        # card: "open fracture|penetrating + gold=2 + pred>2: -0.5"
        RuleBonus("open_injury_missed", r"open fracture|penetrating", lambda g, p: g == 2 and _above(p, 2), -0.5),
    )
    # card: "Pain >= 7 + gold=2 + pred>2: -0.5" (pain is read by the ESI rule engine's extractor, not a regex here)
    severe_pain_threshold: int = 7
    severe_pain_missed: float = -0.5


def _above(pred: int | None, level: int) -> bool:
    """`pred > level`, with no parseable answer counting as a miss (see `RuleBonus`)."""
    return pred is None or pred > level


REWARD_TABLE = RewardTable()


# --------------------------------------------------------------------------------------------------------------
# Inputs as TRL passes them
# --------------------------------------------------------------------------------------------------------------


def completion_text(completion: str | Sequence[Mapping[str, Any]]) -> str:
    """The assistant text of a completion: plain-text datasets give a string, conversational ones a message list."""
    if isinstance(completion, str):
        return completion
    return "".join(_content_text(m.get("content")) for m in completion if m.get("role", "assistant") == "assistant")


def prompt_narrative(prompt: str | Sequence[Mapping[str, Any]]) -> str:
    """The narrative inside a prompt: the last user message of a conversation, or the whole plain-text prompt."""
    if isinstance(prompt, str):
        return prompt
    users = [m for m in prompt if m.get("role") == "user"]
    return _content_text(users[-1].get("content")) if users else ""


def _content_text(content: Any) -> str:
    """Message content is a string, or (multimodal chat templates) a list of {"type": "text", "text": ...} parts."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    return "".join(part.get("text", "") for part in content if isinstance(part, Mapping))


def _narratives(prompts: Sequence[Any], kwargs: Mapping[str, Any]) -> list[str]:
    """The `narrative` dataset column when present (exact), else the narrative recovered from each prompt."""
    column = kwargs.get("narrative")
    if column is not None:
        return [str(n) for n in column]
    return [prompt_narrative(p) for p in prompts]


def _check_lengths(prompts: Sequence[Any], completions: Sequence[Any], esi: Sequence[Any]) -> None:
    if not (len(prompts) == len(completions) == len(esi)):
        raise ValueError(
            f"reward inputs differ in length: {len(prompts)} prompts, {len(completions)} completions, {len(esi)} esi"
        )


def _gold(value: Any) -> int:
    level = int(value)
    if level not in ESI_LEVELS:
        raise ValueError(f"gold ESI level must be 1-5, got {value!r}")
    return level


# --------------------------------------------------------------------------------------------------------------
# Per-completion scores (pure functions of one case)
# --------------------------------------------------------------------------------------------------------------


def score_correctness(gold: int, pred: int | None, table: RewardTable = REWARD_TABLE) -> float:
    """The outcome-table reward for one answer."""
    if pred is None:
        return table.unparseable
    return table.correctness[gold][pred]


def score_format(parsed: ParsedOutput, table: RewardTable = REWARD_TABLE) -> float:
    return table.format_bonus if parsed.well_formed else 0.0


def score_length(n_tokens: int, max_completion_length: int, table: RewardTable = REWARD_TABLE) -> float:
    """Full bonus up to `length_full_bonus_tokens`, then linear down to 0 at `max_completion_length`."""
    full = table.length_full_bonus_tokens
    if n_tokens <= full:
        return table.length_bonus
    if max_completion_length <= full or n_tokens >= max_completion_length:
        return 0.0
    return table.length_bonus * (max_completion_length - n_tokens) / (max_completion_length - full)


def fired_rules(
    narrative: str, gold: int, pred: int | None, pain: int | None, table: RewardTable = REWARD_TABLE
) -> list[tuple[str, float]]:
    """(name, value) of every rule bonus that applies; `pain` is the narrative's pain score (None if absent)."""
    fired = [(rule.name, rule.value) for rule in table.rules
             if re.search(rule.trigger, narrative, re.IGNORECASE) and rule.applies(gold, pred)]
    if pain is not None and pain >= table.severe_pain_threshold and gold == 2 and _above(pred, 2):
        fired.append((SEVERE_PAIN_RULE, table.severe_pain_missed))
    return fired


def narrative_pain(narrative: str) -> int | None:
    """The pain score (0-10) the ESI rule engine extracts from a narrative, or None when none is stated."""
    pain = assess(narrative).vitals.pain  # the rule engine's extractor: one pain parser in the project
    return None if pain is None else int(pain)


# --------------------------------------------------------------------------------------------------------------
# TRL reward functions: (prompts, completions, esi, completion_ids=None, **dataset columns) -> list[float]
# --------------------------------------------------------------------------------------------------------------


def _parsed(completions: Sequence[Any]) -> list[ParsedOutput]:
    return [parse_output(completion_text(c)) for c in completions]


def correctness_reward(
    prompts: Sequence[Any], completions: Sequence[Any], esi: Sequence[Any], completion_ids: Any = None, **kwargs: Any
) -> list[float]:
    """Outcome-table reward; also logs the parse rate (`parse_rate`) when TRL passes `log_metric`."""
    _check_lengths(prompts, completions, esi)
    parsed = _parsed(completions)
    log_metric = kwargs.get("log_metric")
    if log_metric is not None and parsed:
        log_metric("parse_rate", sum(p.esi is not None for p in parsed) / len(parsed))
    return [score_correctness(_gold(g), p.esi) for g, p in zip(esi, parsed)]


def format_reward(
    prompts: Sequence[Any], completions: Sequence[Any], esi: Sequence[Any], completion_ids: Any = None, **kwargs: Any
) -> list[float]:
    """+format bonus when all three sections of the card's output format are present."""
    _check_lengths(prompts, completions, esi)
    return [score_format(p) for p in _parsed(completions)]


def length_reward(
    prompts: Sequence[Any],
    completions: Sequence[Any],
    esi: Sequence[Any],
    completion_ids: Sequence[Sequence[int]] | None = None,
    max_completion_length: int = CARD_MAX_COMPLETION_LENGTH,
    **kwargs: Any,
) -> list[float]:
    """Length bonus from the completion's token count. Token ids are required: characters or words are not tokens,
    and guessing would silently change the reward (TRL always passes `completion_ids`)."""
    _check_lengths(prompts, completions, esi)
    if completion_ids is None:
        raise ValueError("the length bonus needs completion_ids (the completion token ids, as TRL passes them)")
    if len(completion_ids) != len(completions):
        raise ValueError(f"{len(completion_ids)} completion_ids for {len(completions)} completions")
    return [score_length(len(ids), max_completion_length) for ids in completion_ids]


def rule_reward(
    prompts: Sequence[Any], completions: Sequence[Any], esi: Sequence[Any], completion_ids: Any = None, **kwargs: Any
) -> list[float]:
    """The card's rule bonuses, matched on the `narrative` column or the prompt's last user message; logs how often
    each rule fires (`rules/<name>`) when TRL passes `log_metric`."""
    _check_lengths(prompts, completions, esi)
    narratives = _narratives(prompts, kwargs)
    pains = {n: narrative_pain(n) for n in set(narratives)}  # TRL repeats each prompt num_generations times
    fired = [fired_rules(n, _gold(g), p.esi, pains[n]) for n, g, p in zip(narratives, esi, _parsed(completions))]
    log_metric = kwargs.get("log_metric")
    if log_metric is not None and fired:
        for name in [r.name for r in REWARD_TABLE.rules] + [SEVERE_PAIN_RULE]:
            log_metric(f"rules/{name}", sum(any(n == name for n, _ in f) for f in fired) / len(fired))
    return [sum(value for _, value in f) for f in fired]


#: The components in the order they are passed to the trainer (and logged).
COMPONENTS: tuple[Callable[..., list[float]], ...] = (correctness_reward, format_reward, length_reward, rule_reward)


def esi_reward(
    prompts: Sequence[Any],
    completions: Sequence[Any],
    esi: Sequence[Any],
    completion_ids: Sequence[Sequence[int]] | None = None,
    **kwargs: Any,
) -> list[float]:
    """The card's total reward: the sum of the four components (pass `max_completion_length` to change the length
    bonus's end point from the card's 1024)."""
    parts = [f(prompts, completions, esi, completion_ids, **kwargs) for f in COMPONENTS]
    return [sum(values) for values in zip(*parts)]
