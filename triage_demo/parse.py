"""Parse a model's answer in the card's format into a `ParsedOutput`.

Real models drift from the exact format: markdown bold and headers, lower case, "ESI level 2", "ESI-2",
roman numerals, trailing commentary, missing sections, a corrected second answer, output cut off by the
token limit. The parser accepts all of these but never guesses: without an ANSWER line (or with an
ambiguous one such as "ESI 2 or 3") the level is None, and the reward and the evaluator count it as
unparsed rather than as some level.
"""

from __future__ import annotations

import re

from triage_demo.schema import Extraction, ParsedOutput

_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5}

# Markdown decoration that models add around headers and answers.
_MARKUP = re.compile(r"(\*\*|__|`+|^\s{0,3}#{1,6}\s*)", re.MULTILINE)

_EXTRACTION_HDR = re.compile(r"^\s*[-*]?\s*extraction\s*:?", re.IGNORECASE | re.MULTILINE)
_ALGORITHM_HDR = re.compile(r"^\s*[-*]?\s*esi\s+algorithm\s*:?", re.IGNORECASE | re.MULTILINE)

# "ANSWER: ESI 2", "Final answer - ESI level II", "answer: esi-2", "ANSWER: 3".
_END = r"(?![\w]|\.\d)"  # "ESI 2." and "ESI IV," end a level; "ESI 2.5" and "ESI Is" do not
_ANSWER = re.compile(
    r"^[ \t]*[-*>]?[ \t]*(?:final[ \t]+)?answer[ \t]*[:：\-–=]?[ \t]*"
    r"(?:esi|emergency[ \t]+severity[ \t]+index)?[ \t]*(?:level)?[ \t]*[:#\-–]?[ \t]*"
    r"(?P<level>[1-5]|v|iv|i{1,3})" + _END + r"(?P<rest>[^\n]*)",
    re.IGNORECASE | re.MULTILINE,
)
# A second level right after the first ("ESI 2 or 3", "2-3", "2/3") makes the answer ambiguous.
_AMBIGUOUS = re.compile(r"^[ \t]*(?:or|/|-|–|to)[ \t]*(?:esi[ \t]*(?:level[ \t]*)?)?(?:[1-5]" + _END + r"|(?:v|iv|i{1,3})[ \t]*(?:$|[.,;)]))", re.I)

_FIELD = re.compile(
    r"^\s*[-*•]?\s*(?P<key>chief\s+complaint|vital\s+signs|vitals|red\s+flags)\s*[:：]\s*(?P<val>.*)$",
    re.IGNORECASE | re.MULTILINE,
)
_STEP = re.compile(
    r"^\s*[-*•]?\s*step\s+(?P<key>[a-d])\b[^:：\n]*[:：]\s*(?P<val>.*)$",
    re.IGNORECASE | re.MULTILINE,
)
_FIELD_NAMES = {"chief complaint": "chief_complaint", "vital signs": "vital_signs", "vitals": "vital_signs",
                "red flags": "red_flags"}


def _level(token: str) -> int:
    token = token.lower()
    return int(token) if token.isdigit() else _ROMAN[token]


def parse_answer(text: str) -> int | None:
    """The ESI level of the last ANSWER line, or None when there is none or it is ambiguous."""
    matches = list(_ANSWER.finditer(_MARKUP.sub("", text)))
    if not matches:
        return None
    last = matches[-1]
    if _AMBIGUOUS.match(last.group("rest")):
        return None
    return _level(last.group("level"))


def parse_output(text: str) -> ParsedOutput:
    """Parse a full model answer. Never raises on any string."""
    clean = _MARKUP.sub("", text or "")
    fields: dict[str, str] = {}
    for m in _FIELD.finditer(clean):
        fields.setdefault(_FIELD_NAMES[re.sub(r"\s+", " ", m.group("key").lower())], m.group("val").strip())
    steps: dict[str, str] = {}
    for m in _STEP.finditer(clean):
        steps.setdefault(m.group("key").upper(), m.group("val").strip())
    answer_matches = list(_ANSWER.finditer(clean))
    return ParsedOutput(
        esi=parse_answer(clean),
        extraction=Extraction(**fields),
        steps=dict(sorted(steps.items())),
        has_extraction=bool(_EXTRACTION_HDR.search(clean)),
        has_algorithm=bool(_ALGORITHM_HDR.search(clean)),
        has_answer=bool(answer_matches),
    )
