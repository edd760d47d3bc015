"""Triage tab, top to bottom: narrative + examples + button, one column per model, the safety net.

Also registers the `/triage_json` API endpoint, which runs the same service call as the button.
"""

from __future__ import annotations

import time
from typing import Any, AsyncIterator

import gradio as gr

from triage_demo.parse import parse_output
from triage_demo.schema import TriageResult
from triage_demo.service import InputError, TriageRun, caller_key
from triage_demo.ui import render
from triage_demo.ui.context import AppContext

#: Events of the Triage tab and `/triage_json` share one concurrency pool of `Settings.concurrency`.
TRIAGE_POOL = "triage"
#: Shortest time between two streamed frames of the page (a token-by-token refresh only costs CPU).
FRAME_INTERVAL_S = 0.1


class ModelColumn:
    """The components of one model's column: badge, probability chart, readable card, raw text."""

    def __init__(self, title: str, role: str, visible: bool) -> None:
        with gr.Column(visible=visible, elem_id=f"{role}-column") as self.column:
            gr.Markdown(f"### {title}")
            self.badge = gr.HTML(render.badge_html(None), elem_id=f"{role}-badge", padding=False)
            self.probs = gr.BarPlot(
                x="level", y="probability", y_lim=[0, 1], label="Probability per ESI level",
                visible=False, height=200, elem_id=f"{role}-probs",
            )
            self.card = gr.Textbox(
                label="Extraction and ESI algorithm", lines=9, max_lines=20, interactive=False,
                elem_id=f"{role}-card",
            )
            with gr.Accordion("Raw model output", open=False):
                self.raw = gr.Textbox(show_label=False, lines=12, max_lines=30, interactive=False,
                                      elem_id=f"{role}-raw", buttons=["copy"])

    @property
    def outputs(self) -> list[gr.components.Component]:
        return [self.badge, self.probs, self.card, self.raw]

    @staticmethod
    def view(run: TriageRun, role: str, backend_name: str) -> list[Any]:
        """Values for `outputs`: the final result when there is one, else what the stream has parsed so far."""
        result: TriageResult | None = getattr(run, role)
        text = run.texts[role]
        if result is None:
            partial = TriageResult.from_parsed(parse_output(text), text, backend=backend_name) if text else None
            return [render.badge_html(None, pending=True, role=role), gr.BarPlot(visible=False),
                    render.card_text(partial), text]
        probs = render.probabilities_frame(result)
        return [
            render.badge_html(result, role=role),
            gr.BarPlot(value=probs, visible=probs is not None),
            render.card_text(result),
            result.raw_text or text,
        ]


def request_caller(request: gr.Request | None, profile: gr.OAuthProfile | None) -> str:
    """The rate-limit key of a Gradio request (signed-in user, else client address)."""
    headers = dict(request.headers) if request is not None else {}
    host = request.client.host if request is not None and request.client is not None else None
    return caller_key(profile.username if profile is not None else None, headers.get("x-forwarded-for"), host)


class TriageView:
    """The tab's components, created in page order, and how a run is shown in them."""

    def __init__(self, ctx: AppContext) -> None:
        settings = ctx.settings
        gr.Markdown(
            "Paste an emergency-department triage narrative (chief complaint, vitals, history, arrival). "
            "Each configured model assigns an Emergency Severity Index level; the rule engine below checks it."
        )
        self.narrative = gr.Textbox(
            label="Triage narrative", lines=7, max_lines=20, elem_id="narrative",
            placeholder="e.g. 67M, crushing chest pain radiating to the left arm for 40 min, diaphoretic. "
                        "HR 118, BP 88/60, RR 24, SpO2 91% RA. Arrived by ambulance.",
            info=f"Up to {settings.max_chars:,} characters. Shift+Enter or Ctrl+Enter runs triage.",
        )
        with gr.Row():
            self.run_btn = gr.Button("Triage", variant="primary", elem_id="triage-btn", scale=1)
            self.share = gr.Checkbox(
                label="Add this narrative, de-identified, to the expert label queue "
                      "(only if you are allowed to share it)",
                value=False, elem_id="share-consent", scale=3,
            )
        if ctx.examples:
            gr.Examples(
                examples=[[case.narrative] for case in ctx.examples],
                inputs=[self.narrative],
                example_labels=[_example_label(case.id, case.narrative) for case in ctx.examples],
                examples_per_page=8,
                label="Examples (click one, then Triage)",
            )
        self.status = gr.HTML(elem_id="triage-status", padding=False)
        with gr.Row(equal_height=False):
            self.primary = ModelColumn("Primary model", "primary", visible=True)
            self.baseline = ModelColumn("Baseline model", "baseline", visible=ctx.service.has_baseline)
        with gr.Group(elem_id="safety-net"):
            gr.Markdown("### Safety net (rule engine)")
            self.safety = gr.HTML(render.safety_html(None), elem_id="safety-flags", padding=False)
            with gr.Row():
                self.vitals = gr.Dataframe(value=render.vitals_frame(None), label="Vitals read from the narrative",
                                           interactive=False, wrap=True, scale=1, elem_id="safety-vitals")
                self.findings = gr.Dataframe(value=render.findings_frame([]),
                                             label="What the rules found, with the words that triggered them",
                                             interactive=False, wrap=True, scale=2, elem_id="safety-findings")
        self._names = {"primary": ctx.backends.primary.name,
                       "baseline": ctx.backends.baseline.name if ctx.backends.baseline is not None else ""}

    @property
    def outputs(self) -> list[gr.components.Component]:
        return [self.status, *self.primary.outputs, *self.baseline.outputs, self.safety, self.vitals, self.findings]

    def notice(self, message: str, kind: str = "error") -> list[Any]:
        """Only the status line changes (a refusal keeps the previous results on the page)."""
        return [render.message_html(message, kind), *[gr.skip()] * (len(self.outputs) - 1)]

    def frame(self, run: TriageRun, first: bool) -> list[Any]:
        """Page values for a run; the safety panel is reset on the first frame and filled on the last."""
        safety = run.safety
        if first or run.done:
            panel = [render.safety_html(safety), render.vitals_frame(safety["vitals"] if safety else None),
                     render.findings_frame(safety["findings"] if safety else [])]
        else:
            panel = [gr.skip()] * 3
        return [
            render.message_html(""),
            *ModelColumn.view(run, "primary", self._names["primary"]),
            *ModelColumn.view(run, "baseline", self._names["baseline"]),
            *panel,
        ]


