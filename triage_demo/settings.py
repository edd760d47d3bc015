"""All configuration, read from `TRIAGE_*` environment variables once at start-up.

The settings object is passed down explicitly; nothing deeper in the package reads the environment.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Mapping

#: The model this project is built around (model card in README / space card).
DEFAULT_MODEL = "vadimbelsky/medgemma-4b-esi-triage-grpo-v1"


def _bool(v: str) -> bool:
    s = v.strip().lower()
    if s in {"1", "true", "yes", "on"}:
        return True
    if s in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"expected a boolean (1/0, true/false), got {v!r}")


def _csv(v: str) -> tuple[str, ...]:
    return tuple(x.strip() for x in v.split(",") if x.strip())


@dataclass(frozen=True)
class Settings:
    """Every knob of the app, CLI and jobs. Field `foo_bar` is read from `TRIAGE_FOO_BAR`."""

    # --- inference: primary model -------------------------------------------------------------
    backend_url: str | None = None  # OpenAI-compatible base URL, e.g. http://gpu-host:30000/v1 (SGLang)
    model: str = DEFAULT_MODEL  # served model name sent in requests
    api_key: str | None = None
    model_path: str | None = None  # in-process transformers: hub repo id or local dir
    # --- inference: optional baseline (e.g. Qwen on its own server) ------------------------------
    baseline_url: str | None = None
    baseline_model: str | None = None
    baseline_api_key: str | None = None
    # --- request behaviour -----------------------------------------------------------------------
    max_tokens: int = 1024  # model card: max_new_tokens = 1024
    temperature: float = 0.0  # sent explicitly: SGLang otherwise uses the model's generation_config
    connect_timeout_s: float = 5.0
    timeout_s: float = 120.0  # whole-request budget, retries included
    max_retries: int = 2
    regex: bool = False  # SGLang constrained decoding of the output skeleton
    logprobs: bool = False  # per-level ESI probabilities from top_logprobs at the answer token
    n_samples: int = 1  # >1: self-consistency vote over n samples
    stream: bool = True  # False: one JSON response per request (batch evaluation needs no deltas)
    # --- app -------------------------------------------------------------------------------------
    max_chars: int = 8000
    examples_path: Path = field(default_factory=lambda: Path("examples/cases.jsonl"))  # the Triage tab's picker
    concurrency: int = 64  # simultaneous triage events (the GPU server batches)
    queue_size: int = 256
    session_capacity: int = 1000  # sessions whose UI state Gradio keeps (~0.2 MB each; every /call API request is one)
    rate_limit_per_minute: int = 30  # triage calls per user per minute
    baseline_wait_s: float = 15.0  # once the primary has answered, how long the page/API waits for the baseline
    batch_max_rows: int = 500  # rows per uploaded file on the Batch tab
    # --- labels ----------------------------------------------------------------------------------
    labels_dir: Path = field(default_factory=lambda: Path("data/labels"))
    labels_repo: str | None = None  # Hub dataset repo for label sync
    labels_private: bool = True
    sync_every_minutes: float = 5.0
    hf_token: str | None = None  # write token for label sync / model push (also read from HF_TOKEN)
    experts: tuple[str, ...] = ()
    expert_org: str | None = None
    adjudicators: tuple[str, ...] = ()
    local_annotator: str | None = None  # annotator name used when the app runs without OAuth (local)
    space_id: str | None = None  # set by the Hugging Face platform on a Space (read from SPACE_ID)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Settings":
        """Build settings from `TRIAGE_*` variables; raise ValueError naming the variable on a bad value."""
        env = os.environ if environ is None else environ
        kwargs: dict[str, object] = {}
        for f in fields(cls):
            var = "TRIAGE_" + f.name.upper()
            raw = env.get(var)
            if raw is None:
                continue
            try:
                kwargs[f.name] = _convert(f.type, raw)
            except ValueError as exc:
                raise ValueError(f"{var}: {exc}") from None
        if "hf_token" not in kwargs and env.get("HF_TOKEN"):
            kwargs["hf_token"] = env["HF_TOKEN"]
        if "space_id" not in kwargs and env.get("SPACE_ID"):
            kwargs["space_id"] = env["SPACE_ID"]
        return cls(**kwargs)  # type: ignore[arg-type]

    def with_(self, **changes: object) -> "Settings":
        return replace(self, **changes)

    @property
    def on_space(self) -> bool:
        """True on a Hugging Face Space, where OAuth login is real (SPACE_ID is set by the platform)."""
        return bool(self.space_id)


def _convert(type_name: object, raw: str) -> object:
    t = str(type_name)
    if t.startswith("bool"):
        return _bool(raw)
    if t.startswith("int"):
        return int(raw)
    if t.startswith("float"):
        return float(raw)
    if t.startswith("tuple"):
        return _csv(raw)
    if t.startswith("Path"):
        return Path(raw)
    # str | None
    return raw.strip() or None if "None" in t else raw.strip()
