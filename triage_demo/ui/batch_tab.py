"""Batch tab, top to bottom: upload, run (with progress), metrics when the file has reference levels, results."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import gradio as gr

from triage_demo.batch import ESI_KEYS, NARRATIVE_KEYS, read_batch, run_batch
from triage_demo.service import InputError
from triage_demo.ui import render
from triage_demo.ui.context import AppContext

#: Batches are long; a couple at a time keeps the model server's capacity for interactive users.
BATCH_CONCURRENCY = 2


def build(ctx: AppContext) -> None:
    settings = ctx.settings
    with gr.Tab("Batch", id="batch"):
        gr.Markdown(
            f"Upload a **CSV** or **JSONL** file of narratives (up to {settings.batch_max_rows:,} rows). "
            f"Columns/keys: `{NARRATIVE_KEYS[0]}` (required), `{ESI_KEYS[0]}` (optional reference level 1-5), "
            "`id` (optional). With reference levels you get the same metrics as `triage-demo eval`."
        )
        upload = gr.File(label="Case file", file_types=[".csv", ".jsonl", ".json"], type="filepath",
                         elem_id="batch-file")
        run_btn = gr.Button("Run batch", variant="primary", elem_id="batch-run")
        status = gr.HTML(elem_id="batch-status", padding=False)
        metrics = gr.Dataframe(label="Metrics against the reference levels (Wilson 95 % intervals)",
                               interactive=False, wrap=True, visible=False, elem_id="batch-metrics")
        table = gr.Dataframe(label="Results", interactive=False, wrap=True, max_height=600, elem_id="batch-table",
                             column_widths=["7%", "8%", "8%", "8%", "8%", "6%", "10%", "8%", "37%"])
        download = gr.DownloadButton("Download results (CSV)", visible=False, elem_id="batch-download")

    names = {"primary": ctx.backends.primary.name,
             "baseline": ctx.backends.baseline.name if ctx.backends.baseline is not None else ""}

    async def batch(path: str | None, progress: gr.Progress = gr.Progress()) -> list[Any]:
        """Triage every row of an uploaded file; returns status, metrics, results table, CSV download."""
        if not path:
            return [render.message_html("Choose a .csv or .jsonl file first."), gr.skip(), gr.skip(), gr.skip()]
        try:
            rows, problems = read_batch(path, settings.max_chars, settings.batch_max_rows)
        except InputError as exc:
            return [render.message_html(str(exc)), gr.skip(), gr.skip(), gr.skip()]
        progress((0, len(rows)), desc="Triaging", unit="cases")
        report = await run_batch(ctx.service, rows,
                                 on_progress=lambda done, total: progress((done, total), desc="Triaging",
                                                                          unit="cases"))
        frame = report.table()
        out = Path(tempfile.mkdtemp(prefix="batch-")) / f"{Path(path).stem}-triaged.csv"
        frame.to_csv(out, index=False)
        note = f"Triaged {len(rows):,} case(s)."
        if problems:
            note += f" Skipped {len(problems)}: " + "; ".join(problems[:5]) + ("; …" if len(problems) > 5 else "")
        return [
            render.message_html(note, "error" if problems else "ok"),
            gr.Dataframe(value=render.metrics_frame({f"{role}: {names[role]}": m for role, m in report.metrics.items()}),
                         visible=bool(report.metrics)),
            frame,
            gr.DownloadButton(value=str(out), visible=True),
        ]

    run_btn.click(batch, inputs=[upload], outputs=[status, metrics, table, download], api_name="batch",
                  concurrency_limit=BATCH_CONCURRENCY, concurrency_id="batch")
