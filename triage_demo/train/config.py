"""Configuration of a retraining run, as dataclasses whose every field is also a CLI flag.

The defaults are the model card's Stage 2 ("GRPO with rule-aware reward") where the card gives a number, and
TRL's defaults otherwise; each field's comment says which. Flags are generated from the fields
(`add_arguments` / `from_args`) so the CLI and the code can never disagree on a name or a default.
Kept free of heavy imports: the `triage-demo` parser imports this module on every start.
"""

from __future__ import annotations

import argparse
import dataclasses
import types
import typing
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")

#: Card, Stage 2: "max_new_tokens = 1024" (completion budget in training, the length bonus and the gate).
CARD_MAX_COMPLETION_LENGTH = 1024

#: Card, Stage 1 and 2: "target modules = q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj".
CARD_LORA_TARGETS: tuple[str, ...] = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


def _help(text: str) -> dict[str, str]:
    return {"help": text}


@dataclass
class DataConfig:
    """Where the training cases come from and how they are split and weighted."""

    labels: str = field(metadata=_help("label folder (JSONL shards) or Hub dataset repo id"))
    labels_revision: str | None = field(default=None, metadata=_help("Hub dataset revision (default: latest)"))
    base_data: str | None = field(
        default=None, metadata=_help("optional base training set, JSONL of {id, narrative, esi}, merged in")
    )
    eval_fraction: float = field(
        default=0.2, metadata=_help("share of expert cases held out for the gate (ours; the card used MIETIC-36)")
    )
    oversample_esi1: int = field(default=5, metadata=_help("card: ESI-1 oversample 5x"))
    oversample_esi2: int = field(default=3, metadata=_help("card: ESI-2 oversample 3x"))
    split_salt: str = field(
        default="triage-demo-holdout-v1",
        metadata=_help("salt of the hash split; changing it reshuffles which cases are held out"),
    )


@dataclass
class RetrainConfig:
    """The GRPO + LoRA run. Card = model card Stage 2 unless noted; TRL = TRL 1.16's GRPOConfig default."""

    model: str = field(metadata=_help("current merged model (local dir or Hub repo): the warm start and the baseline"))
    output: str = field(metadata=_help("output folder (candidate model, logs, gate report)"))
    lora_r: int = field(default=32, metadata=_help("card: LoRA r=32"))
    lora_alpha: int = field(default=32, metadata=_help("card: LoRA alpha=32"))
    lora_dropout: float = field(default=0.0, metadata=_help("not on the card; 0 keeps GRPO log-probs consistent"))
    lora_target_modules: tuple[str, ...] = field(
        default=CARD_LORA_TARGETS, metadata=_help("card: q/k/v/o/gate/up/down projections (language model only)")
    )
    learning_rate: float = field(default=2e-7, metadata=_help("card: LR=2e-7"))
    lr_scheduler_type: str = field(default="cosine", metadata=_help("card: cosine"))
    max_steps: int = field(default=300, metadata=_help("card: 300 steps"))
    num_generations: int = field(default=8, metadata=_help("card: G=8 generations/step"))
    max_completion_length: int = field(default=CARD_MAX_COMPLETION_LENGTH, metadata=_help("card: max_new_tokens=1024"))
    per_device_train_batch_size: int = field(
        default=8, metadata=_help("completions per device step; not on the card: 8 = one prompt's group of G=8")
    )
    gradient_accumulation_steps: int = field(default=1, metadata=_help("not on the card"))
    temperature: float = field(default=1.0, metadata=_help("TRL default sampling temperature for rollouts"))
    beta: float = field(default=0.0, metadata=_help("TRL default KL coefficient (0: no reference model)"))
    attn_implementation: str = field(
        default="eager", metadata=_help("card: eager (workaround for the SDPA dtype mismatch in Gemma3+GRPO)")
    )
    bf16: bool | None = field(default=None, metadata=_help("bf16 training; default: on when CUDA is available"))
    activation_checkpointing: bool = field(default=True, metadata=_help("TRL default (gradient checkpointing)"))
    use_vllm: bool = field(
        default=False, metadata=_help("TRL: generate rollouts with vLLM (GPU only; TRL 1.16 accepts vLLM 0.22-0.31)")
    )
    vllm_mode: str = field(
        default="colocate", metadata=_help("TRL: colocate (same GPUs) or server (`trl vllm-serve` on its own GPU)")
    )
    logging_steps: int = field(default=1, metadata=_help("log every step (reward components, parse rate)"))
    seed: int = field(default=42, metadata=_help("seed for LoRA init, sampling and data order"))


