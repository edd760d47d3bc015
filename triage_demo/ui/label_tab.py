"""Label tab, top to bottom: who you are, your queue, the case, your blind level, then the models, then
adjudication and adding cases. Every handler checks the caller server-side (`triage_demo.auth.authorize`).

Also registers the `/label_queue`, `/label_submit` and `/label_adjudicate` API endpoints.
"""

from __future__ import annotations

from typing import Any

import gradio as gr
import pandas as pd

from triage_demo.annotation import REASON_TAGS, LabelDesk, NotAllowed, QueueItem
from triage_demo.auth import Annotator, authorize
from triage_demo.batch import read_batch
from triage_demo.schema import ESI_LEVELS, TriageResult
from triage_demo.service import InputError
from triage_demo.ui import render
from triage_demo.ui.context import AppContext

ESI_CHOICES = [(f"ESI {lvl}", lvl) for lvl in ESI_LEVELS]
QUEUE_COLUMNS = ["case", "source", "why it is early in your queue", "labels so far"]


class Refused(Exception):
    """Raised inside a handler to answer with a message instead of changing the page."""


def _queue_frame(items: list[QueueItem]) -> pd.DataFrame:
    rows = [(it.case.case_id, it.case.source, ", ".join(it.reasons), it.n_labels) for it in items]
    return pd.DataFrame(rows, columns=QUEUE_COLUMNS)


def _verdict_line(result: TriageResult | None, verdict: str | None, expert_esi: int) -> str:
    if result is None:
        return ""
    if result.esi is None:
        return f"No level could be read from this model's answer (your level: ESI {expert_esi})."
    return f"Model ESI {result.esi} vs your ESI {expert_esi}: {verdict}"


