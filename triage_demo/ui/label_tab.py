"""Label tab, top to bottom: who you are, your queue, the case, your blind level, then the models, then
adjudication and adding cases. Every handler decides server-side who is calling (`triage_demo.auth`).

Also registers the `/label_queue`, `/label_submit` and `/label_adjudicate` API endpoints.
"""

from __future__ import annotations

from typing import Any

import gradio as gr
import pandas as pd

from triage_demo.annotation import REASON_TAGS, NotAllowed, QueueItem
from triage_demo.auth import Annotator, authorize
from triage_demo.batch import read_batch
from triage_demo.labels.record import LabelRecord
from triage_demo.schema import ESI_LEVELS, TriageResult
from triage_demo.service import InputError
from triage_demo.settings import Settings
from triage_demo.ui import render
from triage_demo.ui.context import AppContext

ESI_CHOICES = [(f"ESI {lvl}", lvl) for lvl in ESI_LEVELS]
QUEUE_COLUMNS = ["case", "source", "why it is early in your queue", "labels so far"]
LABEL_COLUMNS = ["annotator", "role", "ESI", "rationale", "tags", "time (UTC)"]


def annotator_or_refuse(settings: Settings, profile: gr.OAuthProfile | None) -> Annotator:
    """The caller as an annotator, from the login only; NotAllowed with the reason otherwise."""
    decision = authorize(settings, profile)
    if decision.annotator is None:
        raise NotAllowed(decision.reason)
    return decision.annotator


def _queue_frame(items: list[QueueItem]) -> pd.DataFrame:
    rows = [(it.case.case_id, it.case.source, ", ".join(it.reasons), it.n_labels) for it in items]
    return pd.DataFrame(rows, columns=QUEUE_COLUMNS)


def _labels_frame(records: list[LabelRecord]) -> pd.DataFrame:
    rows = [(r.annotator, r.role, r.expert_esi, r.rationale, ", ".join(r.reason_tags), r.timestamp) for r in records]
    return pd.DataFrame(rows, columns=LABEL_COLUMNS)


def _verdict_line(result: TriageResult | None, verdict: str | None, expert_esi: int) -> str:
    if result is None:
        return ""
    if result.esi is None:
        return f"No level could be read from this model's answer (your level: ESI {expert_esi})."
    return f"Model ESI {result.esi} vs your ESI {expert_esi}: {verdict}"


class RevealColumn:
    """One model's answer as shown after the expert's commit: badge, verdict, reasoning."""

    def __init__(self, title: str, role: str, visible: bool) -> None:
        with gr.Column(visible=visible):
            gr.Markdown(f"**{title}**")
            self.badge = gr.HTML(padding=False)
            self.verdict = gr.Textbox(label="Verdict", interactive=False, elem_id=f"label-{role}-verdict")
            self.card = gr.Textbox(label="Its reasoning", lines=8, interactive=False)
        self.role = role

    @property
    def outputs(self) -> list[gr.components.Component]:
        return [self.badge, self.verdict, self.card]

    def values(self, result: TriageResult | None, record: LabelRecord) -> list[Any]:
        output = getattr(record, self.role)
        return [
            render.badge_html(result, role=f"label-{self.role}") if result is not None else "",
            _verdict_line(result, output.verdict if output is not None else None, record.expert_esi),
            render.card_text(result),
        ]


