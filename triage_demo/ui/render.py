"""Turn results into what the page shows: badge HTML, plain-text cards, tables.

Rule for every function here: narratives and model output are untrusted. They go into text components
(Textbox, Dataframe with `str` cells) as text, and into the few HTML snippets only through `escape_text`,
so a `<script>`, an `<img onerror=...>` or a markdown image link is shown, never run or fetched.
"""

from __future__ import annotations

import html
from typing import Any, Iterable, Mapping

import pandas as pd

from triage_demo.esi.model import format_age
from triage_demo.prompt import EXTRACTION_FIELDS, STEP_LABELS
from triage_demo.schema import ESI_LEVELS, TriageResult

#: Conventional ESI colours (badge background, text colour): 1 red, 2 orange, 3 yellow, 4 green, 5 blue.
ESI_COLOURS: dict[int, tuple[str, str]] = {
    1: ("#c62828", "#ffffff"),
    2: ("#ef6c00", "#ffffff"),
    3: ("#f9d71c", "#1a1a1a"),
    4: ("#2e7d32", "#ffffff"),
    5: ("#1565c0", "#ffffff"),
}

ESI_NAMES: dict[int, str] = {
    1: "Resuscitation",
    2: "Emergent",
    3: "Urgent",
    4: "Less urgent",
    5: "Non-urgent",
}

_VITAL_LABELS: dict[str, str] = {
    "age_years": "Age",
    "sex": "Sex",
    "hr": "Heart rate (/min)",
    "sbp": "Systolic BP (mmHg)",
    "dbp": "Diastolic BP (mmHg)",
    "rr": "Respiratory rate (/min)",
    "spo2": "SpO2 (%)",
    "temp_c": "Temperature (°C)",
    "pain": "Pain (0-10)",
    "gcs": "GCS",
    "avpu": "AVPU",
    "arrival": "Arrival",
    "glucose_mg_dl": "Glucose (mg/dL)",
}


def escape_text(value: object) -> str:
    """HTML-escape `value` for an HTML snippet, including the characters Gradio's HTML templates interpret.

    `gr.HTML` fills a `${value}` / `{{...}}` template in the browser; `$`, braces and backticks are turned into
    entities as well, so untrusted text can never reach a template or a script context.
    """
    text = html.escape(str(value), quote=True)
    return text.replace("$", "&#36;").replace("{", "&#123;").replace("}", "&#125;").replace("`", "&#96;")


def badge_html(result: TriageResult | None, *, pending: bool = False, role: str = "primary") -> str:
    """The large ESI badge plus one line of provenance (backend, latency, tokens)."""
    if result is None:
        state = "Running…" if pending else "No result yet"
        return (
            f'<div class="esi-card" id="{role}-badge-card">'
            f'<div class="esi-badge esi-none" data-esi="" role="status">{state}</div></div>'
        )
    if result.esi is None:
        reason = result.error or "The answer had no parseable ESI level."
        return (
            f'<div class="esi-card" id="{role}-badge-card">'
            f'<div class="esi-badge esi-none" data-esi="" role="status">No ESI</div>'
            f'<div class="esi-error">{escape_text(reason)}</div>{_meta_html(result)}</div>'
        )
    bg, fg = ESI_COLOURS[result.esi]
    return (
        f'<div class="esi-card" id="{role}-badge-card">'
        f'<div class="esi-badge esi-{result.esi}" data-esi="{result.esi}" role="status" '
        f'style="background:{bg};color:{fg}" aria-label="ESI level {result.esi}">'
        f'<span class="esi-word">ESI</span> <span class="esi-level">{result.esi}</span>'
        f'<div class="esi-name">{ESI_NAMES[result.esi]}</div></div>'
        f"{_meta_html(result)}</div>"
    )


def meta_line(result: TriageResult) -> str:
    """Backend, latency and tokens as plain text, e.g. "rules · ESI rule engine · 3 ms · 245 tokens"."""
    parts = [result.backend]
    if result.latency_ms is not None:
        parts.append(f"{result.latency_ms:,.0f} ms")
    if result.completion_tokens is not None:
        tokens = f"{result.completion_tokens:,} tokens"
        if result.prompt_tokens is not None:
            tokens += f" (+{result.prompt_tokens:,} prompt)"
        parts.append(tokens)
    parts.extend(result.notes)
    return " · ".join(parts)


def _meta_html(result: TriageResult) -> str:
    return f'<div class="esi-meta">{escape_text(meta_line(result))}</div>'


def card_text(result: TriageResult | None) -> str:
    """EXTRACTION and Steps A-D as readable plain text (shown in a read-only Textbox)."""
    if result is None:
        return ""
    ex = result.extraction
    values = (ex.chief_complaint, ex.vital_signs, ex.red_flags)
    lines = [f"{label}: {value or '—'}" for label, value in zip(EXTRACTION_FIELDS, values)]
    lines.append("")
    lines += [f"{label}: {result.steps.get(key) or '—'}" for key, label in STEP_LABELS.items()]
    return "\n".join(lines)


