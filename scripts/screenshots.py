"""Screenshots of every tab for docs/screenshots/, taken with headless Debian Chromium.

What is on them, honestly: the GPU model servers are replaced by two FakeSGLangServer processes (canned
answers in the model's format, per-level probabilities at the answer token), named `FAKE-...` so the page
says so; the safety net is the real rule engine; the labels on the Dashboard are made by this script through
the app's own label workflow (three demo experts on the example cases), in a temporary folder.

Run from the repository root: `python scripts/screenshots.py [--out docs/screenshots]`.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
CASE = "C008"  # a stabbing with hypotension: the fake models' answers trip the safety net


def seed_labels(ctx, n_cases: int = 24) -> None:
    """Demo experts label example cases through LabelDesk (blind commit), disagreeing now and then."""
    import asyncio

    from triage_demo.auth import Annotator
    from triage_demo.labels.deid import deid_text
    from triage_demo.labels.record import case_id_for

    asyncio.run(ctx.desk.ensure_triaged())
    rng = random.Random(7)
    # The queue's case ids are those of the de-identified narratives; map them back to the reference levels.
    references = {case_id_for(deid_text(c.narrative).strip()): c.esi for c in ctx.examples}
    experts = [Annotator("demo-expert-a", False, "local"), Annotator("demo-expert-b", False, "local"),
               Annotator("demo-expert-c", False, "local")]
    for item in ctx.desk.queue(experts[0])[:n_cases]:
        reference = references[item.case.case_id]
        for expert in experts[: rng.choice((1, 2, 3))]:
            level = min(5, max(1, reference + rng.choice((0, 0, 0, 0, 1, -1))))
            ctx.desk.commit(expert, item.case.case_id, level, "demo label for the screenshot", [])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args(argv)

    from playwright.sync_api import expect, sync_playwright

    from triage_demo.settings import Settings
    from triage_demo.testing.fake_openai_server import running
    from triage_demo.ui.page import build_app, build_context, launch_options

    args.out.mkdir(parents=True, exist_ok=True)
    with running("--esi", "3", "--served-model-name", "FAKE-medgemma-4b-esi (stand-in)",
                 "--answer-probs", "0.02,0.30,0.55,0.10,0.03") as primary_url, \
         running("--esi", "4", "--served-model-name", "FAKE-baseline (stand-in)") as baseline_url, \
         tempfile.TemporaryDirectory() as scratch:
        settings = Settings(
            backend_url=primary_url, model="FAKE-medgemma-4b-esi (stand-in)", logprobs=True,
            baseline_url=baseline_url, baseline_model="FAKE-baseline (stand-in)",
            labels_dir=Path(scratch) / "labels", examples_path=ROOT / "examples" / "cases.jsonl",
            local_annotator="demo-expert", adjudicators=("demo-expert",), rate_limit_per_minute=0,
        )
        ctx = build_context(settings)
        seed_labels(ctx)
        demo = build_app(ctx)
        _, url, _ = demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", quiet=True,
                                **launch_options(settings))
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                page.goto(url, wait_until="networkidle")

                page.locator("button", has_text=f"{CASE}:").first.click()
                expect(page.locator("#narrative textarea")).not_to_have_value("")
                page.locator("#triage-btn").click()
                expect(page.locator("#safety-vitals")).to_contain_text("BP", timeout=60_000)
                expect(page.locator("#baseline-badge .esi-badge[data-esi]")).not_to_have_attribute("data-esi", "")
                page.screenshot(path=str(args.out / "triage.png"), full_page=True)

                page.get_by_role("tab", name="Label").click()
                expect(page.locator("#label-who")).to_contain_text("Labelling as demo-expert", timeout=60_000)
                page.locator("#label-next").click()
                expect(page.locator("#label-narrative textarea")).not_to_have_value("")
                page.locator("#label-case-id").click()  # focus off the text fields, then the key shortcut
                page.keyboard.press("2")
                page.locator("#label-rationale textarea").fill("High-risk presentation; would not wait.")
                page.locator("#label-commit").click()
                expect(page.locator("#label-reveal")).to_be_visible(timeout=30_000)
                page.screenshot(path=str(args.out / "label.png"), full_page=True)

                page.get_by_role("tab", name="Dashboard").click()
                expect(page.locator("#dashboard-totals")).to_contain_text("current labels", timeout=60_000)
                page.wait_for_timeout(1500)  # let the plots draw
                page.screenshot(path=str(args.out / "dashboard.png"), full_page=True)

                page.get_by_role("tab", name="Batch").click()
                page.locator("#batch-file input[type=file]").set_input_files(str(ROOT / "examples" / "cases.jsonl"))
                page.wait_for_timeout(1000)
                page.locator("#batch-run").click()
                expect(page.locator("#batch-status")).to_contain_text("Triaged", timeout=120_000)
                page.wait_for_timeout(500)
                page.screenshot(path=str(args.out / "batch.png"), full_page=True)

                page.get_by_role("tab", name="About").click()
                page.get_by_role("button", name="Check now").click()
                page.wait_for_timeout(1500)
                page.screenshot(path=str(args.out / "about.png"), full_page=True)
                browser.close()
        finally:
            demo.close()
            ctx.close()
    for name in ("triage", "label", "dashboard", "batch", "about"):
        print(args.out / f"{name}.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
