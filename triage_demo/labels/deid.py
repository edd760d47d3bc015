"""Offline de-identification of triage narratives: HIPAA Safe Harbor identifiers become typed placeholders.

Why rules and word lists instead of a model: the Space and the retraining job run without network access to model
hubs, and a de-identifier has to be predictable enough to test. Each detector proposes spans; overlapping spans
are resolved longest-first; spans that would cut into clinical content (vitals, doses, pain scores) are dropped
unless they are unambiguous identifiers (e-mail, URL, IP, SSN, phone). Names found in one strong context
("Mr. Kowalski") are then removed everywhere else in the text, except where they are eponyms ("Murphy's sign").

Placeholders: [NAME] [DATE] [PHONE] [EMAIL] [ADDRESS] [ID] [SSN] [IP] [URL] [ZIP]; ages over 89 become "90+".
Years on their own are kept (Safe Harbor allows them), except a year of birth.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

from triage_demo.labels import deid_lexicons as lex

AGE_PLACEHOLDER = "90+"
KINDS: tuple[str, ...] = ("EMAIL", "URL", "IP", "SSN", "PHONE", "DATE", "ADDRESS", "ZIP", "ID", "AGE", "NAME")
#: Kinds whose patterns cannot be mistaken for clinical content; they win even inside a protected span.
_STRONG_KINDS = frozenset({"EMAIL", "URL", "IP", "SSN", "PHONE"})


@dataclass(frozen=True)
class Replacement:
    """One identifier removed: its kind, the original text and where it was (offsets in the input)."""

    kind: str
    original: str
    start: int
    end: int

    @property
    def placeholder(self) -> str:
        return AGE_PLACEHOLDER if self.kind == "AGE" else f"[{self.kind}]"


@dataclass(frozen=True)
class DeidResult:
    text: str
    replacements: tuple[Replacement, ...]


def deidentify(text: str) -> DeidResult:
    """Return `text` with every identifier the rules find replaced, and the list of replacements."""
    protected = _protected_spans(text)
    chosen = _resolve(_candidates(text), protected)
    chosen = _resolve(chosen + list(_propagate_names(text, chosen)), protected)
    out: list[str] = []
    pos = 0
    for r in chosen:
        out.append(text[pos : r.start])
        out.append(r.placeholder)
        pos = r.end
    out.append(text[pos:])
    return DeidResult(text="".join(out), replacements=tuple(chosen))


def deid_text(text: str) -> str:
    """Just the de-identified text."""
    return deidentify(text).text


# ---------------------------------------------------------------------------------------------------------------
# shared pieces
_UP = "A-ZÀ-ÖØ-Þ"  # Latin-1 capitals, so "Lucía", "Montréal" and "Øvrebø" are words like any other
_LO = "a-zß-öø-ÿ\u0100-\u017f"
_PARTICLES = r"(?:van|von|der|den|de|del|della|da|das|dos|du|di|la|le|bin|ibn|al|el)"
_PARTICLE = rf"{_PARTICLES}(?=(?:[ \t]+{_PARTICLES})*[ \t]+[A-Z])"  # only inside a name: "van der Berg"
_NAME_TOK = (
    rf"(?<![\w'’.-])(?:[{_UP}][{_LO}]*['’][{_UP}][{_LO}]+|(?:Mc|Mac)?[{_UP}][{_LO}]+(?:-[{_UP}{_LO}][{_LO}]+)?"
    rf"|[{_UP}]\.|{_PARTICLE})"
)
_NAME_SEQ = rf"{_NAME_TOK}(?:[ \t]+{_NAME_TOK}){{0,3}}"
#: "Quispe, Xiomara": the family name first, as registration forms write it.
_NAME_SEQ_LAST_FIRST = rf"{_NAME_SEQ}(?:,[ \t]*{_NAME_TOK}(?:[ \t]+{_NAME_TOK})?(?![ \t]*[{_LO}]))?"
_TOKEN_RE = re.compile(_NAME_TOK)
_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December|"
    r"JANUARY|FEBRUARY|MARCH|APRIL|MAY|JUNE|JULY|AUGUST|SEPTEMBER|OCTOBER|NOVEMBER|DECEMBER|"
    r"(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?)"
)
_MONTH_FULL = r"(?:January|February|March|April|June|July|August|September|October|November|December)"
_WEEKDAY = r"(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day"
_DAY = r"(?:3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)?"
_YEAR = r"(?:19|20)\d{2}"


def _span(m: re.Match[str], kind: str, group: str | int = 0) -> Replacement:
    return Replacement(kind, m.group(group), m.start(group), m.end(group))


def _finditer(pattern: re.Pattern[str], text: str, kind: str, group: str | int = 0) -> Iterator[Replacement]:
    for m in pattern.finditer(text):
        if m.group(group):
            yield _span(m, kind, group)


def _candidates(text: str) -> list[Replacement]:
    found: list[Replacement] = []
    for detector in (_contacts, _ids, _dates, _ages, _places, _names):
        found.extend(detector(text))
    return found


def _resolve(spans: Iterable[Replacement], protected: "_Intervals") -> list[Replacement]:
    """Keep non-overlapping spans, longest first (then by kind priority); drop soft spans inside clinical text."""
    order = {k: i for i, k in enumerate(KINDS)}
    kept: list[Replacement] = []
    taken = _Intervals()
    for s in sorted(set(spans), key=lambda r: (-(r.end - r.start), order[r.kind], r.start)):
        if s.start >= s.end or taken.overlaps(s.start, s.end):
            continue
        if s.kind not in _STRONG_KINDS and protected.overlaps(s.start, s.end):
            continue
        kept.append(s)
        taken.add(s.start, s.end)
    return sorted(kept, key=lambda r: r.start)


class _Intervals:
    """Sorted, non-overlapping [start, end) intervals with an O(log n) overlap test (texts can hold thousands)."""

    def __init__(self, spans: Iterable[tuple[int, int]] = ()) -> None:
        self._starts: list[int] = []
        self._ends: list[int] = []
        for start, end in sorted(spans):  # merge overlapping input spans
            if self._ends and start < self._ends[-1]:
                self._ends[-1] = max(self._ends[-1], end)
            else:
                self._starts.append(start)
                self._ends.append(end)

    def overlaps(self, start: int, end: int) -> bool:
        i = bisect.bisect_right(self._starts, start)
        if i > 0 and self._ends[i - 1] > start:
            return True
        return i < len(self._starts) and self._starts[i] < end

    def add(self, start: int, end: int) -> None:
        """Add an interval known not to overlap any present one."""
        i = bisect.bisect_right(self._starts, start)
        self._starts.insert(i, start)
        self._ends.insert(i, end)


# ---------------------------------------------------------------------------------------------------------------
# clinical content that must survive
_VITALS_RE = re.compile(
    r"(?i:\b(?:BP|B/P|blood pressure|HR|heart rate|pulse|RR|resp(?:iratory)? rate|SpO2|SaO2|O2 sat(?:uration)?|"
    r"sats?|pulse ox|GCS|Glasgow(?: Coma Scale)?|T|temp(?:erature)?|Tmax|glucose|BGL|FSBG|CBG|EtCO2|pH|INR|Hgb|Hb|"
    r"WBC|lactate|troponin|peak flow|PEFR|pain(?: score)?|NIHSS|CIWA|COWS|weight|wt))"
    r"[ \t]*(?:is|was|of|at|=|:)?[ \t]*\d+(?:\.\d+)?(?:[ \t]*/[ \t]*\d+(?:\.\d+)?)?"
)
_DOSE_RE = re.compile(
    r"\b\d+(?:\.\d+)?[ \t]*(?:mg|mcg|µg|ug|g|kg|lbs?|mL|ml|L|units?|mEq|mmol|mmHg|cm|mm|bpm|°[CF]?|%)(?![A-Za-z])"
    r"|\b\d+\.\d+[ \t]*[CF]\b"
)
_PAIN_RE = re.compile(r"(?i:\b(?:pain|rated|rates|scale|severity)\b[^.\n]{0,20}?)\b(\d{1,2}[ \t]*/[ \t]*10)\b")
_PAIN_AFTER_RE = re.compile(r"\b(\d{1,2}[ \t]*/[ \t]*10)[ \t]+(?i:pain)")


def _protected_spans(text: str) -> _Intervals:
    spans = [m.span() for m in _VITALS_RE.finditer(text)]
    spans += [m.span() for m in _DOSE_RE.finditer(text)]
    spans += [m.span(1) for m in _PAIN_RE.finditer(text)]
    spans += [m.span(1) for m in _PAIN_AFTER_RE.finditer(text)]
    return _Intervals(spans)


# ---------------------------------------------------------------------------------------------------------------
# e-mail, URL, IP, SSN, phone
# Lengths are bounded (RFC limits) so that junk such as "x.x.x.x..." cannot make a match attempt scan the whole text.
_EMAIL_RE = re.compile(
    r"(?<![\w.%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}\b"
)
_URL_RE = re.compile(
    r"(?i:\b(?:https?://|www\.)[^\s<>\"']+|(?<![\w.-])[a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63}){0,6}"
    r"\.(?:com|org|net|edu|gov|io|us|info|health)\b(?:/[^\s<>\"']*)?)"
)
_IPV4_RE = re.compile(r"(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?![\d.]*\d)")
_IPV6_RE = re.compile(
    r"(?i)(?<![\w:])(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}(?![\w:])|(?<![\w:])(?:[0-9a-f]{1,4}:){1,6}:(?:[0-9a-f]{1,4})?"
    r"(?:(?::[0-9a-f]{1,4}){1,5})?(?![\w:])"
)
_SSN_RE = re.compile(r"(?<![\d-])\d{3}-\d{2}-\d{4}(?![\d-])")
_SSN_KEYED_RE = re.compile(
    r"(?i:\b(?:SSN|SS#|social security(?:[ \t]+(?:number|no\.?|#))?))[ \t]*(?:is|:|#)?[ \t]*"
    r"(?P<v>\d{3}[ \t.-]?\d{2}[ \t.-]?\d{4})\b"
)
_PHONE_RE = re.compile(
    r"(?<![\w+])(?:\+?1[ \t.-]?)?(?:\(\d{3}\)[ \t]?|\d{3}[ \t.-])\d{3}[ \t.-]\d{4}(?!\d)"
    r"(?:[ \t]*(?:ext\.?|x)[ \t]*\d{1,5})?"
    r"|\+\d{1,3}(?:[ \t.-]\d{1,4}){2,5}(?![\d])"
    r"|(?<![\w/.-])\d{3}-\d{4}(?![\w/-])"
)


_PHONE_KEYED_RE = re.compile(
    r"(?i:\b(?:phone|tel|telephone|cell|mobile|fax|pager|call[ \t]+back|callback|reach(?:ed)?[ \t]+at))"
    r"(?i:[ \t]+(?:number|no\.?|#))?(?:[ \t]+is)?[ \t]*[:#]?[ \t]*"
    r"(?P<v>\+?(?:\(\d{1,4}\)|\d{1,4})(?:[ .-]?(?:\(\d{1,4}\)|\d{1,4})){1,5})(?![\d/])"  # digits counted later
)


def _contacts(text: str) -> Iterator[Replacement]:
    yield from _finditer(_EMAIL_RE, text, "EMAIL")
    for m in _URL_RE.finditer(text):
        url = m.group(0).rstrip(".,;:!?)]}'\"")
        yield Replacement("URL", url, m.start(), m.start() + len(url))
    yield from _finditer(_IPV4_RE, text, "IP")
    for m in _IPV6_RE.finditer(text):
        if m.group(0).count(":") >= 2 and re.search(r"[a-fA-F]|::", m.group(0)):  # not a clock time like 10:22:05
            yield _span(m, "IP")
    yield from _finditer(_SSN_RE, text, "SSN")
    yield from _finditer(_SSN_KEYED_RE, text, "SSN", "v")
    yield from _finditer(_PHONE_RE, text, "PHONE")
    for m in _PHONE_KEYED_RE.finditer(text):
        if 7 <= sum(ch.isdigit() for ch in m.group("v")) <= 15:
            yield _span(m, "PHONE", "v")


# ---------------------------------------------------------------------------------------------------------------
# record, account, insurance, licence and other numbers
_ID_KEYWORDS = (
    r"MRN|medical[ \t]+record|record|chart|account|acct\.?|insurance(?:[ \t]+member)?|member|policy|group|medicaid|"
    r"medicare|MBI|subscriber|beneficiary|claim|driver['’]?s?[ \t]+licen[cs]e|licen[cs]e(?:[ \t]+plate)?|plate|"
    r"tag|VIN|passport|employee|student|badge|serial|device|NPI|DEA|certificate|case|visit|encounter|FIN|CSN|"
    r"registration|ID|health[ \t]+plan|run|incident|ticket|accession|specimen|requisition|reference|ref"
)
_ID_KEYED_RE = re.compile(
    rf"(?i:\b(?:{_ID_KEYWORDS})(?:[ \t]*(?:number|num|no\.?|ID|#))*)[ \t]*[:#=]?[ \t]*(?:is[ \t]+)?"
    r"(?:[A-Z]{2}[ \t]+(?=[A-Z0-9-]*\d))?"  # a licence plate's state: "plate CA 5XYZ123"
    r"(?P<v>(?=[A-Za-z0-9-]*\d)[A-Za-z0-9][A-Za-z0-9-]{2,}[A-Za-z0-9])(?![\w.]*\d)"
)
_ID_PATTERNS = (
    re.compile(r"(?<![\w.,/-])\d{7,}(?![\w/-]|[.,]\d)"),  # long digit runs: no vital sign or dose is 7+ digits
    re.compile(r"\b[A-Z]{1,3}-?\d{5,}[A-Z]?\b"),  # letter prefix + 5+ digits
    re.compile(r"\b(?=[A-Z0-9-]*\d)(?=[A-Z0-9-]{8,}\b)[A-Z0-9]{2,}(?:-[A-Z0-9]{2,}){2,}\b"),  # XXX-9999-99 shapes
    re.compile(r"\b\d{4}([ -])\d{4}\1\d{4}\1\d{1,4}\b"),  # card-like digit groups
    re.compile(r"(?<=#)[ \t]?[A-Za-z0-9-]*\d{4,}[A-Za-z0-9-]*"),  # "#2024-118822"
)


def _ids(text: str) -> Iterator[Replacement]:
    yield from _finditer(_ID_KEYED_RE, text, "ID", "v")
    for pattern in _ID_PATTERNS:
        yield from _finditer(pattern, text, "ID")


# ---------------------------------------------------------------------------------------------------------------
# dates finer than a year
_DATE_PATTERNS = (
    re.compile(rf"\b(?:{_WEEKDAY},?[ \t]+)?{_MONTH}[ \t]+{_DAY}(?:,?[ \t]+{_YEAR})?(?![\d:])"),
    re.compile(rf"\b(?:{_WEEKDAY},?[ \t]+)?(?:the[ \t]+)?{_DAY}[ \t]+(?:of[ \t]+)?{_MONTH}(?:,?[ \t]+{_YEAR})?\b"),
    re.compile(rf"\b{_MONTH},?[ \t]+{_YEAR}\b"),
    re.compile(rf"\b{_WEEKDAY},?[ \t]+the[ \t]+(?:3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)\b"),
    re.compile(r"(?<![\d/.-])(?:\d{1,2}[/-]\d{1,2}[/-](?:\d{4}|\d{2})|\d{4}[/-]\d{1,2}[/-]\d{1,2})(?![\d/-])"),
    re.compile(r"(?<![\d.])\d{1,2}\.\d{1,2}\.\d{4}(?![\d.])"),
    re.compile(r"(?<![\d/.])(?:0?[1-9]|1[0-2])/(?:19|20)\d{2}(?![\d/])"),
    re.compile(
        r"(?i:\b(?:christmas(?:[ \t]+(?:eve|day))?|thanksgiving(?:[ \t]+day)?|"
        r"new[ \t]+year['’]?s(?:[ \t]+(?:eve|day))?|halloween|easter(?:[ \t]+sunday)?|independence[ \t]+day|"
        r"valentine['’]?s[ \t]+day|labor[ \t]+day|memorial[ \t]+day|hanukkah|diwali))\b"
    ),
)
_DATE_CONTEXT_MD_RE = re.compile(
    rf"(?i:\b(?:on|since|from|dated|until|till|before|after|by|DOB|d\.o\.b\.?|admitted|discharged|visit(?:ed)?|seen|"
    rf"born|through|thru|starting|effective|{_WEEKDAY}))[,:]?[ \t]+(?:the[ \t]+)?(?P<v>\d{{1,2}}/\d{{1,2}})(?![/\d])"
)
_DOB_RE = re.compile(
    rf"(?i:\b(?:DOB|D\.O\.B\.?|date[ \t]+of[ \t]+birth|born(?:[ \t]+(?:in|on))?|birth[ \t]*year))[ \t]*[:#]?[ \t]*"
    rf"(?P<v>{_YEAR})\b"
)
_MONTH_CONTEXT_RE = re.compile(
    rf"(?i:\b(?:in|since|during|early|late|mid|mid-|last|this|next|until|of))[ \t]+(?P<v>{_MONTH_FULL})\b(?![ \t]*\d)"
)


def _dates(text: str) -> Iterator[Replacement]:
    for pattern in _DATE_PATTERNS:
        for m in pattern.finditer(text):
            if _plausible_date(m.group(0)):
                yield _span(m, "DATE")
    for m in _DATE_CONTEXT_MD_RE.finditer(text):
        month, day = (int(x) for x in m.group("v").split("/"))
        pain_nearby = re.search(r"(?i)pain|scale|rated|score", text[max(0, m.start() - 25) : m.end() + 15])
        if 1 <= month <= 12 and 1 <= day <= 31 and not (day == 10 and pain_nearby):
            yield _span(m, "DATE", "v")
    yield from _finditer(_DOB_RE, text, "DATE", "v")
    yield from _finditer(_MONTH_CONTEXT_RE, text, "DATE", "v")


def _plausible_date(s: str) -> bool:
    """Numeric dates must have a month 1-12 in one of the first two fields and days 1-31 (not "BP 12/95/60")."""
    parts = re.split(r"[/.-]", s)
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return True  # a date written with a month name
    a, b, c = (int(p) for p in parts)
    if len(parts[0]) == 4:  # ISO order
        return 1 <= b <= 12 and 1 <= c <= 31
    return (1 <= a <= 12 and 1 <= b <= 31) or (1 <= b <= 12 and 1 <= a <= 31)


# ---------------------------------------------------------------------------------------------------------------
# ages over 89
_AGE_UNIT = (
    r"(?:[ \t]*-?[ \t]*(?:years?|yrs?|y)[ \t]*-?[ \t]*(?:old|o\b|/o\b|\.o\.)"  # 92-year-old, 92 yrs old, 92 y/o
    r"|[ \t]*(?:yo|y/o|y\.o\.)(?:[MF]\b|\b)|-?yo\b)"  # 92 yo, 92yoF
)
_AGE_NUM_RE = re.compile(rf"(?<![\d.])(?P<v>\d{{2,3}})(?={_AGE_UNIT})")
_AGE_KEYED_RE = re.compile(r"(?i:\b(?:aged?|age:))[ \t]*:?[ \t]*(?P<v>\d{2,3})\b(?!\.\d)")
_AGE_PREDICATE_RE = re.compile(
    r"(?:,[ \t]*|(?i:\b(?:she|he|they|patient|pt|who)[ \t]+))(?i:is|was|turned|turns)[ \t]+(?P<v>\d{2,3})"
    r"(?=[ \t]*[.,;]|[ \t]+(?:and|but|with|today)\b)"
)
# "92F" only where an age is expected (sentence start, "a 92F"): elsewhere 92F is a temperature.
_AGE_SEX_RE = re.compile(
    r"(?:^|(?<=[.:;!?]\s)|(?<=\b[Aa]\s)|(?<=\b[Aa]n\s)|(?<=\b[Pp]t\s))(?P<v>\d{2,3})[ \t]?[MF]\b"
)
_AGE_AFTER_NAME_RE = re.compile(rf"(?:{_NAME_TOK}|\))[ \t]*,[ \t]*(?P<v>\d{{2,3}})(?=[ \t]*[,;)])")
_AGE_DECADE_RE = re.compile(
    r"(?i:\bin[ \t]+(?:his|her|their|the)[ \t]+(?:(?:early|mid|late)[ \t-]+)?)"
    r"(?P<v>(?:9\d|1[01]\d)0s|nineties|hundreds)"
)
_NUMBER_WORDS = r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen)"
_AGE_WORDS_RE = re.compile(
    rf"(?i:\b(?P<v>ninety(?:[ \t-]+{_NUMBER_WORDS})?"
    rf"|(?:one|a)[ \t-]+hundred(?:[ \t-]+(?:and[ \t-]+)?{_NUMBER_WORDS})?))"
    r"(?=[ \t-]+(?i:years?|yrs?|yo|y/o|y\.o\.)(?![\w/]))"
)


def _ages(text: str) -> Iterator[Replacement]:
    for pattern in (_AGE_NUM_RE, _AGE_KEYED_RE, _AGE_PREDICATE_RE, _AGE_SEX_RE, _AGE_AFTER_NAME_RE):
        for m in pattern.finditer(text):
            already_aggregated = text.startswith("+", m.end("v"))  # "90+" (de-identifying twice changes nothing)
            if 90 <= int(m.group("v")) <= 130 and not already_aggregated:
                yield _span(m, "AGE", "v")
    yield from _finditer(_AGE_DECADE_RE, text, "AGE", "v")
    yield from _finditer(_AGE_WORDS_RE, text, "AGE", "v")


# ---------------------------------------------------------------------------------------------------------------
# addresses, towns, ZIP codes, named facilities
_STREET_SUFFIX = (
    r"(?:Street|Avenue|Road|Boulevard|Lane|Drive|Court|Terrace|Circle|Parkway|Highway|Square|Trail|Alley|Crescent|"
    r"Loop|Pike|Plaza|Way|Place|Row|(?:St|Ave|Rd|Blvd|Ln|Dr|Ct|Pl|Ter|Cir|Pkwy|Hwy|Sq|Trl)\.?)"
)
_STREET_RE = re.compile(
    r"(?<![\d/.-])\d{1,6}[A-Za-z]?[ \t]+(?:(?:N|S|E|W|North|South|East|West)\.?[ \t]+)?"
    rf"(?:[A-Z][a-z]+|\d{{1,3}}(?:st|nd|rd|th))(?:[ \t]+[A-Z][a-z]+){{0,3}}[ \t]+{_STREET_SUFFIX}(?![a-z])"
    r"(?:[ \t]+(?:NW|NE|SW|SE|N|S|E|W)\b)?"
    r"(?:,?[ \t]*(?:Apt|Apartment|Unit|Suite|Ste|Rm|Room|Bldg|Floor|Fl|#)\.?[ \t]*#?[A-Za-z0-9-]+)?"
)
_STREET_PREFIX_RE = re.compile(
    r"(?<![\d/.-])\d{1,6}[A-Za-z]?,?[ \t]+(?:Rue|Calle|Avenida|Av\.|Avenue|Via|Rua|Chemin|Carrer|Strada|Ulica)"
    rf"(?:[ \t]+(?:{_PARTICLE}|[{_UP}][{_LO}]+(?:-[{_UP}][{_LO}]+)*|St-[{_UP}][{_LO}]+)){{1,4}}"
)
_PO_BOX_RE = re.compile(r"(?i:\bP\.?[ \t]?O\.?[ \t]*Box)[ \t]+\d+")
_ZIP = r"\d{5}(?:-\d{4})?"
_TOWN = r"[A-Z][a-z]+(?:[ \t]+[A-Z][a-z]+){0,2}"
_TOWN_STATE_RE = re.compile(
    rf"\b(?P<c>{_TOWN}),[ \t]*(?:{lex.STATE_NAMES}|{lex.STATE_CODES_SAFE})\b(?:[ \t]+(?P<z>{_ZIP})\b)?"
    rf"|\b(?P<c2>{_TOWN}),[ \t]*(?:{lex.STATE_CODES_AMBIGUOUS})[ \t]+(?P<z2>{_ZIP})\b"
)
_ZIP_KEYED_RE = re.compile(rf"(?i:\b(?:zip(?:[ \t]*code)?|postal[ \t]+code))[ \t]*[:#]?[ \t]*(?P<v>{_ZIP})\b")
_ZIP4_RE = re.compile(r"(?<![\d-])\d{5}-\d{4}(?![\d-])")
_PLACE_CONTEXT_RE = re.compile(
    r"(?i:\b(?:lives|living|resides|residing|resident|moved|relocated|home|transferred|transfer|arrived|came|is|"
    r"are))(?:[ \t]+[a-z]+){0,2}?[ \t]+(?i:in|at|from|near|of)[ \t]+(?:the[ \t]+)?"
    rf"(?P<v>{_TOWN})"
)
_MULTIWORD_CITIES = (
    r"Los Angeles|San Diego|San Jose|San Francisco|San Antonio|New Orleans|Las Vegas|Fort Worth|El Paso|"
    r"St\.? Louis|Santa Ana|Long Beach|Virginia Beach|Colorado Springs|Kansas City|Oklahoma City|Salt Lake City|"
    r"Corpus Christi|Baton Rouge|Chula Vista|Jersey City|Little Rock|Staten Island|Des Moines|Grand Rapids"
)
_CITY_RE = re.compile(rf"\b(?:{_MULTIWORD_CITIES}|{'|'.join(sorted(lex.CITIES))})\b")
_FACILITY_SUFFIX = (
    r"(?:Hospital|Medical Center|Medical Centre|Health Center|Health System|Clinic|Nursing Home|Nursing Facility|"
    r"Care Center|Rehabilitation Center|Rehab Center|Assisted Living|Manor|Hospice|Infirmary|Elementary School|"
    r"Middle School|High School|School|Academy|University|College|Mall|Prison|Jail|Correctional Facility|"
    r"Detention Center|Shelter|Hotel|Motel|Apartments|Church|Mosque|Synagogue|Temple|Plant|Factory)"
)
_FACILITY_RE = re.compile(
    r"(?P<v>(?:(?:St\.?|Saint|Mount|Mt\.?)[ \t]+)?[A-Z][a-z]+(?:['’]s)?(?:[ \t]+[A-Z][a-z]+(?:['’]s)?){0,3}"
    rf"[ \t]+{_FACILITY_SUFFIX})\b"
    r"|\b(?P<v2>[A-Z][a-z]+(?:[ \t]+[A-Z][a-z]+)?)[ \t]+(?:nursing[ \t]+home|nursing[ \t]+facility|assisted[ \t]+"
    r"living|group[ \t]+home|plant|factory|mall|warehouse|campus|refinery|shelter|hotel|motel|high[ \t]+school|"
    r"elementary|casino|stadium)\b"
)
#: Words that make a facility generic ("the Urgent Care Clinic", "Children's Hospital"), not a place.
_GENERIC_FACILITY_WORDS = frozenset(
    "The A An This That His Her Their Our Local Nearest Nearby Outside Emergency Urgent Primary General Community "
    "Regional Same Other Another Previous Prior Referring Outlying Psychiatric Behavioral Rehab Skilled Nursing "
    "Assisted Children's Childrens Women's Veterans State County University Medical Teaching Private Public High "
    "Middle Elementary Care Health Dental Eye Walk Free Retail Senior Group Home Patient Seen Arrived From At".split()
)


def _places(text: str) -> Iterator[Replacement]:
    yield from _finditer(_STREET_RE, text, "ADDRESS")
    yield from _finditer(_STREET_PREFIX_RE, text, "ADDRESS")
    yield from _finditer(_PO_BOX_RE, text, "ADDRESS")
    for m in _TOWN_STATE_RE.finditer(text):
        town_group, zip_group = ("c", "z") if m.group("c") else ("c2", "z2")
        town = _trim_tokens(text, m.start(town_group), m.end(town_group), _not_a_place)
        if town:
            yield Replacement("ADDRESS", text[town[0] : town[1]], *town)
        if m.group(zip_group):
            yield _span(m, "ZIP", zip_group)
    yield from _finditer(_ZIP_KEYED_RE, text, "ZIP", "v")
    yield from _finditer(_ZIP4_RE, text, "ZIP")
    for m in _PLACE_CONTEXT_RE.finditer(text):
        town = _trim_tokens(text, m.start("v"), m.end("v"), _not_a_place)
        if town and town[0] == m.start("v"):
            yield Replacement("ADDRESS", text[town[0] : town[1]], *town)
    for m in _CITY_RE.finditer(text):
        if not _eponym_follows(text, m.end(), words=3):
            yield _span(m, "ADDRESS")
    for m in _FACILITY_RE.finditer(text):
        group = "v" if m.group("v") else "v2"
        words = [w.rstrip(".") for w in m.group(group).split()]
        if any(w not in _GENERIC_FACILITY_WORDS and w not in lex.STOPWORDS for w in words[:2]):
            yield _span(m, "ADDRESS", group)


def _not_a_place(token: re.Match[str]) -> bool:
    return token.group(0) in lex.STOPWORDS or token.group(0) in lex.EPONYMS


# ---------------------------------------------------------------------------------------------------------------
# names
_TITLE_RE = re.compile(
    rf"\b(?:Mr|Mrs|Ms|Mx|Miss|Dr|Prof|Doctor|Rev|Capt|Officer|Nurse|Judge)\.?[ \t]+(?P<v>{_NAME_SEQ})"
)
_RELATIONS = (
    r"husband|wife|son|daughter|mother|mom|father|dad|brother|sister|partner|boyfriend|girlfriend|fianc[eé]e?|"
    r"spouse|friend|neighbou?r|caregiver|carer|grandson|granddaughter|grandmother|grandfather|grandma|grandpa|aunt|"
    r"uncle|niece|nephew|cousin|roommate|guardian|parent|stepmother|stepfather|stepson|stepdaughter|coworker|"
    r"co-worker|colleague|boss|employer|landlord|PCP|physician|attending|paramedic|medic|officer|nurse|teacher|"
    r"coach|interpreter"
)
_RELATION_RE = re.compile(
    rf"(?i:\b(?:{_RELATIONS}))(?:['’]s)?(?:[ \t]*[,:][ \t]*|[ \t]+)(?:(?i:named|called|is)[ \t]+)?"
    rf"(?P<v>{_NAME_SEQ})"
    rf"|\b(?:RN|MD|NP|PA|EMT)[ \t]*:?[ \t]+(?P<v2>{_NAME_SEQ})"
)
_PATIENT_RE = re.compile(
    rf"(?i:\b(?:patient|pt|client|resident))(?:[ \t]+(?i:name)[ \t]*:?|[ \t]*:)?[ \t]+(?P<v>{_NAME_SEQ_LAST_FIRST})"
)
_NAMED_RE = re.compile(
    r"(?i:\b(?:named|called|name[ \t]+is|names?|goes[ \t]+by|known[ \t]+as|a\.?k\.?a\.?|signed(?:[ \t]+by)?|"
    r"dictated[ \t]+by|reviewed[ \t]+by|seen[ \t]+by|evaluated[ \t]+by|accompanied[ \t]+by|"
    r"brought[ \t]+(?:in[ \t]+)?by|"
    r"spoke[ \t]+(?:with|to)|per|contact|registration|next[ \t]+of[ \t]+kin|NOK|notify|attn))"
    rf"[ \t]*[,:]?[ \t]+(?P<v>{_NAME_SEQ_LAST_FIRST})"
)
_CREDENTIAL_RE = re.compile(
    rf"(?P<v>{_NAME_SEQ}),?[ \t]+(?:RN|MD|DO|NP|PA-C|PA|EMT-P|EMT|LPN|CNA|BSN|MSN|APRN|CRNA|FNP|DNP|PharmD|MBBS)\b"
)
_SENTENCE_NAME_RE = re.compile(
    rf"(?:^|(?<=[.!?;:]\s)|(?<=\n))(?P<v>{_NAME_TOK}(?:[ \t]+{_NAME_TOK}){{1,3}}|{_NAME_TOK},[ \t]*{_NAME_TOK})"
    r"(?=[ \t]*,[ \t]*(?:an?[ \t]+)?\d|[ \t]+(?:is|was)[ \t]+an?[ \t]|[ \t]*\([ \t]*\d)"
)
_SEQ_RE = re.compile(_NAME_SEQ)
_LEXICON_NAMES = (lex.FIRST_NAMES | lex.SURNAMES) - lex.AMBIGUOUS_WORDS - lex.STOPWORDS


def _names(text: str) -> Iterator[Replacement]:
    # (pattern, minimum number of name tokens); a title makes even an eponym a name ("Dr. Murphy")
    rules: tuple[tuple[re.Pattern[str], int], ...] = (
        (_RELATION_RE, 1),
        (_PATIENT_RE, 1),
        (_NAMED_RE, 1),
        (_CREDENTIAL_RE, 2),
    )
    for m in _TITLE_RE.finditer(text):
        yield from _name_span(text, m.start("v"), m.end("v"), 1, lambda t: t.group(0) in lex.STOPWORDS)
    for pattern, min_tokens in rules:
        for m in pattern.finditer(text):
            group = "v" if m.groupdict().get("v") else "v2"
            yield from _name_span(text, m.start(group), m.end(group), min_tokens, lambda t: _not_a_name(text, t))
    for m in _SENTENCE_NAME_RE.finditer(text):
        if not any(_not_a_name(text, t) for t in _TOKEN_RE.finditer(text, m.start("v"), m.end("v"))):
            yield _span(m, "NAME", "v")
    for m in _SEQ_RE.finditer(text):
        yield from _lexicon_names(text, m.start(), m.end())


def _name_span(
    text: str, start: int, end: int, min_tokens: int, excluded: Callable[[re.Match[str]], bool]
) -> Iterator[Replacement]:
    trimmed = _trim_tokens(text, start, end, excluded)
    if not trimmed or len(_TOKEN_RE.findall(text[trimmed[0] : trimmed[1]])) < min_tokens:
        return
    if trimmed[1] - trimmed[0] == 2 and text[trimmed[1] - 1] == ".":  # a lone initial says too little
        return
    yield Replacement("NAME", text[trimmed[0] : trimmed[1]], *trimmed)


def _lexicon_names(text: str, start: int, end: int) -> Iterator[Replacement]:
    """A run of capitalised words is a name when one of them is a known name that is not used as an eponym."""
    tokens = list(_TOKEN_RE.finditer(text, start, end))
    hits = [i for i, t in enumerate(tokens) if t.group(0) in _LEXICON_NAMES and not _not_a_name(text, t)]
    if not hits:
        return
    first, last = hits[0], hits[-1]
    while first > 0 and _nameish(text, tokens[first - 1]):
        first -= 1
    while last + 1 < len(tokens) and _nameish(text, tokens[last + 1]):
        last += 1
    start, end = tokens[first].start(), tokens[last].end()
    yield Replacement("NAME", text[start:end], start, end)


def _nameish(text: str, token: re.Match[str]) -> bool:
    """May this capitalised neighbour of a known name be part of the same name?"""
    return token.group(0) not in lex.AMBIGUOUS_WORDS and not _not_a_name(text, token)


def _not_a_name(text: str, token: re.Match[str]) -> bool:
    """A sentence word, or an eponym used as one ("Crohn's", "Murphy's sign", "Glasgow Coma Scale")."""
    word = token.group(0).rstrip(".")
    if word in lex.STOPWORDS:
        return True
    if word in lex.EPONYMS:
        return text.startswith(("'s", "’s"), token.end()) or _eponym_follows(text, token.end(), words=2)
    return _eponym_follows(text, token.end())


def _propagate_names(text: str, chosen: list[Replacement]) -> Iterator[Replacement]:
    """A name found once ("Mr. Kowalski") is a name wherever else it appears, unless used as an eponym there."""
    tokens = {
        t
        for r in chosen
        if r.kind == "NAME"
        for t in _TOKEN_RE.findall(r.original)
        if len(t) > 2 and not t.endswith(".") and t not in lex.STOPWORDS
    }
    if not tokens:
        return
    alternation = "|".join(re.escape(t) for t in sorted(tokens, key=len, reverse=True))
    for m in re.finditer(rf"(?<![\w'’-])(?:{alternation})(?![\w-])", text):
        if not _not_a_name(text, m):
            yield _span(m, "NAME")


def _eponym_follows(text: str, end: int, words: int = 1) -> bool:
    """True when one of the next `words` words marks the token before `end` as an eponym ("'s sign", "rules")."""
    following = re.match(r"(?:['’]s)?((?:[ \t-]+[\w-]+){1,%d})" % words, text[end : end + 80])
    if not following:
        return False
    return any(w.lower() in lex.EPONYM_CONTEXT for w in re.split(r"[ \t-]+", following.group(1)) if w)


def _trim_tokens(
    text: str, start: int, end: int, excluded: Callable[[re.Match[str]], bool]
) -> tuple[int, int] | None:
    """Narrow [start, end) to the tokens between the first and last token that `excluded` lets through."""
    kept = [m for m in _TOKEN_RE.finditer(text, start, end) if not excluded(m)]
    if not kept:
        return None
    return kept[0].start(), kept[-1].end()
