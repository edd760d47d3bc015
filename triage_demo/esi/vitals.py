"""Vital signs and mental status read from free text in the many ways nurses write them; `extract` gathers all.

"HR 118", "pulse of 118", "118 bpm", "P 118"; "BP 88/60", "88/60 mmHg", "blood pressure 88 over 60", "70/palp";
"RR 24", "resp 24", "24 breaths/min"; "SpO2 91%", "sat 91% RA", "pulse ox 91", "91% on room air"; "T 38.4 C",
"temp 101.2F", "39°C", "febrile to 39.5", "38.3 rectally"; "pain 9/10", "8 out of 10", "pain score 7"; "GCS 7",
"E2V2M4"; AVPU ("responds only to pain"); unlabelled lists ("VS 148/92, 96, 18, 97% RA"). Age, sex and arrival
come from `demographics`.

Each value keeps the span it came from (offsets into the original narrative) so rules can cite it.
Fahrenheit is converted to Celsius. Values outside physiological ranges are ignored rather than trusted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Iterable

from triage_demo.esi.demographics import age, age_hint, arrival, sex
from triage_demo.esi.model import Vitals
from triage_demo.esi.text import Context, Span, Term, number, term

_FILL = r"\s*(?:[:=]|is|of|was|at|to|in the|rated|rated at|as|reading)?\s*(?:of\s+|a\s+|about\s+|approx\.?\s+|~\s*)?"

# --- heart rate ---------------------------------------------------------------------------------
_HR = [
    term("hr_label", r"\b(?P<lab>hr|heart rate|pulse rate|pulse|p)\b\.?" + _FILL + r"(?P<v>\d{1,3})(?!\d|/|\.\d|\s*(?:%|mg|"
                     r"kg|mm|min\b|minutes?|hours?|hrs?|days?|weeks?|years?|yo\b|y/o))", negatable=False),
    term("hr_bpm", r"(?<![\d.])(?P<v>\d{2,3})\s*(?:bpm|beats per minute|beats/min|beats a minute)\b", negatable=False,
         require=("bpm", "beat")),
    term("hr_rhythm", r"\b(?:a-?fib|atrial fibrillation|atrial flutter|svt|rvr|sinus tach\w*|v-?tach|ventricular "
                      r"tachycardia|heart rate|ventricular rate)\s*(?:(?:at|of|in the|with (?:a )?(?:rate|hr) of|rate of)\s*)?"
                      r"(?P<v>\d{2,3})s?\b(?!\s*(?:years?|yrs?|months?|days?|weeks?|hours?|mg|%))", negatable=False),
    term("hr_tachy", r"\b(?:tachycardic|bradycardic)\s*(?:to|at|in the|with a (?:rate|hr|pulse) of|\()?\s*(?P<v>\d{2,3})\b",
         negatable=False),
]
# --- blood pressure -----------------------------------------------------------------------------
_BP_LABEL = r"\b(?:bp|b/p|nibp|blood pressure|hypotensive|hypertensive)\b"
_BP = [
    term("bp_label", _BP_LABEL + r"(?:\s*(?:[:=]|is|of|was|at|to|in the|with bp))?\s*(?:of\s+)?(?:(?:right|left|r|l)\s+"
                     r"arm\s+)?(?P<s>\d{2,3})\s*(?:/|over)\s*(?P<d>\d{2,3}|palp\w*|p\b|doppler)", negatable=False),
    term("bp_bare", r"(?<![\d/.,])(?P<s>\d{2,3})\s*/\s*(?P<d>\d{2,3})(?![\d/])(?:\s*mm\s?hg)?", negatable=False),
    term("bp_palp", _BP_LABEL + r"\s*(?:[:=]|of|is|was)?\s*(?P<s>\d{2,3})\s*(?:by palpation|palpable|palp)\b",
         negatable=False),
    term("bp_systolic", r"\b(?:sbp|systolic(?: blood pressure| bp| pressure)?)\s*(?:[:=]|is|of|was|in the)?\s*"
                        r"(?P<s>\d{2,3})s?\b", negatable=False),
]
# --- respiratory rate ---------------------------------------------------------------------------
_RR = [
    term("rr_label", r"\b(?P<lab>rr|resp(?:iratory)? rate|resps?|respirations?|respiratory rate|r)\b\.?" + _FILL
         + r"(?P<v>\d{1,3})(?!\d|\.\d|\s*(?:%|mg|kg|/\d))", negatable=False),
    term("rr_breaths", r"(?<![\d.])(?P<v>\d{1,3})\s*(?:breaths?|br|resp)\s*(?:/|per|a)\s*(?:min|minute)\b",
         negatable=False, require=("br", "resp")),
    term("rr_tachy", r"\btachypn(?:o|e)(?:e|i)c\s*(?:to|at|with (?:a )?(?:rr|rate) of|\()?\s*(?P<v>\d{2,3})\b",
         negatable=False),
    term("rr_breathing", r"\bbreathing\s*(?:at\s*)?(?P<v>\d{2,3})\s*times\b", negatable=False),
]
# --- oxygen saturation --------------------------------------------------------------------------
_SPO2 = [
    term("spo2_label", r"\b(?:spo2|sp02|spo₂|sao2|o2 sat(?:uration)?s?|o2 sats?|oxygen sat(?:uration)?s?|sats?|"
                       r"saturation|saturating|satting|pulse[- ]?ox(?:imetry)?|pox|desat(?:uration|urating|ting|s|ted)?)"
                       r"\b\s*(?:[:=]|is|of|was|at|to|down to|in the|reading)?\s*(?:of\s+)?(?P<v>\d{2,3})(?!\d|\s*(?:min|"
                       r"mg|kg))\s*%?", negatable=False),
    term("spo2_pct", r"(?<![\d.])(?P<v>\d{2,3})\s*%\s*(?:on\s+)?(?:ra\b|room air|on \d+\s*l|\d+\s*l\b|nc\b|nasal "
                     r"cannula|nrb|non-?rebreather|o2\b)", negatable=False,
         require=("ra", "room", "on", "l", "nc", "nasa", "nrb", "non", "o")),
]
# --- temperature --------------------------------------------------------------------------------
_T_NUM = r"(?P<v>\d{2,3}(?:[.,]\d{1,2})?)\s*(?:°|º|deg(?:rees?)?\.?)?\s*(?P<u>c|f)?(?![a-z])"
_TEMP = [
    term("temp_label", r"\b(?:t|temp|temperature|tmax|t max|febrile|fever|pyrexia|temp of|rectal temp(?:erature)?|"
                       r"oral temp(?:erature)?)\b\.?\s*(?:[:=]|is|of|was|at|to|up to|reading|measured)?\s*(?:of\s+|"
                       r"to\s+)?" + _T_NUM, negatable=False),
    term("temp_degree", r"(?<![\d.,])(?P<v>\d{2,3}(?:[.,]\d{1,2})?)\s*(?:°|º)\s*(?P<u>c|f)?", negatable=False),
    term("temp_unit", r"(?<![\d.,])(?P<v>\d{2,3}(?:[.,]\d{1,2})?)\s*(?:degrees?\s*)?(?P<u>c|f)\b(?!\s*(?:yo|y/o|year))",
         negatable=False, require=("c", "f", "degr")),
    term("temp_site", r"(?<![\d.,])(?P<v>\d{2,3}[.,]\d)\s*(?:c\s*)?(?:rectal(?:ly)?|orally|axillary|tympanic)\b",
         negatable=False, require=("rect", "oral", "axil", "tymp")),
]
# --- pain ----------------------------------------------------------------------------------------
_PAIN = [
    term("pain_ratio", r"(?<![\d/.])(?P<v>\d{1,2})(?:\.\d)?\s*(?:-\s*(?P<v2>\d{1,2})\s*)?(?:/|out of)\s*10\b(?![/\d])",
         negatable=False, require=("10",)),
    term("pain_label", r"\bpain(?: score| scale| level| rating| intensity| severity)?\s*(?:[:=]|is|of|at|was|rated|"
                       r"rated at|as|scored)?\s*(?:a\s+|at\s+|as\s+)?(?P<v>\d{1,2})\b(?!\s*(?:/|out of|[.,]\d|days?|hours?|"
                       r"hrs?|h\b|weeks?|wks?|months?|years?|minutes?|mins?|x\b|times|cm|mm|mg|%|am\b|pm\b|o'clock))",
         negatable=False),
]
# --- GCS -----------------------------------------------------------------------------------------
_GCS = [
    term("gcs", r"\b(?:gcs|glasgow(?: coma)?(?: scale| score)?)\s*(?:[:=]|is|of|was)?\s*(?:of\s+)?(?P<v>\d{1,2})\b",
         negatable=False),
]
_GCS_PARTS = term("gcs_parts", r"\be\s?(?P<e>[1-4])\s*,?\s*v\s?(?P<v>[1-5t])\s*,?\s*m\s?(?P<m>[1-6])\b",
                  negatable=False)
# --- unlabelled vital-sign lists: "VS 148/92, 96, 18, 97% RA" ------------------------------------------------
_VS_LIST = re.compile(r"\b(?:vs|v/s|vitals|vital signs)\b\s*[:\-]?\s*(?P<seq>(?:[^.;\n]|\.(?=\d)){4,120})")
_VS_TOKEN = re.compile(r"(?P<bp>\d{2,3}\s*/\s*\d{2,3})|(?P<pct>\d{2,3})\s*%|(?P<dec>\d{2,3}[.,]\d)|"
                       r"(?P<int>\d{1,3})(?![\d/.%])|(?P<word>[a-z][a-z0-9]*)")
_VS_FILLER = {"ra", "on", "room", "air", "nc", "l", "bpm", "mmhg", "c", "f", "irregular", "regular", "and", "o2"}
# --- glucose -------------------------------------------------------------------------------------
_GLU_LABEL = (r"\b(?:glucose|blood sugar|sugar|bg|bgl|cbg|fsbg|fingerstick(?: glucose)?|finger[- ]?stick(?: glucose)?|"
              r"accu-?che?c?k|glucometer|gluc)\b")
_GLUCOSE = term("glucose", _GLU_LABEL + r"\s*(?:[:=]|is|of|was|reads?|read|at|level|level of)?\s*(?:of\s+)?"
                           r"(?P<v>\d{1,4}(?:[.,]\d)?)(?:\s*(?P<u>mmol))?", negatable=False)
_GLUCOSE_OVER = term("glucose_over", _GLU_LABEL + r"[^.;\n]{0,20}?\b(?:over|above|greater than|>|in the)\s*"
                                     r"(?P<v>\d{3})s?\b", negatable=False)
_GLUCOSE_HIGH = term("glucose_high", _GLU_LABEL + r"[^.;\n]{0,25}?\b(?:reads?|reading|of|is|was)\s*(?:\"|')?(?:hi|high)\b",
                     negatable=False)

# --- mental status -------------------------------------------------------------------------------
_AVPU_EXPLICIT = term("avpu_explicit", r"\bavpu\b\s*(?:[:=]|is|of|score)?\s*(?:of\s+)?(?P<v>[avpu])\b|"
                                      r"\b(?P<w>[avpu])\s+on\s+(?:the\s+)?avpu\b", negatable=False, require=("avpu",))
_AVPU_U = term("avpu_u", r"\b(?:unresponsive|unarousable|unrousable|unconscious|comatose|non-?responsive|not "
                         r"(?:responsive|responding|arousable|rousable)(?: to (?:voice|pain|painful stimul\w*|stimul\w*|"
                         r"verbal stimul\w*|sternal rub))?|no response to (?:voice|pain|painful stimul\w*|stimul\w*|"
                         r"sternal rub))\b", negatable=False)
_AVPU_P = term("avpu_p", r"(?<!un)(?<!non)(?<!non-)\b(?:respon\w*|moan\w*|groan\w*|withdraw\w*|localiz\w*|localis\w*|"
                         r"reacts?|rousable|arousable)\s+(?:only\s+)?to\s+(?:a\s+)?(?:painful stimul\w*|pain\b|noxious "
                         r"stimul\w*|sternal rub|deep pain)|\bobtunded\b|\bonly (?:moans|groans|withdraws|responds) to "
                         r"(?:pain|painful)", negatable=False)
_AVPU_V = term("avpu_v", r"(?<!un)(?<!non)(?<!non-)\b(?:respon\w*|rousable|arousable|opens (?:his |her |their )?eyes)\s+"
                         r"(?:only\s+)?to\s+(?:voice|verbal(?: stimul\w*)?|loud voice|(?:his |her |their )?name)\b",
               negatable=False)
_AVPU_A = term("avpu_a", r"\b(?:alert|a\s?&\s?o(?:\s?x\s?\d)?|awake and (?:talking|oriented|interactive)|gcs (?:of |is )?15)\b",
               negatable=False)
_RESOLVED = re.compile(
    r"\bnow\s+(?:\w+\s+){0,2}?(?:alert|awake|responsive|conversant|talking|speaking|oriented|answering|interactive|"
    r"at (?:his |her |their )?baseline|moving)|regained consciousness|came (?:to|around)\b|woke up|returned to baseline|"
    r"back to (?:his |her |their )?baseline|alert and oriented|\ba\s?&\s?o\b|gcs (?:of |is |now )?15\b")
_TRANSIENT_BEFORE = re.compile(r"\b(?:briefly|transiently|momentarily|temporarily|for a few (?:seconds|minutes))\s+$")

@dataclass
class Reading:
    """What extraction found: the Vitals, the span each value came from, and an age hint for banding."""

    vitals: Vitals
    spans: dict[str, Span] = field(default_factory=dict)
    age_hint_years: float | None = None  # from words like 'infant' when no number is given

    @property
    def band_age(self) -> float | None:
        """Age used to pick the paediatric danger-zone band (stated age first, word hint second)."""
        return self.vitals.age_years if self.vitals.age_years is not None else self.age_hint_years


def _collect(ctx: Context, patterns: Iterable[Term], parse: Callable[[re.Match[str]], float | None]
             ) -> list[tuple[float, Span]]:
    out: list[tuple[float, Span]] = []
    for t in patterns:
        if not ctx.may_match(t):
            continue
        for m in t.regex.finditer(ctx.low):
            v = parse(m)
            if v is not None:
                out.append((v, Span(m.start(), m.end())))
    return out


_DIGIT_BEFORE = re.compile(r"\d\s*$")


def _not_a_label(ctx: Context, m: re.Match[str]) -> bool:
    """'s/p 2 days', 'r/o MI': a slash before the label; 'for 2 hr 30 min': lower-case 'hr' after a number is time."""
    start = m.start()
    if start > 0 and ctx.low[start - 1] == "/":
        return True
    return ctx.text[start : start + 2] == "hr" and _DIGIT_BEFORE.search(ctx.low, max(0, start - 4), start) is not None


def _ranged(lo: float, hi: float) -> Callable[[re.Match[str]], float | None]:
    def parse(m: re.Match[str]) -> float | None:
        v = number(m.group("v"))
        return v if lo <= v <= hi else None

    return parse


def _hr(ctx: Context) -> list[tuple[float, Span]]:
    def parse(m: re.Match[str]) -> float | None:
        lab = m.groupdict().get("lab")
        if lab is not None and _not_a_label(ctx, m):
            return None
        v = float(m.group("v"))
        return v if v == 0 or 20 <= v <= 300 else None

    return _collect(ctx, _HR, parse)


def _bp(ctx: Context) -> list[tuple[tuple[float, float | None], Span]]:
    out: list[tuple[tuple[float, float | None], Span]] = []
    for t in _BP:
        if not ctx.may_match(t):
            continue
        for m in t.regex.finditer(ctx.low):
            s = float(m.group("s"))
            d_raw = m.groupdict().get("d")
            d = float(d_raw) if d_raw and d_raw.isdigit() else None
            if not 30 <= s <= 300 or (d is not None and not (10 <= d < s)):
                continue
            if t is _BP[1] and (s < 50 or d is None or d < 20 or _pain_context_before(ctx, m.start())):
                continue  # a bare 'N/N' is a BP only when it looks like one
            out.append(((s, d), Span(m.start(), m.end())))
    return out


def _pain_context_before(ctx: Context, pos: int) -> bool:
    return bool(re.search(r"(?:pain|score|vision|acuity|gcs)\W*$", ctx.low[max(0, pos - 12) : pos]))


def _rr(ctx: Context) -> list[tuple[float, Span]]:
    def parse(m: re.Match[str]) -> float | None:
        lab = m.groupdict().get("lab")
        if lab is not None and _not_a_label(ctx, m):
            return None
        v = float(m.group("v"))
        return v if 0 <= v <= 120 else None

    return _collect(ctx, _RR, parse)


def _temp(ctx: Context) -> list[tuple[float, Span]]:
    def parse(m: re.Match[str]) -> float | None:
        v = number(m.group("v"))
        unit = m.groupdict().get("u")
        if unit == "f" or (unit is None and 77 <= v <= 113):
            return round((v - 32) * 5 / 9, 1) if 77 <= v <= 113 else None
        return v if 25 <= v <= 45 else None

    return _collect(ctx, _TEMP, parse)


def _pain(ctx: Context) -> list[tuple[float, Span]]:
    def parse(m: re.Match[str]) -> float | None:
        vals = [int(m.group("v"))]
        if m.groupdict().get("v2"):
            vals.append(int(m.group("v2")))
        v = max(vals)
        return float(v) if 0 <= v <= 10 else None

    return _collect(ctx, _PAIN, parse)


def _gcs(ctx: Context) -> list[tuple[float, Span]]:
    out = _collect(ctx, _GCS, _ranged(3, 15))
    for m in ctx.scan(_GCS_PARTS):
        v = 1 if m.group("v") == "t" else int(m.group("v"))
        out.append((float(int(m.group("e")) + v + int(m.group("m"))), Span(m.start(), m.end())))
    return out


def _glucose(ctx: Context) -> list[tuple[float, Span]]:
    def parse(m: re.Match[str]) -> float | None:
        v = number(m.group("v"))
        if m.groupdict().get("u") or ("." in m.group("v") or "," in m.group("v")):
            v = v * 18.0  # mmol/L -> mg/dL
        return v if 10 <= v <= 2000 else None

    out = _collect(ctx, [_GLUCOSE, _GLUCOSE_OVER], parse)
    out += [(600.0, Span(m.start(), m.end())) for m in ctx.scan(_GLUCOSE_HIGH)]
    return out


def _current(ctx: Context, span: Span) -> bool:
    """A depressed mental state counts only if the narrative does not say it has since resolved."""
    if _TRANSIENT_BEFORE.search(ctx.low, max(0, span.start - 40), span.start):
        return False
    if _RESOLVED.search(ctx.low, span.end):
        return False
    return not ctx.negated(span.start, span.end)


def _avpu(ctx: Context) -> tuple[str, Span] | None:
    found: dict[str, Span] = {}
    for m in ctx.scan(_AVPU_EXPLICIT):
        found.setdefault((m.group("v") or m.group("w")).upper(), Span(m.start(), m.end()))
    for level, t in (("U", _AVPU_U), ("P", _AVPU_P), ("V", _AVPU_V)):
        for m in ctx.scan(t):
            sp = Span(m.start(), m.end())
            if _current(ctx, sp):
                found.setdefault(level, sp)
                break
    if "U" not in found and "P" not in found and "V" not in found:
        for m in ctx.scan(_AVPU_A):
            sp = Span(m.start(), m.end())
            if not ctx.negated(sp.start, sp.end):
                found.setdefault("A", sp)
                break
    for level in "UPVA":
        if level in found:
            return level, found[level]
    return None


def _vs_list(ctx: Context) -> dict[str, tuple[float, Span]]:
    """Positional reading of an unlabelled list after 'VS'/'vitals': BP, then HR, then RR, SpO2 with '%'.

    Used only when the list has no labels of its own (any other word aborts it), so a labelled list is never
    reinterpreted; nurses write the bare numbers in this order (temperature as the decimal, wherever it is).
    """
    m = _VS_LIST.search(ctx.low)
    if m is None:
        return {}
    found: dict[str, tuple[float, Span]] = {}
    ints = ["hr", "rr"]
    base = m.start("seq")
    for t in _VS_TOKEN.finditer(m.group("seq")):
        span = Span(base + t.start(), base + t.end())
        if t.group("word") is not None:
            if t.group("word") in _VS_FILLER:
                continue
            return {}
        if t.group("bp") is not None:
            found.setdefault("bp", (0.0, span))
        elif t.group("pct") is not None:
            found.setdefault("spo2", (float(t.group("pct")), span))
        elif t.group("dec") is not None:
            found.setdefault("temp", (number(t.group("dec")), span))
        elif ints:
            found[ints.pop(0)] = (float(t.group("int")), span)
    return found


def _extreme(values: list[tuple[float, Span]], highest: bool) -> tuple[float, Span] | None:
    if not values:
        return None
    return (max if highest else min)(values, key=lambda x: x[0])


def extract(ctx: Context) -> Reading:
    """Read every vital sign the narrative states; the worst value wins when one is stated several times."""
    spans: dict[str, Span] = {}
    vals: dict[str, object] = {}

    def keep(name: str, found: tuple[object, Span] | None) -> None:
        if found is not None:
            vals[name], spans[name] = found

    listed = _vs_list(ctx)
    hr_values = _hr(ctx)
    if not hr_values and "hr" in listed and 20 <= listed["hr"][0] <= 300:
        hr_values = [listed["hr"]]
    keep("hr", _extreme(hr_values, highest=True))
    bps = _bp(ctx)
    if bps:
        (s, d), sp = min(bps, key=lambda x: x[0][0])
        vals["sbp"], spans["sbp"] = s, sp
        if d is not None:
            vals["dbp"], spans["dbp"] = d, sp
    rr_values = _rr(ctx)
    if not rr_values and "rr" in listed and 4 <= listed["rr"][0] <= 80:
        rr_values = [listed["rr"]]
    keep("rr", _extreme(rr_values, highest=True))
    spo2_values = _collect(ctx, _SPO2, _ranged(40, 100))
    if not spo2_values and "spo2" in listed and 40 <= listed["spo2"][0] <= 100:
        spo2_values = [listed["spo2"]]
    keep("spo2", _extreme(spo2_values, highest=False))
    temp_values = _temp(ctx)
    if not temp_values and "temp" in listed and 30 <= listed["temp"][0] <= 43:
        temp_values = [listed["temp"]]
    keep("temp_c", _extreme(temp_values, highest=True))
    keep("pain", _extreme(_pain(ctx), highest=True))
    keep("gcs", _extreme(_gcs(ctx), highest=False))
    keep("glucose_mg_dl", _extreme(_glucose(ctx), highest=False))
    keep("avpu", _avpu(ctx))
    keep("arrival", arrival(ctx))
    stated_age = age(ctx)
    keep("age_years", stated_age)
    keep("sex", sex(ctx, stated_age[1] if stated_age else None))

    def as_int(name: str) -> int | None:
        v = vals.get(name)
        return int(round(v)) if isinstance(v, float) else None

    hint = age_hint(ctx) if stated_age is None else None
    vitals = Vitals(
        age_years=vals.get("age_years"),  # type: ignore[arg-type]
        sex=vals.get("sex"),  # type: ignore[arg-type]
        hr=as_int("hr"),
        sbp=as_int("sbp"),
        dbp=as_int("dbp"),
        rr=as_int("rr"),
        spo2=as_int("spo2"),
        temp_c=vals.get("temp_c"),  # type: ignore[arg-type]
        pain=as_int("pain"),
        gcs=as_int("gcs"),
        avpu=vals.get("avpu"),  # type: ignore[arg-type]
        arrival=vals.get("arrival"),  # type: ignore[arg-type]
        glucose_mg_dl=as_int("glucose_mg_dl"),
    )
    return Reading(vitals, spans, hint)
