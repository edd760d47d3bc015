"""One real browser: headless Debian Chromium (never a downloaded one) drives the served page.

Loads the page, runs an example, sees the ESI badge, saves a screenshot to test-artifacts/; checks that markup
in a narrative stays text (no script runs, no remote image is fetched); labels a case blind with the keyboard
and sees it counted on the Dashboard.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from app_harness import serve
from triage_demo.settings import Settings

CHROMIUM = Path(os.environ.get("TRIAGE_TEST_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
CASES = Path(__file__).resolve().parents[1] / "examples" / "cases.jsonl"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.is_file(), reason=f"{CHROMIUM} not installed (apt-get install chromium)"),
]


@pytest.fixture(scope="module")
def page():
    from playwright.sync_api import sync_playwright

    settings = Settings(examples_path=CASES, rate_limit_per_minute=0, local_annotator="ada")
    with serve(settings) as app, sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            tab = browser.new_page(viewport={"width": 1366, "height": 1000})
            tab.goto(app.url, wait_until="networkidle")
            yield tab
        finally:
            browser.close()


def test_run_an_example_and_see_the_badge(page) -> None:
    assert "Research use only" in page.locator("#disclaimer").inner_text()
    page.locator("button", has_text="C001:").first.click()
    expect(page.locator("#narrative textarea")).to_have_value(re.compile("cardiac arrest"))
    page.locator("#triage-btn").click()
    badge = page.locator('#primary-badge .esi-badge[data-esi="1"]')
    badge.wait_for(timeout=30_000)
    assert "ESI 1" in badge.inner_text()
    assert badge.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(198, 40, 40)"  # red
    assert "Resuscitation" in badge.inner_text()
    expect(page.locator("#primary-card textarea")).to_have_value(re.compile("Chief complaint:"))
    page.locator("#primary-column").get_by_text("Raw model output").click()
    expect(page.locator("#primary-raw textarea")).to_have_value(re.compile("ANSWER: ESI 1"))
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "browser-triage.png"), full_page=True)


def test_markup_in_a_narrative_stays_inert(page) -> None:
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url))
    narrative = (
        "Mr. X <script>window.__pwned = 1</script> <img src=x onerror=\"window.__pwned = 2\"> "
        "![leak](http://127.0.0.1:9/leak.png) ${window.__pwned = 3} {{constructor}} "
        "presents with chest pain <b>bold</b>, HR 130, BP 85/50, SpO2 88%."
    )
    page.locator("#narrative textarea").fill(narrative)
    page.keyboard.press("Control+Enter")  # the page's shortcut runs triage
    expect(page.locator("#safety-vitals")).to_contain_text("130", timeout=30_000)  # this run has finished
    expect(page.locator('#primary-badge .esi-badge[data-esi="1"]')).to_be_visible()
    assert page.evaluate("window.__pwned") is None
    assert not any("leak.png" in url for url in fetched)
    assert page.locator("#narrative textarea").input_value() == narrative  # shown as typed
    # The model's (here the rule engine's) answer quotes the narrative: it is shown as text, not as markup.
    expect(page.locator("#primary-card textarea")).to_have_value(re.compile(re.escape("<b>bold</b>")))
    assert page.locator("b", has_text="bold").count() == 0
    assert page.locator("script", has_text="__pwned").count() == 0


def test_empty_narrative_shows_a_message(page) -> None:
    page.locator("#narrative textarea").fill("   ")
    page.locator("#triage-btn").click()
    notice = page.locator("#triage-status .notice-error")
    notice.wait_for(timeout=15_000)
    assert "The narrative is empty" in notice.inner_text()


def test_blind_label_with_the_keyboard_then_the_dashboard(page) -> None:
    page.get_by_role("tab", name="Label").click()
    expect(page.locator("#label-who")).to_contain_text("Labelling as ada", timeout=30_000)
    second = page.locator('#label-queue [data-testid="cell-1-0"]')
    second.click()  # a row of the queue opens that case
    expect(page.locator("#label-case-id textarea, #label-case-id input").first).to_have_value(second.inner_text())
    page.locator("#label-next").click()
    expect(page.locator("#label-narrative textarea")).not_to_have_value("")
    expect(page.locator("#label-reveal")).to_be_hidden()  # the models' answers are not on the page yet
    page.locator("#label-case-id").click()  # focus outside the text fields: keys 1-5 pick the level
    page.keyboard.press("2")
    expect(page.locator("#expert-esi input[value='2']")).to_be_checked()
    page.locator("#label-rationale textarea").fill("High-risk; would not wait.")
    page.locator("#label-commit").click()
    expect(page.locator("#label-reveal")).to_be_visible(timeout=30_000)
    expect(page.locator("#label-primary-verdict textarea")).to_have_value(re.compile(r"vs your ESI 2: "))
    page.get_by_role("tab", name="Dashboard").click()
    expect(page.locator("#dashboard-totals")).to_contain_text("1 current labels by 1 expert(s)", timeout=30_000)