def probabilities_frame(result: TriageResult | None) -> pd.DataFrame | None:
    """Per-level probabilities as a BarPlot frame, or None when the backend gave none."""
    if result is None or not result.probabilities:
        return None
    return pd.DataFrame(
        {
            "level": [f"ESI {lvl}" for lvl in ESI_LEVELS],
            "probability": [float(result.probabilities.get(lvl, 0.0)) for lvl in ESI_LEVELS],
        }
    )


def vitals_frame(vitals: Mapping[str, Any] | None) -> pd.DataFrame:
    """The vitals the rule engine read from the narrative, one row per value it found."""
    rows = [
        (label, format_age(vitals[key]) if key == "age_years" else f"{vitals[key]:g}" if isinstance(vitals[key], float)
         else str(vitals[key]))
        for key, label in _VITAL_LABELS.items()
        if vitals and vitals.get(key) not in (None, "")
    ]
    return pd.DataFrame(rows, columns=["vital", "value"])


def findings_frame(findings: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Rule-engine findings (step, what it means, the words in the narrative that triggered it)."""
    rows = [(str(f.get("step") or ""), str(f.get("message") or ""), str(f.get("text") or ""), _implies(f))
            for f in findings]
    return pd.DataFrame(rows, columns=["step", "finding", "narrative text", "implies"])


def _implies(finding: Mapping[str, Any]) -> str:
    level = finding.get("esi")
    if level is None:
        return ""
    return f"at least ESI {level}" if finding.get("step") == "floor" else f"ESI {level}"


def safety_html(safety: Mapping[str, Any] | None) -> str:
    """The safety-net panel's headline: the engine's minimum acuity and the warnings, prominent when any."""
    if safety is None:
        return '<div class="safety safety-pending">The safety net runs when the models have answered.</div>'
    floor = safety.get("min_esi")
    own = f"its own level ESI {escape_text(safety.get('rule_esi'))}"
    # A floor of 5 means no finding constrains the level.
    head = (
        f"Rule engine: minimum acuity ESI {escape_text(floor)} · {own}"
        if isinstance(floor, int) and floor < 5
        else f"Rule engine: no minimum acuity · {own}"
    )
    flags = list(safety.get("flags") or [])
    if not flags:
        return f'<div class="safety safety-ok"><strong>{head}</strong><div>No safety-net warnings.</div></div>'
    items = "".join(f"<li>{escape_text(flag)}</li>" for flag in flags)
    return (
        f'<div class="safety safety-warn" role="alert"><strong>⚠ Safety net: check this case. {head}</strong>'
        f"<ul>{items}</ul></div>"
    )


def message_html(message: str, kind: str = "error") -> str:
    """A one-line notice (input refused, rate limit, busy) for the status area above the results."""
    return f'<div class="notice notice-{kind}" role="status">{escape_text(message)}</div>' if message else ""


#: The evaluator's headline metrics, in the order the Dashboard and the Batch tab list them.
METRIC_ROWS: tuple[tuple[str, str], ...] = (
    ("exact", "Exact agreement"),
    ("adjacent", "Adjacent (±1)"),
    ("under_triage", "Under-triage"),
    ("over_triage", "Over-triage"),
    ("critical_under_triage", "Critical under-triage (ref 1-2 → 3-5)"),
    ("esi12_sensitivity", "ESI 1-2 sensitivity"),
    ("unparsed", "No parseable answer"),
)


def format_proportion(p: Mapping[str, Any]) -> str:
    """"83.3 % [68.1–92.1] (30/36)": value, Wilson 95 % interval and counts of an evaluator proportion."""
    if p.get("value") is None:
        return f"n/a (0/{p.get('n', 0)})"
    lo, hi = p["ci95"]
    return f"{100 * p['value']:.1f} % [{100 * lo:.1f}–{100 * hi:.1f}] ({p['k']}/{p['n']})"


def metrics_frame(metrics_by_model: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """One row per metric, one column per model, as the evaluator computed them (with 95 % intervals)."""
    columns = ["metric", *metrics_by_model]
    rows: list[list[str]] = [["Cases", *(str(m["n"]) for m in metrics_by_model.values())]]
    for key, label in METRIC_ROWS:
        rows.append([label, *(format_proportion(m[key]) for m in metrics_by_model.values())])
    rows.append(["Quadratic-weighted kappa",
                 *("n/a" if m["qwk"] is None else f"{m['qwk']:.3f}" for m in metrics_by_model.values())])
    return pd.DataFrame(rows, columns=columns)
