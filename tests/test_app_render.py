"""triage_demo.ui.render: what the page shows, and that untrusted text never becomes markup."""

from __future__ import annotations

import re

import pytest

from triage_demo.evaluate import evaluate
from triage_demo.schema import Extraction, TriageResult
from triage_demo.ui import render

HOSTILE = '<script>alert(1)</script><img src=x onerror="alert(2)"> ${alert(3)} {{constructor}} `x` &amp;'


def _has_markup_from(html: str) -> bool:
    """True if any tag or template syntax of HOSTILE survived into `html`."""
    return bool(re.search(r"<script|<img|\$\{|\{\{|`", html))


def test_escape_text_neutralises_html_and_template_syntax() -> None:
    out = render.escape_text(HOSTILE)
    assert not _has_markup_from(out)
    assert "&lt;script&gt;" in out and "&#36;&#123;" in out and "&amp;amp;" in out


def test_badge_is_coloured_by_level_and_escapes_provenance() -> None:
    result = TriageResult(esi=2, backend=f"server · {HOSTILE}", latency_ms=812.4, completion_tokens=245,
                          prompt_tokens=90, notes=[HOSTILE])
    html = render.badge_html(result)
    assert 'data-esi="2"' in html and "background:#ef6c00" in html and "Emergent" in html
    assert "812 ms" in html and "245 tokens (+90 prompt)" in html
    assert not _has_markup_from(html)


@pytest.mark.parametrize(("level", "colour"), [(1, "#c62828"), (2, "#ef6c00"), (3, "#f9d71c"), (4, "#2e7d32"),
                                               (5, "#1565c0")])
def test_conventional_colours(level: int, colour: str) -> None:
    assert f"background:{colour}" in render.badge_html(TriageResult(esi=level, backend="b"))


def test_badge_for_failures_and_pending() -> None:
    failed = render.badge_html(TriageResult.failure("server · m", f"connection refused {HOSTILE}"))
    assert "No ESI" in failed and 'data-esi=""' in failed and not _has_markup_from(failed)
    assert "Running" in render.badge_html(None, pending=True)


def test_card_text_is_plain_text_in_the_cards_order() -> None:
    result = TriageResult(esi=2, backend="b", extraction=Extraction(chief_complaint=HOSTILE, vital_signs="HR 120"),
                          steps={"A": "no", "C": "two resources"})
    lines = render.card_text(result).splitlines()
    assert lines[0] == f"Chief complaint: {HOSTILE}"  # text as written: a Textbox shows it, never renders it
    assert lines[1:3] == ["Vital signs: HR 120", "Red flags: —"]
    assert lines[4:] == ["Step A (lifesaving): no", "Step B (high-risk): —", "Step C (resources): two resources",
                         "Step D (vitals): —"]


def test_probabilities_frame_only_when_given() -> None:
    assert render.probabilities_frame(TriageResult(esi=2, backend="b")) is None
    frame = render.probabilities_frame(TriageResult(esi=2, backend="b", probabilities={2: 0.7, 3: 0.3}))
    assert frame["level"].tolist() == ["ESI 1", "ESI 2", "ESI 3", "ESI 4", "ESI 5"]
    assert frame["probability"].tolist() == [0.0, 0.7, 0.3, 0.0, 0.0]


def test_vitals_frame_formats_what_was_found() -> None:
    frame = render.vitals_frame({"age_years": 5 / 365.25, "hr": 180, "temp_c": 38.4, "sbp": None, "avpu": "V"})
    assert frame.values.tolist() == [["Age", "5 d"], ["Heart rate (/min)", "180"], ["Temperature (°C)", "38.4"],
                                     ["AVPU", "V"]]
    assert render.vitals_frame(None).empty


def test_safety_html_is_prominent_with_flags_and_escaped() -> None:
    calm = render.safety_html({"min_esi": 5, "rule_esi": 4, "flags": []})
    assert "safety-ok" in calm and "no minimum acuity" in calm
    alarm = render.safety_html({"min_esi": 1, "rule_esi": 1, "flags": [f"Primary model: too low ({HOSTILE})"]})
    assert "safety-warn" in alarm and 'role="alert"' in alarm and "minimum acuity ESI 1" in alarm
    assert not _has_markup_from(alarm)


def test_findings_frame_says_what_each_finding_implies() -> None:
    frame = render.findings_frame([
        {"step": "floor", "message": "GCS 6", "text": "GCS 6", "esi": 1},
        {"step": "C", "message": "labs", "text": "abdominal pain", "esi": None},
    ])
    assert frame["implies"].tolist() == ["at least ESI 1", ""]


def test_metrics_frame_reports_intervals_and_counts() -> None:
    metrics = evaluate([1, 2, 3, 4], [1, 2, 4, None])
    frame = render.metrics_frame({"primary: m": metrics})
    rows = dict(zip(frame["metric"], frame["primary: m"]))
    assert rows["Cases"] == "4"
    assert rows["Exact agreement"].startswith("50.0 % [") and rows["Exact agreement"].endswith("(2/4)")
    assert rows["No parseable answer"].endswith("(1/4)")
    assert render.format_proportion({"value": None, "n": 0}) == "n/a (0/0)"


def test_message_html_escapes() -> None:
    assert render.message_html("") == ""
    assert not _has_markup_from(render.message_html(HOSTILE))