@dataclass
class GateConfig:
    """When a candidate replaces the current model, and where it goes."""

    gate_min_exact_delta: float = field(
        default=0.0, metadata=_help("promote only if candidate exact - current exact >= this (0: must not drop)")
    )
    gate_max_critical_under_delta: float = field(
        default=0.0,
        metadata=_help("promote only if candidate - current critical under-triage <= this (0: must not rise)"),
    )
    gate_max_new_tokens: int | None = field(
        default=None, metadata=_help("generation budget per held-out case (default: max_completion_length, 1024)")
    )
    push_to: str | None = field(default=None, metadata=_help("model repo to push a promoted candidate to"))
    sglang_url: str | None = field(
        default=None, metadata=_help("running SGLang server (http://host:port) to reload the promoted weights")
    )
    sglang_model_path: str | None = field(
        default=None,
        metadata=_help("path the SGLang server loads the new weights from (default: the pushed repo id)"),
    )
    sglang_api_key: str | None = field(default=None, metadata=_help("SGLang --api-key (default: TRIAGE_API_KEY)"))


@dataclass
class RunConfig:
    """The scheduled run as a whole."""

    min_new_cases: int = field(
        default=1, metadata=_help("skip (exit 0) unless this many new consensus labels exist since the last promotion")
    )


@dataclass
class ScheduleConfig:
    """A scheduled Hugging Face Job that executes `triage-demo train run` with the given arguments."""

    cron: str = field(metadata=_help('CRON schedule or @daily/@weekly/..., e.g. "0 3 * * 1" (Mondays 03:00 UTC)'))
    project: str | None = field(
        default=None,
        metadata=_help('pip requirement that installs this project, e.g. "triage-demo[ml] @ git+https://..." '
                       "(default on a Space: its own repo)"),
    )
    flavor: str = field(default="a100-large", metadata=_help("Jobs hardware flavor"))
    timeout: str = field(default="8h", metadata=_help("job time limit (Jobs default is 30 min): 8h fits 300 steps"))
    python: str = field(default="3.11", metadata=_help("Python of the job (the Space runs 3.11)"))
    job_name: str = field(default="triage-demo-retrain", metadata=_help("name label of the scheduled job"))
    namespace: str | None = field(default=None, metadata=_help("user or org that owns the job (default: yours)"))


# --------------------------------------------------------------------------------------------------------------
# dataclass <-> argparse
# --------------------------------------------------------------------------------------------------------------


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _unwrap_optional(tp: Any) -> Any:
    """The inner type of `X | None` (a flag given on the command line is never None)."""
    if isinstance(tp, types.UnionType) or typing.get_origin(tp) is typing.Union:
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return tp


def add_arguments(parser: argparse.ArgumentParser, cls: type, required: bool = True) -> None:
    """One flag per field of dataclass `cls`: `--field-name`, typed, defaulting to the field's default.

    Fields without a default become required flags (unless `required=False`, e.g. for validation-only parsing).
    """
    hints = typing.get_type_hints(cls)
    group = parser.add_argument_group(cls.__name__, (cls.__doc__ or "").strip().splitlines()[0])
    for f in dataclasses.fields(cls):
        tp = _unwrap_optional(hints[f.name])
        has_default = f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING
        default = f.default if f.default is not dataclasses.MISSING else (
            f.default_factory() if f.default_factory is not dataclasses.MISSING else None
        )
        kwargs: dict[str, Any] = {"dest": f.name, "help": f.metadata.get("help", "")}
        if has_default:
            kwargs["default"] = default
            if default is not None:
                shown = " ".join(default) if isinstance(default, tuple) else repr(default)
                kwargs["help"] += f" (default: {shown})"
        else:
            kwargs["required"] = required
        if tp is bool:
            kwargs["action"] = argparse.BooleanOptionalAction
        elif typing.get_origin(tp) is tuple:
            kwargs["nargs"] = "+"
            kwargs["type"] = typing.get_args(tp)[0]
            kwargs["metavar"] = "NAME"
        else:
            kwargs["type"] = tp
            kwargs["metavar"] = tp.__name__.upper()
        group.add_argument(_flag(f.name), **kwargs)


def from_args(cls: type[T], args: argparse.Namespace) -> T:
    """Build dataclass `cls` from the parsed flags that `add_arguments(parser, cls)` added."""
    values = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        value = getattr(args, f.name)
        if isinstance(value, list):
            value = tuple(value)
        values[f.name] = value
    return cls(**values)



#: Fields never written to a model card, a log or a record.
SECRET_FIELDS = frozenset({"sglang_api_key"})


def as_dict(config: Any) -> dict[str, Any]:
    """A config as JSON-ready data (tuples become lists), with secrets redacted."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(config):
        value = getattr(config, f.name)
        if f.name in SECRET_FIELDS and value is not None:
            value = "<redacted>"
        out[f.name] = list(value) if isinstance(value, tuple) else value
    return out
