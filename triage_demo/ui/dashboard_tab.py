"""Dashboard tab, top to bottom: sync status and totals, labels per level / over time / per expert, the models
against the experts (metrics, confusion), agreement between experts, under-triaged cases, downloads.

Aggregates are public; case narratives and the downloads (the labels dataset itself, private on the Hub by
default) are for signed-in annotators only. Also registers the `/dashboard_data` API endpoint.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import gradio as gr
import pandas as pd

from triage_demo.auth import authorize
from triage_demo.dashboard import summarize, write_exports
from triage_demo.schema import ESI_LEVELS
from triage_demo.ui import render
from triage_demo.ui.context import AppContext

LEVEL_COLOURS = {f"ESI {lvl}": colour for lvl, (colour, _) in render.ESI_COLOURS.items()}
DOWNLOADS = (("records.csv", "All label records (CSV)"), ("records.parquet", "All label records (Parquet)"),
             ("consensus.csv", "Consensus per case (CSV)"), ("consensus.parquet", "Consensus per case (Parquet)"),
             ("eval-cases.jsonl", "Consensus as eval cases (JSONL)"))


def _totals_markdown(data: dict[str, Any]) -> str:
    agreement = data["agreement"]
    alpha = agreement["krippendorff_alpha_ordinal"]
    return (
        f"**{data['current_labels']}** current labels by **{data['experts']}** expert(s) on **{data['cases']}** "
        f"case(s) ({data['records']} records including revisions). Cases with 2+ labels: "
        f"**{agreement['cases_with_2plus_labels']}**; Krippendorff's alpha (ordinal): "
        f"**{'n/a' if alpha is None else f'{alpha:.3f}'}**."
    )


def _per_level(data: dict[str, Any]) -> pd.DataFrame:
    return pd.DataFrame({"level": [f"ESI {k}" for k in data["labels_per_level"]],
                         "labels": list(data["labels_per_level"].values())})


def _per_day(data: dict[str, Any]) -> pd.DataFrame:
    return pd.DataFrame({"day": list(data["labels_per_day"]), "labels": list(data["labels_per_day"].values())})


def _annotators(data: dict[str, Any]) -> pd.DataFrame:
    rows = [(a["annotator"], a["labels"], a["mean_esi"],
             " ".join(f"{k}:{v}" for k, v in a["levels"].items()), a["compared"],
             "n/a" if a["agreement_with_consensus"] is None else f"{100 * a['agreement_with_consensus']:.0f} %")
            for a in data["annotators"]]
    return pd.DataFrame(rows, columns=["expert", "labels", "mean ESI", "levels", "cases shared",
                                       "agrees with consensus"])


def _confusion_long(data: dict[str, Any]) -> pd.DataFrame:
    """Stacked bars: for each reference level, how the primary model's answers split (in ESI colours)."""
    model = data["models"].get("primary")
    rows = []
    if model:
        for ref, row in zip(ESI_LEVELS, model["metrics"]["confusion"]):
            rows += [(f"ESI {ref}", f"ESI {pred}", n) for pred, n in zip(ESI_LEVELS, row) if n]
    # Plain column names: the plot library treats quotes and dots in field names as syntax.
    return pd.DataFrame(rows, columns=["experts level", "model answer", "cases"])


def _confusion_table(data: dict[str, Any]) -> pd.DataFrame:
    model = data["models"].get("primary")
    matrix = model["metrics"]["confusion"] if model else [[0] * 5 for _ in ESI_LEVELS]
    return pd.DataFrame([[f"experts ESI {ref}", *row] for ref, row in zip(ESI_LEVELS, matrix)],
                        columns=["", *(f"model ESI {p}" for p in ESI_LEVELS)])


def _pairs(data: dict[str, Any]) -> pd.DataFrame:
    rows = [(p["annotator_a"], p["annotator_b"], p["n"], f"{100 * p['exact']:.0f} %",
             "n/a" if p["qwk"] is None else f"{p['qwk']:.3f}") for p in data["agreement"]["pairs"]]
    return pd.DataFrame(rows, columns=["expert A", "expert B", "shared cases", "exact agreement",
                                       "weighted kappa"])