class LabelView:
    """The tab's components in page order."""

    def __init__(self, ctx: AppContext) -> None:
        gr.Markdown(
            "**For invited experts.** Read the narrative and commit **your own** ESI level first (keys 1-5), "
            "with a short rationale; only then are the models' answers shown. Cases where the models disagree, "
            "are unsure or trip the safety net come first. Narratives are de-identified."
        )
        self.who = gr.HTML(elem_id="label-who", padding=False)
        with gr.Row():
            self.load_btn = gr.Button("Load my queue", elem_id="label-load")
            self.next_btn = gr.Button("Next case", variant="primary", elem_id="label-next")
        self.queue = gr.Dataframe(value=pd.DataFrame(columns=QUEUE_COLUMNS), interactive=False, wrap=True,
                                  label="Your queue (click a row to open it)", max_height=260,
                                  elem_id="label-queue")
        self.case_id = gr.Textbox(label="Case", interactive=False, elem_id="label-case-id")
        self.narrative = gr.Textbox(label="Narrative (de-identified)", lines=5, interactive=False,
                                    elem_id="label-narrative")
        with gr.Group():
            gr.Markdown("#### Step 1: your level, before you see the models")
            self.esi = gr.Radio(ESI_CHOICES, label="Your ESI level (keys 1-5)", elem_id="expert-esi")
            self.rationale = gr.Textbox(label="Rationale (a sentence is enough)", lines=2, elem_id="label-rationale")
            self.tags = gr.CheckboxGroup(list(REASON_TAGS), label="Reason tags (optional)", elem_id="label-tags")
            self.commit_btn = gr.Button("Commit my level", variant="primary", elem_id="label-commit")
        self.status = gr.HTML(elem_id="label-status", padding=False)
        with gr.Column(visible=False, elem_id="label-reveal") as self.reveal:
            gr.Markdown("#### Step 2: what the models said, and your verdict on each")
            with gr.Row(equal_height=False):
                self.primary = RevealColumn("Primary model", "primary", visible=True)
                self.baseline = RevealColumn("Baseline model", "baseline", visible=ctx.service.has_baseline)
            with gr.Accordion("Revise my label (your blind label stays on record)", open=False):
                self.rev_esi = gr.Radio(ESI_CHOICES, label="Revised ESI level")
                self.rev_rationale = gr.Textbox(label="Why you changed it", lines=2)
                self.revise_btn = gr.Button("Save revision")
        with gr.Accordion("Adjudication (adjudicators)", open=False):
            self.adj_table = gr.Dataframe(label="Current labels of this case", interactive=False, wrap=True)
            self.adj_esi = gr.Radio(ESI_CHOICES, label="Final ESI level")
            self.adj_rationale = gr.Textbox(label="Rationale for the final label", lines=2)
            self.adj_btn = gr.Button("Set final label")
        with gr.Accordion("Add cases to the queue (CSV/JSONL with a narrative column)", open=False):
            self.upload = gr.File(file_types=[".csv", ".jsonl", ".json"], type="filepath")
            self.upload_btn = gr.Button("Add to queue")

    @property
    def open_outputs(self) -> list[gr.components.Component]:
        """What changes when a case is opened (the form is cleared, the reveal hidden)."""
        return [self.case_id, self.narrative, self.esi, self.rationale, self.tags, self.status, self.reveal,
                self.adj_table]

    @property
    def reveal_outputs(self) -> list[gr.components.Component]:
        return [self.status, self.reveal, *self.primary.outputs, *self.baseline.outputs]

    def status_only(self, outputs: list[gr.components.Component], message: str, kind: str = "error") -> list[Any]:
        return [render.message_html(message, kind) if c is self.status else gr.skip() for c in outputs]


def build(ctx: AppContext) -> None:
    with gr.Tab("Label", id="label") as tab:
        view = LabelView(ctx)
        _wire_page(ctx, view, tab)
        _register_api(ctx)


