"""Reading a narrative: case folding that keeps offsets, sentence bounds, negation and history scopes.

Every rule asks `Context.hit(term)` for the first *affirmed* mention of a term: one that is not negated
("denies chest pain", "no fever", "non-radiating"), not part of the past history ("history of stroke",
"intubated 2 years ago") and not hypothetical ("return if chest pain"). The scopes are NegEx-style: a cue
governs the rest of its sentence until a terminator word ("but", "presents", "now", ...), capped in length.

Offsets always index the ORIGINAL narrative, so `Finding.text == narrative[start:end]`.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from typing import Iterable, Iterator

_SENTENCE_END = re.compile(r"[.!?;](?=\s|$)|\n|\r")

_NEG_CUE = re.compile(
    r"\b(?:no|not|denies|denied|denying|deny|without|w/o|negative for|neg for|absence of|free of|never|nor|"
    r"none|ruled out|rules out|unremarkable for|no evidence of|no signs? of|no history of)\b"
)
_HIST_CUE = re.compile(
    r"\b(?:history of|hx of|h/o|hx|pmh|pmhx|past medical history|medical history|past history|"
    r"prior(?! to)|previous|previously|remote|family history|fhx|in the past)\b"
)
_HYPO_CUE = re.compile(r"\b(?:(?:return|come back|call|seek care) if|in case|return precautions|to return for|"
                       r"watch for|at risk of)\b")
# Cue lookalikes that must not open a scope (they are removed before cues are searched).
_PSEUDO = re.compile(
    r"\b(?:no (?:improvement|relief|change|longer)|not (?:improved|improving|relieved|resolved|responding|"
    r"sure|certain|able|only|tolerating|moving|breathing)|without (?:relief|improvement)|"
    r"history of present illness|previously (?:healthy|well)|no one|nothing by mouth|unable|"
    r"(?:\d+|one|two|three|four|five|six|seven|several|few|a)[- ](?:hours?|days?|weeks?|months?)[- ]history of)\b"
)
# Past-tense verbs of an acute event: "hx depression, swallowed 40 pills" starts a clause about today, also when
# the finding itself begins with the verb.
_ACUTE_VERB = r"(?:overdosed|ingested|swallowed|took|collapsed|attempted|fell)\b"
# Words that end a negation/history scope: a new clause about what IS present.
_TERMINATOR = re.compile(
    r"\b(?:but|however|although|though|except|yet|aside from|apart from|presents?|presenting|presented|"
    r"reports?|reported|reporting|states?|stated|complains?|complaining|c/o|endorses?|endorsing|admits|"
    r"notes?|now|who|which|whose|positive for|found|today|tonight|this (?:morning|afternoon|evening)|"
    r"here|arrives?|comes?|came|developed|started|began|brought)\b|\b" + _ACUTE_VERB
)
_STARTS_ACUTE = re.compile(_ACUTE_VERB)
# Weak terminators close a scope only when they are not the auxiliary right after the cue ("has not had").
_WEAK_TERMINATOR = re.compile(r"\b(?:has|had|is|was|are|were)\b")
_NARROW_CUES = {"not", "never"}
_NARROW_END = re.compile(r"[,;]|\band\b")
_POST_NEG = re.compile(r"\s*[:=\-]?\s*(?:(?:test|screen)\s+)?(?:is |was |came back |returned )?(?:denied|denies|absent|"
                       r"negative|neg|none|not present|ruled out)\b")
_POST_HIST = re.compile(
    r"[^.;\n]{0,40}?\b(?:\d+\s*(?:years?|yrs?)\s+ago|years ago|last year|in (?:19|20)\d\d|as an? (?:child|teen|infant)|"
    r"in the past)\b"
)
_NON_PREFIX = re.compile(r"\bnon-?\s?$")

_SCOPE_CHARS = 110  # a cue further back than this no longer governs the term


def fold(text: str) -> str:
    """Lower-case `text` without changing its length, so offsets found in the folded text fit the original.

    `str.lower()` turns exactly one character into two code points ('İ', U+0130 -> 'i' + combining dot); it is
    folded to a plain 'i' first. Any other length change (a future Unicode table) falls back to per-character.
    """
    low = text.replace("\u0130", "i").lower()
    if len(low) == len(text):
        return low
    return "".join(ch.lower() if len(ch.lower()) == 1 else ch for ch in text)


def number(text: str) -> float:
    """A number as nurses write it, decimal comma included ('38,5')."""
    return float(text.replace(",", "."))


@dataclass(frozen=True)
class Span:
    start: int
    end: int


@dataclass(frozen=True)
class Term:
    """A named pattern of the lexicon. `historical=True` for facts that matter even when old (on warfarin).

    `keys` (when not None) are the first <= 4 characters of the first word every match must start with; a
    narrative whose words start with none of them cannot match, and is skipped without running the regex.
    """

    name: str
    regex: re.Pattern[str]
    negatable: bool = True
    historical: bool = False
    keys: frozenset[str] | None = None


def term(name: str, pattern: str, *, negatable: bool = True, historical: bool = False,
         require: Iterable[str] | None = None) -> Term:
    """Compile a lexicon entry; patterns are written for the folded (lower-case) text.

    `require` names words (or word beginnings, <= 4 characters) of which every match contains at least one,
    for patterns whose first word cannot be read off the pattern (those starting with a number).
    """
    keys = frozenset(k[:_KEY_LEN] for k in require) if require is not None else word_keys(pattern)
    return Term(name, re.compile(pattern), negatable, historical, keys)


# --- a fast, exact pre-check: which words can a pattern start with? ------------------------------------------
_WORD = re.compile(r"[a-z]+|[0-9]+")  # letters and digits apart: "45yo" is "45", "yo"
_KEY_LEN = 4
_MAX_PREFIXES = 256


def _literal_prefixes(items: list, start: list[str], bounded: bool) -> list[str] | None:
    """Literal strings every match of the parsed `items` begins with (None: cannot tell, or not at a word start)."""
    from re import _constants as C  # the parser's opcodes; only used to read the parse tree

    cur = start
    for i, (op, av) in enumerate(items):
        if op is C.AT:
            if av is C.AT_BOUNDARY and cur == [""]:
                bounded = True
                continue
            break
        if op in (C.ASSERT, C.ASSERT_NOT):
            continue
        if op is C.LITERAL:
            if cur == [""] and not bounded:
                return None
            cur = [p + chr(av) for p in cur]
        elif op is C.IN and cur != [""] and all(o is C.LITERAL for o, _ in av):
            cur = [p + chr(c) for p in cur for _, c in av]
        elif op is C.BRANCH:
            out: list[str] = []
            for branch in av[1]:
                r = _literal_prefixes(list(branch), cur, bounded)
                if r is None:
                    return None
                out += r
            return out if len(out) <= _MAX_PREFIXES else None
        elif op is C.SUBPATTERN:
            return _literal_prefixes(list(av[3]), cur, bounded)
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT) and av[0] == 0:
            once = _literal_prefixes(list(av[2]), cur, bounded)
            skipped = _literal_prefixes(items[i + 1 :], cur, bounded)
            if once is None or skipped is None:
                return None
            return once + skipped
        else:
            break
        if len(cur) > _MAX_PREFIXES:
            return None
    return cur


def word_keys(pattern: str) -> frozenset[str] | None:
    """The `Term.keys` of a pattern, or None when the pattern's start is not a literal word (then: always run)."""
    try:
        from re import _parser  # CPython's own regex parser (3.11+); only the parse tree is read
        parsed = list(_parser.parse(pattern))
    except (ImportError, AttributeError, re.error):
        return None
    prefixes = _literal_prefixes(parsed, [""], False)
    if not prefixes:
        return None
    keys = set()
    for p in prefixes:
        m = _WORD.match(p)
        if m is None:
            return None
        keys.add(m.group()[:_KEY_LEN])
    return frozenset(keys)