def build(ctx: AppContext) -> None:
    settings = ctx.settings
    desk: LabelDesk = ctx.desk

    def annotator_or_refuse(profile: gr.OAuthProfile | None) -> Annotator:
        decision = authorize(settings, profile)
        if decision.annotator is None:
            raise NotAllowed(decision.reason)
        return decision.annotator

    with gr.Tab("Label", id="label") as tab:
        gr.Markdown(
            "**For invited experts.** Read the narrative and commit **your own** ESI level first (keys 1-5), "
            "with a short rationale; only then are the models' answers shown. Cases where the models disagree, "
            "are unsure or trip the safety net come first. Narratives are de-identified."
        )
        who = gr.HTML(elem_id="label-who", padding=False)
        with gr.Row():
            load_btn = gr.Button("Load my queue", elem_id="label-load")
            next_btn = gr.Button("Next case", variant="primary", elem_id="label-next")
        queue = gr.Dataframe(value=pd.DataFrame(columns=QUEUE_COLUMNS), label="Your queue (click a row to open it)",
                             interactive=False, wrap=True, max_height=260, elem_id="label-queue")
        case_id = gr.Textbox(label="Case", interactive=False, elem_id="label-case-id")
        narrative = gr.Textbox(label="Narrative (de-identified)", lines=5, interactive=False,
                               elem_id="label-narrative")
        with gr.Group():
            gr.Markdown("#### Step 1: your level, before you see the models")
            esi = gr.Radio(ESI_CHOICES, label="Your ESI level (keys 1-5)", elem_id="expert-esi")
            rationale = gr.Textbox(label="Rationale (a sentence is enough)", lines=2, elem_id="label-rationale")
            tags = gr.CheckboxGroup(list(REASON_TAGS), label="Reason tags (optional)", elem_id="label-tags")
            commit_btn = gr.Button("Commit my level", variant="primary", elem_id="label-commit")
        status = gr.HTML(elem_id="label-status", padding=False)
        with gr.Column(visible=False, elem_id="label-reveal") as reveal:
            gr.Markdown("#### Step 2: what the models said, and your verdict on each")
            with gr.Row(equal_height=False):
                with gr.Column():
                    gr.Markdown("**Primary model**")
                    p_badge = gr.HTML(padding=False)
                    p_verdict = gr.Textbox(label="Verdict", interactive=False, elem_id="label-primary-verdict")
                    p_card = gr.Textbox(label="Its reasoning", lines=8, interactive=False)
                with gr.Column(visible=ctx.service.has_baseline):
                    gr.Markdown("**Baseline model**")
                    b_badge = gr.HTML(padding=False)
                    b_verdict = gr.Textbox(label="Verdict", interactive=False)
                    b_card = gr.Textbox(label="Its reasoning", lines=8, interactive=False)
            with gr.Accordion("Revise my label (your blind label stays on record)", open=False):
                rev_esi = gr.Radio(ESI_CHOICES, label="Revised ESI level")
                rev_rationale = gr.Textbox(label="Why you changed it", lines=2)
                revise_btn = gr.Button("Save revision")
        with gr.Accordion("Adjudication (adjudicators)", open=False):
            adj_table = gr.Dataframe(label="Current labels of this case", interactive=False, wrap=True)
            adj_esi = gr.Radio(ESI_CHOICES, label="Final ESI level")
            adj_rationale = gr.Textbox(label="Rationale for the final label", lines=2)
            adj_btn = gr.Button("Set final label")
        with gr.Accordion("Add cases to the queue (CSV/JSONL with a narrative column)", open=False):
            upload = gr.File(file_types=[".csv", ".jsonl", ".json"], type="filepath")
            upload_btn = gr.Button("Add to queue")

        # ---- handlers: each starts by deciding, on the server, who is calling -----------------------------
        async def load_queue(profile: gr.OAuthProfile | None) -> list[Any]:
            decision = authorize(settings, profile)
            if decision.annotator is None:
                return [render.message_html(decision.reason), pd.DataFrame(columns=QUEUE_COLUMNS)]
            await desk.ensure_triaged()
            role = "adjudicator" if decision.annotator.adjudicator else "expert"
            items = desk.queue(decision.annotator)
            note = f"Labelling as {decision.annotator.username} ({role}). {len(items)} case(s) waiting for you."
            return [render.message_html(note, "info"), _queue_frame(items)]

        def open_case(cid: str) -> list[Any]:
            case = desk.case(cid)
            return [cid, case.narrative, None, "", [], render.message_html(""), gr.Column(visible=False),
                    _adjudication_frame(cid)]

        open_outputs = [case_id, narrative, esi, rationale, tags, status, reveal, adj_table]

        async def next_case(profile: gr.OAuthProfile | None) -> list[Any]:
            try:
                who_ann = annotator_or_refuse(profile)
            except NotAllowed as exc:
                return [render.message_html(str(exc)), *[gr.skip()] * (len(open_outputs) - 1)]
            await desk.ensure_triaged()
            items = desk.queue(who_ann)
            if not items:
                return [gr.skip()] * 5 + [render.message_html("Your queue is empty. Thank you!", "ok"),
                                          gr.skip(), gr.skip()]
            return open_case(items[0].case.case_id)

        def select_case(frame: pd.DataFrame, evt: gr.SelectData, profile: gr.OAuthProfile | None) -> list[Any]:
            try:
                annotator_or_refuse(profile)
                return open_case(str(frame.iloc[evt.index[0]]["case"]))
            except (NotAllowed, InputError) as exc:
                return [gr.skip()] * 5 + [render.message_html(str(exc)), gr.skip(), gr.skip()]

        def _adjudication_frame(cid: str) -> pd.DataFrame:
            rows = [(r.annotator, r.role, r.expert_esi, r.rationale, ", ".join(r.reason_tags), r.timestamp)
                    for r in desk.labels_for(cid)]
            return pd.DataFrame(rows, columns=["annotator", "role", "ESI", "rationale", "tags", "time (UTC)"])

        reveal_outputs = [status, reveal, p_badge, p_verdict, p_card, b_badge, b_verdict, b_card]

        def _reveal(cid: str, record: Any, note: str) -> list[Any]:
            run = desk.case(cid).run
            assert run is not None
            p_v = record.primary.verdict if record.primary else None
            b_v = record.baseline.verdict if record.baseline else None
            return [
                render.message_html(note, "ok"), gr.Column(visible=True),
                render.badge_html(run.primary, role="label-primary"),
                _verdict_line(run.primary, p_v, record.expert_esi), render.card_text(run.primary),
                render.badge_html(run.baseline, role="label-baseline") if run.baseline else "",
                _verdict_line(run.baseline, b_v, record.expert_esi), render.card_text(run.baseline),
            ]

        def commit(cid: str, level: int | None, why: str, chosen: list[str],
                   profile: gr.OAuthProfile | None) -> list[Any]:
            try:
                annotator = annotator_or_refuse(profile)
                if not cid:
                    raise InputError("Open a case first (Next case, or click a row of your queue).")
                if level is None:
                    raise InputError("Choose your ESI level (1-5) first.")
                record = desk.commit(annotator, cid, level, why, chosen)
            except (InputError, ValueError) as exc:
                return [render.message_html(str(exc)), *[gr.skip()] * (len(reveal_outputs) - 1)]
            return _reveal(cid, record, f"Saved: your ESI {record.expert_esi} for case {cid}.")

        def revise(cid: str, level: int | None, why: str, profile: gr.OAuthProfile | None) -> list[Any]:
            try:
                annotator = annotator_or_refuse(profile)
                if level is None:
                    raise InputError("Choose the revised ESI level first.")
                record = desk.revise(annotator, cid, level, why)
            except (InputError, ValueError) as exc:
                return [render.message_html(str(exc)), *[gr.skip()] * (len(reveal_outputs) - 1)]
            return _reveal(cid, record, f"Revised: your ESI is now {record.expert_esi} for case {cid}.")

        def adjudicate(cid: str, level: int | None, why: str, profile: gr.OAuthProfile | None) -> list[Any]:
            try:
                annotator = annotator_or_refuse(profile)
                if not cid or level is None:
                    raise InputError("Open a case and choose the final ESI level first.")
                record = desk.adjudicate(annotator, cid, level, why)
            except (InputError, ValueError) as exc:
                return [render.message_html(str(exc)), gr.skip()]
            return [render.message_html(f"Final label for case {cid}: ESI {record.expert_esi}.", "ok"),
                    _adjudication_frame(cid)]

        def add_cases(path: str | None, profile: gr.OAuthProfile | None) -> str:
            try:
                annotator_or_refuse(profile)
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

        for trigger in (tab.select, load_btn.click):
            trigger(load_queue, outputs=[who, queue], api_visibility="private")
        next_btn.click(next_case, outputs=open_outputs, api_visibility="private")
        queue.select(select_case, inputs=[queue], outputs=open_outputs, api_visibility="private")
        commit_btn.click(commit, inputs=[case_id, esi, rationale, tags], outputs=reveal_outputs,
                         api_visibility="private")
        revise_btn.click(revise, inputs=[case_id, rev_esi, rev_rationale], outputs=reveal_outputs,
                         api_visibility="private")
        adj_btn.click(adjudicate, inputs=[case_id, adj_esi, adj_rationale], outputs=[status, adj_table],
                      api_visibility="private")
        upload_btn.click(add_cases, inputs=[upload], outputs=[status], api_visibility="private")

        # ---- the same operations as a JSON API ----------------------------------------------------------
        async def label_queue(profile: gr.OAuthProfile | None) -> dict:
            """Your label queue (narratives only; model answers come back from /label_submit)."""
            try:
                annotator = annotator_or_refuse(profile)
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
                record = desk.commit(annotator_or_refuse(profile), case_id, esi, rationale, tags)
            except (InputError, ValueError) as exc:
                raise gr.Error(str(exc), print_exception=False) from None
            return record.to_row()

        def label_adjudicate(case_id: str, esi: int, rationale: str, profile: gr.OAuthProfile | None) -> dict:
            """Set a case's final label (adjudicators only)."""
            try:
                record = desk.adjudicate(annotator_or_refuse(profile), case_id, esi, rationale)
            except (InputError, ValueError) as exc:
                raise gr.Error(str(exc), print_exception=False) from None
            return record.to_row()

        gr.api(label_queue, api_name="label_queue")
        gr.api(label_submit, api_name="label_submit")
        gr.api(label_adjudicate, api_name="label_adjudicate")
