"""Pure helpers for SGLang's extras: the output-skeleton regex, answer-token probabilities, self-consistency vote.

Kept apart from the HTTP client so that they are unit-testable on plain data and reusable by any backend
that can supply token log-probabilities.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import Sequence

from triage_demo.prompt import EXTRACTION_FIELDS, SECTIONS, STEP_LABELS
from triage_demo.schema import ESI_LEVELS

_LINE = r"[^\n]+"  # one non-empty line of free text; also valid for SGLang's grammar backends (xgrammar)


def skeleton_regex() -> str:
    """Regex that the card's output format (prompt.render_output) matches exactly, for `extra_body["regex"]`.

    The section headers, field labels and step labels are fixed; each value is one line of free text; the
    answer is exactly one digit 1-5. SGLang forces generation to stay inside it and stops at its end.
    """
    lines = [re.escape(SECTIONS[0])]
    lines += [re.escape(f"- {name}: ") + _LINE for name in EXTRACTION_FIELDS]
    lines.append(re.escape(SECTIONS[1]))
    lines += [re.escape(f"- {label}: ") + _LINE for label in STEP_LABELS.values()]
    lines.append(re.escape(f"{SECTIONS[2]} ESI ") + "[1-5]")
    return r"\n".join(lines)


SKELETON_REGEX = skeleton_regex()
_SKELETON = re.compile(SKELETON_REGEX)


def matches_skeleton(text: str) -> bool:
    """Whether a server honoured the regex constraint (surrounding whitespace aside)."""
    return _SKELETON.fullmatch(text.strip()) is not None


# The digit of the last answer line, located in the raw text so that it can be mapped to a token.
_ANSWER_DIGIT = re.compile(r"ANSWER\s*:\s*ESI\s*(?:level\s*)?([1-5])(?!\d)", re.IGNORECASE)


@dataclass(frozen=True)
class TokenLogprob:
    """One generated token with its log-probability and the alternatives the server reported for its position."""

    token: str
    logprob: float
    top: tuple[tuple[str, float], ...] = ()


def answer_digit_offset(text: str) -> int | None:
    """Character offset of the level digit in the last "ANSWER: ESI n" line, or None when there is none."""
    last = None
    for last in _ANSWER_DIGIT.finditer(text):
        pass
    return last.start(1) if last is not None else None


def level_of_token(token: str) -> int | None:
    """The ESI level a token stands for ("2", " 2", "▁2", "Ġ2"), or None for anything else."""
    core = token.strip().lstrip("▁Ġ")
    return int(core) if len(core) == 1 and core.isdigit() and int(core) in ESI_LEVELS else None


def normalise_levels(logprobs: dict[int, float]) -> dict[int, float]:
    """Softmax restricted to ESI levels: probabilities over 1..5 that sum to 1 (absent levels get 0)."""
    top = max(logprobs.values())
    weights = {lvl: math.exp(lp - top) for lvl, lp in logprobs.items()}
    total = sum(weights.values())
    return {lvl: weights.get(lvl, 0.0) / total for lvl in ESI_LEVELS}


def answer_probabilities(tokens: Sequence[TokenLogprob]) -> dict[int, float] | None:
    """Per-level probabilities at the answer token, from the server's top log-probabilities there.

    Returns None when the text has no answer line or the answer digit does not start a token of its own.
    Levels outside the reported alternatives get probability 0 (ask for enough `top_logprobs`).
    """
    text = "".join(t.token for t in tokens)
    offset = answer_digit_offset(text)
    if offset is None:
        return None
    pos = 0
    for tok in tokens:
        start, pos = pos, pos + len(tok.token)
        if start <= offset < pos:
            chosen = level_of_token(tok.token)
            if chosen is None:  # the digit is fused with other text in one token: no clean alternatives
                return None
            levels: dict[int, float] = {chosen: tok.logprob}
            for alt, lp in tok.top:
                lvl = level_of_token(alt)
                if lvl is not None:
                    levels[lvl] = max(lp, levels.get(lvl, -math.inf))
            return normalise_levels(levels)
    return None


@dataclass(frozen=True)
class Vote:
    """Outcome of a self-consistency vote over sampled answers."""

    esi: int | None
    shares: dict[int, float] | None
    counts: dict[int, int]
    unparsed: int

    def describe(self) -> str:
        tally = ", ".join(f"ESI {lvl} ×{c}" for lvl, c in sorted(self.counts.items())) or "no parseable answer"
        extra = f", {self.unparsed} unparseable" if self.unparsed else ""
        return f"self-consistency vote over {sum(self.counts.values()) + self.unparsed} samples: {tally}{extra}"


def vote(levels: Sequence[int | None]) -> Vote:
    """Majority level among the parsed samples; a tie goes to the more acute (lower) level, the safer error.

    Shares are over the parsed samples only, so they sum to 1 whenever any sample parsed.
    """
    parsed = [lvl for lvl in levels if lvl is not None]
    counts = Counter(parsed)
    if not counts:
        return Vote(esi=None, shares=None, counts={}, unparsed=len(levels))
    best = max(counts.values())
    winner = min(lvl for lvl, c in counts.items() if c == best)
    shares = {lvl: counts.get(lvl, 0) / len(parsed) for lvl in ESI_LEVELS}
    return Vote(esi=winner, shares=shares, counts=dict(counts), unparsed=len(levels) - len(parsed))
