"""About tab: what the model is, how well it did, how to deploy this Space, what it cannot do; live backend health."""

from __future__ import annotations

import gradio as gr

from triage_demo.backends import check_health
from triage_demo.settings import DEFAULT_MODEL
from triage_demo.ui.context import AppContext

ABOUT = f"""
## The model
[`{DEFAULT_MODEL}`](https://huggingface.co/{DEFAULT_MODEL}) is Google's MedGemma-4B-it fine-tuned for
Emergency Severity Index (ESI) triage: supervised fine-tuning on about 7,500 class-balanced records
(MIMIC-IV-ED gold labels and MIETIC narratives), then GRPO with a rule-aware reward that punishes
under-triage of ESI 1-2 hardest. It reads a triage narrative and answers in a fixed format: an EXTRACTION
block (chief complaint, vital signs, red flags), the ESI algorithm's steps A-D, and `ANSWER: ESI n`.

Reported on the 36 expert-annotated MIETIC cases: 83.3 % exact and 97.2 % adjacent (±1) agreement. With 36
cases the 95 % interval of the exact figure is roughly ±12 points; one ESI 1 case was called ESI 3.

## What this Space adds
- **Triage**: the model (and an optional baseline model) side by side, streamed, with per-level probabilities
  when the server returns log-probabilities; the rule engine's minimum acuity and danger-zone findings as a
  safety net that warns when a model answers less acute than the rules allow.
- **Label**: invited experts commit their own level blind, then judge each model; labels are de-identified
  and pushed to a Hub dataset that feeds the retraining job.
- **Dashboard** and **Batch**: agreement with experts, under-triage with Wilson intervals, and bulk runs.

## Deploying
The Space itself runs on CPU. Without `TRIAGE_BACKEND_URL` it answers with the built-in rule engine. For the
model, serve it with SGLang on a GPU host reachable on port 80, 443 or 8080 (the only ports a Space can call)
and set `TRIAGE_BACKEND_URL=https://host/v1` (plus `TRIAGE_API_KEY` as a secret). A comparison model is
`TRIAGE_BASELINE_URL` + `TRIAGE_BASELINE_MODEL`. Annotators: `TRIAGE_EXPERTS`, `TRIAGE_EXPERT_ORG`,
`TRIAGE_ADJUDICATORS`; label sync: `TRIAGE_LABELS_REPO` and an `HF_TOKEN` secret with write access.
The API: `gradio_client.Client(space).predict(narrative, api_name="/triage_json")`.

## Limitations
- Research use only: not a medical device, not validated prospectively, never a substitute for a nurse.
- English narratives, U.S. emergency-department practice (MIMIC-IV-ED), retrospective acuity labels.
- The rule engine reads keywords and numbers; it misses what is not written, and its minimum acuity is a
  prompt to look again, not a verdict.
- Label counts here are small; read every percentage with its interval.
"""


def build(ctx: AppContext) -> None:
    with gr.Tab("About", id="about"):
        gr.Markdown(ABOUT)
        with gr.Row():
            gr.Markdown("### Backends in this deployment")
            check = gr.Button("Check now", size="sm", scale=0)
        health = gr.Dataframe(
            value=[[b.kind, b.name, "not checked", ""] for b in ctx.backends.all()],
            headers=["kind", "backend", "status", "detail"], interactive=False, wrap=True,
        )

    async def backend_health() -> list[list[str]]:
        results = await check_health(ctx.backends)
        return [[b.kind, h.backend, "up" if h.ok else "DOWN", h.detail] for b, h in zip(ctx.backends.all(), results)]

    check.click(backend_health, outputs=[health], api_name="backend_health")
