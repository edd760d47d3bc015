"""Who the patient is and how they came: age (years/months/weeks/days, '67M', 'newborn'), sex, arrival mode.

Age is the first age stated in the note (the patient's own age comes first in triage notes); durations such as
'for 3 months' or '9 weeks pregnant' are not ages. Sex comes from the age shorthand or the words next to the age
first, then sex words and anatomy, then pronouns (skipped when a caregiver is mentioned: 'mom brings her son').
"""

from __future__ import annotations

import re

from triage_demo.esi.text import Context, Span, number, term

_NUM = r"(?<![\d.,/])(?P<v>\d{1,3}(?:\.\d)?)"
_DURATION_BEFORE = re.compile(
    r"(?:\b(?:for|x|past|last|over|since|in|within|after|every|each|about|approximately|pregnant|gestation)|×)\s*$")
_NOT_AGE_AFTER = r"(?!\s*(?:ago|pregnant|gestation|postpartum|post|of|since|history|duration))"
_CHILD_BEFORE = re.compile(r"(?:^|\b(?:infant|baby|toddler|child|boy|girl|son|daughter|newborn|neonate|pt|patient)"
                           r"[,:]?\s*(?:is\s+|aged?\s+)?)\s*$")
# (regex, years per unit, guard): 'duration' skips "for 3 mo"; 'child' needs a child noun or the text start before.
_AGE_FORMS = [
    (_NUM + r"\s*-?\s*(?:years?|yrs?|yr|y)\s*-?\s*(?:old|of age)\b", 1.0, None),
    (_NUM + r"\s*(?:yo|y/o|y\.o\.|yof|yom|yowm|yowf|yrs? old)(?![a-z])", 1.0, None),
    (r"\b(?:aged?|age:)\s*(?P<v>\d{1,3})\b", 1.0, None),
    (_NUM + r"\s*-?\s*(?:months?|mos?|mths?)\s*-?\s*old\b", 1 / 12, None),
    (_NUM + r"\s*(?:m/o|mo\.|mos?|mths?)(?![a-z])" + _NOT_AGE_AFTER, 1 / 12, "duration"),
    (_NUM + r"\s*months?\b" + _NOT_AGE_AFTER, 1 / 12, "child"),
    (_NUM + r"\s*-?\s*(?:weeks?|wks?)\s*-?\s*old\b", 7 / 365.25, None),
    (_NUM + r"\s*(?:w/o|wks?)(?![a-z])" + _NOT_AGE_AFTER, 7 / 365.25, "duration"),
    (_NUM + r"\s*weeks?\b" + _NOT_AGE_AFTER, 7 / 365.25, "child"),
    (_NUM + r"\s*-?\s*(?:days?|d)\s*-?\s*old\b", 1 / 365.25, None),
    (_NUM + r"\s*d/o\b", 1 / 365.25, None),
    (r"\b(?:dol|day of life)\s*(?P<v>\d{1,2})\b", 1 / 365.25, None),
]
# One scan for all forms: alternative i is group "a{i}" with its number in group "v{i}".
# Every form has a unit word starting with one of y/m/w/d/a/o ('yo', 'months', 'wk', 'days', 'aged', 'old').
_AGE = term("age", "|".join(f"(?P<a{i}>{p.replace('(?P<v>', f'(?P<v{i}>')})" for i, (p, _, _) in enumerate(_AGE_FORMS)),
            negatable=False, require=("y", "m", "w", "d", "a", "o"))
_AGE_SEX_SHORT = re.compile(r"(?<![\w.,/:])(?P<v>\d{1,3})\s?(?P<s>[MF])(?![\w°])")  # case-sensitive: '67M', '45 F'
_AGE_AFTER_NOUN = re.compile(r"\b(?:man|woman|male|female|gentleman|lady|boy|girl|pt|patient)\s*,\s*(?:aged?\s*)?"
                             r"(?P<v>\d{1,3})\s*(?=[,;)]|$|\s+(?:with|who|c/o|presents|brought|here|from|yo\b))")
_AGE_DECADE = re.compile(r"\bin (?:his|her|their) (?:early |mid |late )?(?P<v>[1-9])0s\b")
_NEWBORN = re.compile(r"\b(?:newborn|neonate|new-born)\b")
_AGE_WORD_HINT = [  # no number: only used to choose the vital-sign band and age-dependent work-ups
    (re.compile(r"\b(?:infant|baby)\b"), 0.5),
    (re.compile(r"\btoddler\b"), 2.0),
    (re.compile(r"\b(?:elderly|nursing home|assisted living)\b"), 75.0),
]
_SEX_NEAR_AGE = re.compile(
    r"\s*-?\s*(?:(?P<m>m|male|man|boy|gentleman|husband|son|father)|(?P<f>f|female|woman|girl|lady|wife|daughter|"
    r"mother))\b")
_SEX_WORD = re.compile(r"\b(?:(?P<m>male|man|boy|gentleman|mr)|(?P<f>female|woman|girl|lady|mrs|ms|pregnant|postpartum))\b")
_SEX_ORGAN = re.compile(r"\b(?:(?P<m>testic\w*|scrot\w*|penile|penis|prostat\w*)|(?P<f>vagina\w*|lmp|uterus|ovar\w*|"
                        r"menstrua\w*))\b")
_PRONOUN = re.compile(r"\b(?:(?P<m>he|his|him)|(?P<f>she|her|hers))\b")
_CAREGIVER = re.compile(r"\b(?:mom|mother|father|dad|parents?|wife|husband|grandm\w+|caregiver|family)\b")

