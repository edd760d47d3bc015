"""The whole page: header, login, permanent disclaimer, then the tabs in reading order.

`build_app` is what `app.py`, the tests and the benchmark call; `launch_options` holds what Gradio 6 takes in
`launch()` rather than in `Blocks()` (theme, CSS, JS).
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from triage_demo import DISCLAIMER
from triage_demo.annotation import LabelDesk
from triage_demo.backends import Backends, build_backends
from triage_demo.evaluate import load_cases
from triage_demo.service import TriageService
from triage_demo.settings import Settings
from triage_demo.ui import about_tab, batch_tab, dashboard_tab, label_tab, triage_tab
from triage_demo.ui.assets import CSS, JS
from triage_demo.ui.context import AppContext
from triage_demo.ui.render import escape_text

TITLE = "ESI Triage Studio"
#: Room in the queue's worker pool for label, dashboard and health events next to a full triage load.
OTHER_EVENTS = 16


def build_context(settings: Settings, backends: Backends | None = None) -> AppContext:
    """Services shared by every session; a missing or broken examples file leaves a note, not a crash.

    Without `backends`, they are built from the settings: streaming ones for the page and, when streaming
    is on, a second set asking for whole answers for the JSON API, the batch and the label queue.
    """
    from triage_demo.labels.service import LabelService

    whole: Backends | None = None
    if backends is None:
        backends = build_backends(settings)
        whole = build_backends(settings.with_(stream=False)) if settings.stream else None
    service = TriageService(settings, backends, whole)
    ctx = AppContext(settings=settings, backends=backends, service=service,
                     desk=LabelDesk(service, LabelService.from_settings(settings)))
    path = settings.examples_path
    if not path.is_file():
        ctx.examples_note = f"No examples: {path} does not exist."
    else:
        ctx.examples, problems = load_cases(path)
        if problems:
            ctx.examples_note = f"{len(problems)} line(s) of {path} skipped: " + "; ".join(problems[:3])
    ctx.desk.add_many((case.narrative for case in ctx.examples), source="example")
    return ctx


def build_app(ctx: AppContext, *, login: bool | None = None) -> gr.Blocks:
    """The Blocks app with its queue configured.

    `login` adds the Hugging Face login button (and with it Gradio's OAuth routes). It defaults to "on a
    Space": locally Gradio's mocked login needs a saved HF token and network, so it is off unless asked for.
    """
    settings = ctx.settings
    with gr.Blocks(title=TITLE) as demo:
        with gr.Row(equal_height=True):
            gr.Markdown(f"# {TITLE}\nEmergency Severity Index triage by a fine-tuned MedGemma, checked by rules "
                        "and by experts.")
            if settings.on_space if login is None else login:
                gr.LoginButton(size="sm", scale=0, min_width=220)
        gr.HTML(f'<div class="disclaimer" id="disclaimer"><strong>⚠ {escape_text(DISCLAIMER)}</strong></div>',
                padding=False)
        with gr.Tabs():
            triage_tab.build(ctx)
            label_tab.build(ctx)
            dashboard_tab.build(ctx)
            batch_tab.build(ctx)
            about_tab.build(ctx)
    demo.queue(max_size=settings.queue_size, default_concurrency_limit=settings.concurrency)
    return demo


def launch_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for `demo.launch()` that every launcher (app.py, tests, bench, screenshots) passes.

    `max_threads` is also the number of events Gradio's queue processes at once, across all events (40 by
    default): it must exceed the triage concurrency or that limit is never reached.
    """
    return {
        "theme": gr.themes.Soft(),
        "css": CSS,
        "js": JS,
        "footer_links": ["api", "gradio"],
        "max_threads": settings.concurrency + batch_tab.BATCH_CONCURRENCY + OTHER_EVENTS,
        # Gradio keeps each session's copy of the page config (~0.2 MB here) for the last 10,000 sessions by
        # default, and a sessionless `/call/...` API request is a new session: ~2 GB for an API client's loop.
        "state_session_capacity": settings.session_capacity,
    }