class Context:
    """One narrative being assessed: folded text, sentence bounds and a cache of affirmed term hits."""

    def __init__(self, narrative: str) -> None:
        self.text = narrative
        self.low = fold(narrative)
        self._bounds: list[int] | None = None
        self._cache: dict[int, Span | None] = {}
        self._starts: set[str] | None = None

    # --- sentences -------------------------------------------------------------------------------
    def _sentence_bounds(self) -> list[int]:
        if self._bounds is None:
            self._bounds = [m.end() for m in _SENTENCE_END.finditer(self.low)]
        return self._bounds

    def sentence_start(self, pos: int) -> int:
        bounds = self._sentence_bounds()
        i = bisect_right(bounds, pos) - 1
        return bounds[i] if i >= 0 else 0

    def sentence_end(self, pos: int) -> int:
        bounds = self._sentence_bounds()
        i = bisect_right(bounds, pos)
        return bounds[i] if i < len(bounds) else len(self.low)

    # --- scopes ----------------------------------------------------------------------------------
    def _in_scope(self, cue: re.Pattern[str], start: int) -> bool:
        """Is the text at `start` governed by a `cue` earlier in the same sentence?"""
        lo = max(self.sentence_start(start), start - _SCOPE_CHARS)
        window = _PSEUDO.sub(lambda m: " " * len(m.group()), self.low[lo:start])
        last = None
        for last in cue.finditer(window):
            pass
        if last is None:
            return False
        between = window[last.end():]
        if _TERMINATOR.search(between) or _STARTS_ACUTE.match(self.low, start):
            return False
        if last.group() in _NARROW_CUES and _NARROW_END.search(between):
            return False  # 'not eating, lethargic': 'not' governs a verb phrase, not a list
        weak = _WEAK_TERMINATOR.search(between)
        if weak and between[: weak.start()].strip():  # not the auxiliary right after the cue
            return False
        return True

    def negated(self, start: int, end: int) -> bool:
        if _NON_PREFIX.search(self.low, max(0, start - 5), start):
            return True
        if _POST_NEG.match(self.low, end):
            return True
        return self._in_scope(_NEG_CUE, start) or self._in_scope(_HYPO_CUE, start)

    def historical(self, start: int, end: int) -> bool:
        if self._in_scope(_HIST_CUE, start):
            return True
        return bool(_POST_HIST.match(self.low, end, self.sentence_end(end)))

    def affirmed(self, t: Term, start: int, end: int) -> bool:
        if t.negatable and self.negated(start, end):
            return False
        if not t.historical and self.historical(start, end):
            return False
        return True

    # --- lookups ---------------------------------------------------------------------------------
    def may_match(self, t: Term) -> bool:
        """False only when no word of the narrative starts the way every match of `t` must start."""
        if t.keys is None:
            return True
        if self._starts is None:
            self._starts = {w[:i] for w in _WORD.findall(self.low) for i in range(1, _KEY_LEN + 1)}
        return not t.keys.isdisjoint(self._starts)

    def scan(self, t: Term) -> Iterable[re.Match[str]]:
        """Every raw match of `t` (negation is the caller's business), skipping texts that cannot match."""
        return t.regex.finditer(self.low) if self.may_match(t) else ()

    def iter_hits(self, t: Term) -> Iterator[Span]:
        """Every affirmed mention of `t`, in order."""
        if not self.may_match(t):
            return
        for m in t.regex.finditer(self.low):
            if m.end() > m.start() and self.affirmed(t, m.start(), m.end()):
                yield Span(m.start(), m.end())

    def hit(self, t: Term) -> Span | None:
        """First affirmed mention of `t` (cached per term)."""
        key = id(t)  # terms are module-level constants, so identity is a safe and cheap key
        try:
            return self._cache[key]
        except KeyError:
            found = next(self.iter_hits(t), None) if self.may_match(t) else None
            self._cache[key] = found
            return found

    def first(self, *terms: Term) -> Span | None:
        """Earliest affirmed mention among `terms`."""
        spans = [s for s in (self.hit(t) for t in terms) if s is not None]
        return min(spans, key=lambda s: s.start) if spans else None

    def raw(self, t: Term) -> Span | None:
        """First mention of `t`, negated or not (for explicit statements like 'no LOC' that rules read)."""
        m = t.regex.search(self.low)
        return Span(m.start(), m.end()) if m else None

    def after(self, t: Term, pos: int) -> Span | None:
        """First affirmed mention of `t` that starts at or after `pos`."""
        for m in t.regex.finditer(self.low, pos):
            if self.affirmed(t, m.start(), m.end()):
                return Span(m.start(), m.end())
        return None

    def snippet(self, span: Span) -> str:
        return self.text[span.start : span.end]