# --- arrival --------------------------------------------------------------------------------------
_ARRIVAL = [
    ("transfer", term("arrival_transfer", r"\btransfer(?:red)? (?:from|in)\b|\boutside hospital\b|\bosh\b", negatable=False)),
    ("air", term("arrival_air", r"\b(?:helicopter|air ambulance|medevac|airlifted|life ?flight|flight crew)\b", negatable=False)),
    ("ambulance", term("arrival_ambulance", r"\b(?:ambulance|ems|biba|bibems|paramedics?|medics|fire rescue)\b", negatable=False)),
    ("police", term("arrival_police", r"\b(?:by|with|via|in) police\b|\bpolice (?:brought|escort)", negatable=False)),
    ("walk-in", term("arrival_walk_in", r"\bwalk(?:ed|s)?[- ]?in\b|\bwalked (?:into|to)\b|\bambulatory (?:to|into|in)\b|"
                           r"\bself[- ]present\w*|\bself[- ]referr\w*", negatable=False)),
    ("brought by family", term("arrival_brought_by_family", 
        r"\b(?:brought|carried|carries|carrying|brings|bring)\b[^.;\n]{0,25}?\b(?:parents?|mother|mom|father|dad|family|"
        r"wife|husband|daughter|son|friends?|caregiver|grand\w+|partner|roommate|neighbou?r|aunt|uncle)\b|"
        r"\b(?:parents?|mother|mom|father|dad|wife|husband|family|friends?|caregiver|grand\w+)\s+(?:brings?|brought|"
        r"carries|carried|carry)\b", negatable=False)),
    ("private vehicle", term("arrival_private_vehicle", r"\b(?:private (?:vehicle|car)|drove (?:himself|herself|themselves|here)|by car|"
                                   r"driven (?:in |here )?by)\b", negatable=False)),
]


def age(ctx: Context) -> tuple[float, Span] | None:
    best: tuple[float, Span] | None = None
    for m in ctx.scan(_AGE):
        i = int(str(m.lastgroup)[1:])
        _, per_unit, guard = _AGE_FORMS[i]
        before = ctx.low[max(0, m.start() - 24) : m.start()]
        if guard == "duration" and _DURATION_BEFORE.search(before):
            continue
        if guard == "child" and not (m.start() < 3 or _CHILD_BEFORE.search(before)):
            continue
        years = number(m.group(f"v{i}")) * per_unit
        if 0 <= years <= 120:
            best = (round(years, 4), Span(m.start(), m.end()))
            break
    m2 = _AGE_SEX_SHORT.search(ctx.text)
    if m2:
        v = int(m2.group("v"))
        temp_like = m2.group("s") == "F" and 86 <= v <= 113
        if not temp_like and v <= 120 and (best is None or m2.start() < best[1].start):
            best = (float(v), Span(m2.start(), m2.end()))
    m5 = _AGE_AFTER_NOUN.search(ctx.low)
    if m5 and 0 < int(m5.group("v")) <= 110 and (best is None or m5.start() < best[1].start):
        best = (float(m5.group("v")), Span(m5.start("v"), m5.end("v")))
    m3 = _AGE_DECADE.search(ctx.low)
    if m3 and (best is None or m3.start() < best[1].start):
        best = (int(m3.group("v")) * 10 + 5.0, Span(m3.start(), m3.end()))
    if best is None:
        m4 = _NEWBORN.search(ctx.low)
        if m4:
            best = (0.0, Span(m4.start(), m4.end()))
    return best


def sex(ctx: Context, age_span: Span | None) -> tuple[str, Span] | None:
    """Sex next to the age ('67M', '45 yo F', '14-month-old son') first, then sex words, anatomy, pronouns."""
    if age_span is not None:
        if _AGE_SEX_SHORT.fullmatch(ctx.text, age_span.start, age_span.end):
            return ctx.text[age_span.end - 1], age_span
        age_text = ctx.low[age_span.start : age_span.end]
        if age_text.endswith(("yom", "yowm")):
            return "M", age_span
        if age_text.endswith(("yof", "yowf")):
            return "F", age_span
        m = _SEX_NEAR_AGE.match(ctx.low, age_span.end)
        if m:
            return ("M" if m.group("m") else "F"), Span(m.start(), m.end())
    for rx in (_SEX_WORD, _SEX_ORGAN):
        m = rx.search(ctx.low)
        if m:
            return ("M" if m.group("m") else "F"), Span(m.start(), m.end())
    if _CAREGIVER.search(ctx.low):  # 'mom brings her son': pronouns may be the caregiver's
        return None
    counts = {"M": 0, "F": 0}
    first: dict[str, Span] = {}
    for m in _PRONOUN.finditer(ctx.low):
        k = "M" if m.group("m") else "F"
        counts[k] += 1
        first.setdefault(k, Span(m.start(), m.end()))
    if counts["M"] == counts["F"]:
        return None
    k = "M" if counts["M"] > counts["F"] else "F"
    return k, first[k]


def arrival(ctx: Context) -> tuple[str, Span] | None:
    for label, t in _ARRIVAL:
        for m in ctx.scan(t):
            if not ctx.negated(m.start(), m.end()):
                return label, Span(m.start(), m.end())
    return None


def age_hint(ctx: Context) -> float | None:
    """A stand-in age from words alone ('infant', 'toddler', 'elderly'), used only to pick vital-sign bands."""
    for rx, years in _AGE_WORD_HINT:
        if rx.search(ctx.low):
            return years
    return None