def _wire_page(ctx: AppContext, view: LabelView, tab: gr.Tab) -> None:
    settings, desk = ctx.settings, ctx.desk

    async def load_queue(profile: gr.OAuthProfile | None) -> list[Any]:
        decision = authorize(settings, profile)
        if decision.annotator is None:
            return [render.message_html(decision.reason), pd.DataFrame(columns=QUEUE_COLUMNS)]
        await desk.ensure_triaged()
        items = desk.queue(decision.annotator)
        role = "adjudicator" if decision.annotator.adjudicator else "expert"
        note = f"Labelling as {decision.annotator.username} ({role}). {len(items)} case(s) waiting for you."
        return [render.message_html(note, "info"), _queue_frame(items)]

    def open_case(case_id: str) -> list[Any]:
        case = desk.case(case_id)
        return [case_id, case.narrative, None, "", [], render.message_html(""), gr.Column(visible=False),
                _labels_frame(desk.labels_for(case_id))]

    async def next_case(profile: gr.OAuthProfile | None) -> list[Any]:
        try:
            annotator = annotator_or_refuse(settings, profile)
        except NotAllowed as exc:
            return view.status_only(view.open_outputs, str(exc))
        await desk.ensure_triaged()
        items = desk.queue(annotator)
        if not items:
            return view.status_only(view.open_outputs, "Your queue is empty. Thank you!", "ok")
        return open_case(items[0].case.case_id)

    def select_case(frame: pd.DataFrame, evt: gr.SelectData, profile: gr.OAuthProfile | None) -> list[Any]:
        try:
            annotator_or_refuse(settings, profile)
            return open_case(str(frame.iloc[evt.index[0]]["case"]))
        except InputError as exc:
            return view.status_only(view.open_outputs, str(exc))

    def reveal(case_id: str, record: LabelRecord, note: str) -> list[Any]:
        run = desk.case(case_id).run
        assert run is not None  # a label is only accepted for a case the models have answered
        return [render.message_html(note, "ok"), gr.Column(visible=True),
                *view.primary.values(run.primary, record), *view.baseline.values(run.baseline, record)]

    def commit(case_id: str, level: int | None, why: str, tags: list[str],
               profile: gr.OAuthProfile | None) -> list[Any]:
        try:
            annotator = annotator_or_refuse(settings, profile)
            if not case_id:
                raise InputError("Open a case first (Next case, or click a row of your queue).")
            if level is None:
                raise InputError("Choose your ESI level (1-5) first.")
            record = desk.commit(annotator, case_id, level, why, tags)
        except (InputError, ValueError) as exc:  # ValueError: the label record refused a field
            return view.status_only(view.reveal_outputs, str(exc))
        return reveal(case_id, record, f"Saved: your ESI {record.expert_esi} for case {case_id}.")

    def revise(case_id: str, level: int | None, why: str, profile: gr.OAuthProfile | None) -> list[Any]:
        try:
            annotator = annotator_or_refuse(settings, profile)
            if level is None:
                raise InputError("Choose the revised ESI level first.")
            record = desk.revise(annotator, case_id, level, why)
        except (InputError, ValueError) as exc:
            return view.status_only(view.reveal_outputs, str(exc))
        return reveal(case_id, record, f"Revised: your ESI is now {record.expert_esi} for case {case_id}.")

    def adjudicate(case_id: str, level: int | None, why: str, profile: gr.OAuthProfile | None) -> list[Any]:
        try:
            annotator = annotator_or_refuse(settings, profile)
            if not case_id or level is None:
                raise InputError("Open a case and choose the final ESI level first.")
            record = desk.adjudicate(annotator, case_id, level, why)
        except (InputError, ValueError) as exc:
            return [render.message_html(str(exc)), gr.skip()]
        return [render.message_html(f"Final label for case {case_id}: ESI {record.expert_esi}.", "ok"),
                _labels_frame(desk.labels_for(case_id))]

    def add_cases(path: str | None, profile: gr.OAuthProfile | None) -> str:
        try:
            annotator_or_refuse(settings, profile)
            if not path:
                raise InputError("Choose a .csv or .jsonl file first.")
            rows, problems = read_batch(path, settings.max_chars, settings.batch_max_rows)
            added = desk.add_many((r.narrative for r in rows), source="upload")
        except InputError as exc:
            return render.message_html(str(exc))
        note = f"Added {added} new case(s) (de-identified); {len(rows) - added} were already queued."
        if problems:
            note += f" Skipped {len(problems)} row(s): " + "; ".join(problems[:3])
        return render.message_html(note, "ok")

    private = {"api_visibility": "private"}
    for trigger in (tab.select, view.load_btn.click):
        trigger(load_queue, outputs=[view.who, view.queue], **private)
    view.next_btn.click(next_case, outputs=view.open_outputs, **private)
    view.queue.select(select_case, inputs=[view.queue], outputs=view.open_outputs, **private)
    view.commit_btn.click(commit, inputs=[view.case_id, view.esi, view.rationale, view.tags],
                          outputs=view.reveal_outputs, **private)
    view.revise_btn.click(revise, inputs=[view.case_id, view.rev_esi, view.rev_rationale],
                          outputs=view.reveal_outputs, **private)
    view.adj_btn.click(adjudicate, inputs=[view.case_id, view.adj_esi, view.adj_rationale],
                       outputs=[view.status, view.adj_table], **private)
    view.upload_btn.click(add_cases, inputs=[view.upload], outputs=[view.status], **private)


def _register_api(ctx: AppContext) -> None:
    settings, desk = ctx.settings, ctx.desk

    async def label_queue(profile: gr.OAuthProfile | None) -> dict:
        """Your label queue (narratives only; model answers come back from /label_submit)."""
        try:
            annotator = annotator_or_refuse(settings, profile)
        except NotAllowed as exc:
            raise gr.Error(str(exc), print_exception=False) from None
        await desk.ensure_triaged()
        return {
            "annotator": annotator.username,
            "cases": [{"case_id": it.case.case_id, "narrative": it.case.narrative, "source": it.case.source,
                       "reasons": list(it.reasons), "n_labels": it.n_labels} for it in desk.queue(annotator)],
        }

    def label_submit(case_id: str, esi: int, rationale: str, tags: list[str],
                     profile: gr.OAuthProfile | None) -> dict:
        """Commit your blind ESI level for a case; returns the stored label with the models' answers."""
        try:
            record = desk.commit(annotator_or_refuse(settings, profile), case_id, esi, rationale, tags)
        except (InputError, ValueError) as exc:
            raise gr.Error(str(exc), print_exception=False) from None
        return record.to_row()

    def label_adjudicate(case_id: str, esi: int, rationale: str, profile: gr.OAuthProfile | None) -> dict:
        """Set a case's final label (adjudicators only)."""
        try:
            record = desk.adjudicate(annotator_or_refuse(settings, profile), case_id, esi, rationale)
        except (InputError, ValueError) as exc:
            raise gr.Error(str(exc), print_exception=False) from None
        return record.to_row()

    gr.api(label_queue, api_name="label_queue")
    gr.api(label_submit, api_name="label_submit")
    gr.api(label_adjudicate, api_name="label_adjudicate")