def _share(ctx: AppContext, cleaned: str, run: TriageRun) -> str:
    """Queue a finished run for the experts (de-identified on entry); the notice for the caller."""
    case = ctx.desk.add(cleaned, source="live", run=run)
    return f"Added to the expert label queue as case {case.case_id} (de-identified)."


def build(ctx: AppContext) -> None:
    with gr.Tab("Triage", id="triage"):
        view = TriageView(ctx)
        # Wiring stays inside the tab: gr.api adds a (hidden) component where it is called.
        _wire_page(ctx, view)
        _register_api(ctx)


def _wire_page(ctx: AppContext, view: TriageView) -> None:
    service = ctx.service

    async def triage_page(
        text: str, consent: bool, request: gr.Request, profile: gr.OAuthProfile | None
    ) -> AsyncIterator[list[Any]]:
        try:
            cleaned = service.admit(text, request_caller(request, profile))
        except InputError as exc:
            yield view.notice(str(exc))
            return
        last, answered = 0.0, -1
        async for run in service.stream(cleaned):
            # A model streams a token at a time; the page needs a frame per ~0.1 s, not per token.
            now = time.monotonic()
            results = (run.primary is not None) + (run.baseline is not None)
            if run.done or results != answered or now - last >= FRAME_INTERVAL_S:
                yield view.frame(run, first=answered < 0)
                last, answered = now, results
        if consent:
            yield view.notice(_share(ctx, cleaned, run), "info")

    for trigger in (view.run_btn.click, view.narrative.submit):
        trigger(
            triage_page, inputs=[view.narrative, view.share], outputs=view.outputs, api_visibility="private",
            concurrency_limit=ctx.settings.concurrency, concurrency_id=TRIAGE_POOL, show_progress="minimal",
        )


def _register_api(ctx: AppContext) -> None:
    async def run(narrative: str, request: gr.Request, profile: gr.OAuthProfile | None) -> tuple[str, TriageRun]:
        try:
            cleaned = ctx.service.admit(narrative, request_caller(request, profile))
        except InputError as exc:
            raise gr.Error(str(exc), print_exception=False) from None
        return cleaned, await ctx.service.run(cleaned)

    async def triage_json(narrative: str, request: gr.Request, profile: gr.OAuthProfile | None) -> dict:
        """Triage one narrative. Returns {"primary": {...}, "baseline": {...} or null, "safety": {...}}."""
        return (await run(narrative, request, profile))[1].payload()

    async def triage_json_and_share(narrative: str, request: gr.Request, profile: gr.OAuthProfile | None) -> dict:
        """As /triage_json, and the narrative (de-identified) joins the expert label queue: only with consent."""
        cleaned, result = await run(narrative, request, profile)
        return {**result.payload(), "shared": _share(ctx, cleaned, result)}

    for fn in (triage_json, triage_json_and_share):
        gr.api(fn, api_name=fn.__name__, concurrency_limit=ctx.settings.concurrency, concurrency_id=TRIAGE_POOL)


def _example_label(case_id: str, narrative: str, width: int = 70) -> str:
    first = " ".join(narrative.split())
    return f"{case_id}: {first[:width]}{'…' if len(first) > width else ''}"