def _under(data: dict[str, Any]) -> pd.DataFrame:
    rows = [(u["case_id"], u["model"], u["reference_esi"], u["model_esi"], u.get("narrative", "(sign in)"))
            for u in data["under_triaged"]]
    return pd.DataFrame(rows, columns=["case", "model", "experts' ESI", "model ESI", "narrative"])


def build(ctx: AppContext) -> None:
    settings = ctx.settings
    labels = ctx.desk.labels

    def data_for(profile: gr.OAuthProfile | None) -> tuple[dict[str, Any], bool]:
        records = labels.read().records
        data = summarize(records)
        data["sync"] = labels.sync_message()
        insider = authorize(settings, profile).allowed
        if not insider:  # aggregates only: no narratives for the public
            for row in data["under_triaged"]:
                row.pop("narrative", None)
        return data, insider

    with gr.Tab("Dashboard", id="dashboard") as tab:
        with gr.Row():
            gr.Markdown("Labels collected so far, how the models compare with the experts' consensus, and how "
                        "far the experts agree with each other.")
            refresh = gr.Button("Refresh", scale=0, min_width=120, elem_id="dashboard-refresh")
        sync = gr.HTML(padding=False, elem_id="dashboard-sync")
        totals = gr.Markdown(elem_id="dashboard-totals")
        with gr.Row():
            per_level = gr.BarPlot(x="level", y="labels", color="level", color_map=LEVEL_COLOURS,
                                   label="Labels per level (current expert labels)", height=240, y_lim=[0, None])
            per_day = gr.BarPlot(x="day", y="labels", label="Labels per day (UTC)", height=240, y_lim=[0, None])
        per_expert = gr.Dataframe(label="Per expert", interactive=False, wrap=True)
        gr.Markdown("### The models against the experts' consensus")
        metrics = gr.Dataframe(label="Metrics (Wilson 95 % intervals)", interactive=False, wrap=True,
                               elem_id="dashboard-metrics")
        with gr.Row():
            confusion_plot = gr.BarPlot(x="experts level", y="cases", color="model answer",
                                        color_map=LEVEL_COLOURS, label="Primary model's answers per experts' level",
                                        height=280, y_lim=[0, None])
            confusion = gr.Dataframe(label="Confusion matrix, primary model (rows: experts)", interactive=False)
        gr.Markdown("### Agreement between experts")
        pairs = gr.Dataframe(label="Pairs of experts (quadratic-weighted kappa)", interactive=False)
        under = gr.Dataframe(label="Under-triaged cases (model less acute than the experts), worst first",
                             interactive=False, wrap=True, elem_id="dashboard-under",
                             column_widths=["16%", "10%", "10%", "10%", "54%"])
        gr.Markdown("### Downloads (signed-in annotators)")
        with gr.Row():
            downloads = [gr.DownloadButton(label, visible=False, size="sm") for _, label in DOWNLOADS]

        def show(profile: gr.OAuthProfile | None) -> list[Any]:
            data, insider = data_for(profile)
            files: list[Any] = [gr.DownloadButton(visible=False) for _ in DOWNLOADS]
            if insider and data["records"]:
                paths = write_exports(labels.read().records, Path(tempfile.mkdtemp(prefix="labels-")))
                files = [gr.DownloadButton(value=str(paths[key]), visible=True) for key, _ in DOWNLOADS]
            model_metrics = {f"{role}: {', '.join(m['names'])}": m["metrics"] for role, m in data["models"].items()}
            return [
                render.message_html(data["sync"], "info"),
                _totals_markdown(data),
                _per_level(data),
                _per_day(data),
                _annotators(data),
                render.metrics_frame(model_metrics) if model_metrics else pd.DataFrame(),
                _confusion_long(data),
                _confusion_table(data),
                _pairs(data),
                _under(data),
                *files,
            ]

        outputs = [sync, totals, per_level, per_day, per_expert, metrics, confusion_plot, confusion, pairs, under,
                   *downloads]
        for trigger in (tab.select, refresh.click):
            trigger(show, outputs=outputs, api_visibility="private")

        def dashboard_data(profile: gr.OAuthProfile | None) -> dict:
            """Labels per level/day/expert, model metrics against the consensus, agreement, under-triaged cases."""
            return data_for(profile)[0]

        gr.api(dashboard_data, api_name="dashboard_data")
