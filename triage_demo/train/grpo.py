"""GRPO + LoRA on the current merged model, then merge and save a model SGLang can serve.

Warm start: the current merged model is loaded as the base and a fresh LoRA adapter (card: r=32, alpha=32 on the
q/k/v/o/gate/up/down projections) is trained on top; TRL refuses a PeftModel plus a new peft_config, and a fresh
adapter on the merged weights is exactly "continue from the current model". On Gemma3ForConditionalGeneration
(MedGemma) the adapter is restricted to the language model: the vision tower uses the same projection names and
never sees a gradient on text-only data.

Multi-GPU: the same command under accelerate, e.g. on 8 GPUs of one node

    accelerate launch --multi_gpu --num_processes 8 -m triage_demo train run --model REPO --labels REPO ...

Each process trains on its share of every generation batch (keep per_device_train_batch_size * processes
divisible by num_generations); only the main process merges, saves, runs the gate and pushes.
"""

from __future__ import annotations

import functools
import gc
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from triage_demo.train import reward
from triage_demo.train.config import RetrainConfig

if TYPE_CHECKING:
    from datasets import Dataset

#: The files a merged candidate must contain for SGLang / transformers to load it.
REQUIRED_FILES = ("config.json", "generation_config.json", "tokenizer_config.json")


@dataclass
class TrainResult:
    """What a training run produced."""

    model_dir: Path  # the merged, bf16 candidate
    log_history: list[dict[str, Any]]  # the trainer's per-step logs (reward components, loss, ...)
    seconds: float
    is_main_process: bool


def lora_target_modules(config: Any, names: tuple[str, ...]) -> str | list[str]:
    """The LoRA targets for a model config: the bare projection names for a text-only model, or a regex that keeps
    them inside the language model of a vision-language model (Gemma3ForConditionalGeneration)."""
    if getattr(config, "vision_config", None) is None:
        return list(names)
    return r".*\.language_model\..*\.(" + "|".join(names) + r")$"


def _use_bf16(cfg: RetrainConfig) -> bool:
    import torch

    if cfg.bf16 is None:
        return torch.cuda.is_available()
    return cfg.bf16


def grpo_args(cfg: RetrainConfig, output_dir: Path) -> Any:
    """TRL GRPOConfig for this run (checkpoints off: the merged model is saved once at the end)."""
    import torch
    from trl import GRPOConfig

    bf16 = _use_bf16(cfg)
    return GRPOConfig(
        output_dir=str(output_dir),
        learning_rate=cfg.learning_rate,
        lr_scheduler_type=cfg.lr_scheduler_type,
        max_steps=cfg.max_steps,
        num_generations=cfg.num_generations,
        max_completion_length=cfg.max_completion_length,
        per_device_train_batch_size=cfg.per_device_train_batch_size,
        gradient_accumulation_steps=cfg.gradient_accumulation_steps,
        temperature=cfg.temperature,
        beta=cfg.beta,
        bf16=bf16,
        activation_checkpointing=cfg.activation_checkpointing,
        use_vllm=cfg.use_vllm,
        vllm_mode=cfg.vllm_mode,
        logging_steps=cfg.logging_steps,
        seed=cfg.seed,
        save_strategy="no",
        report_to="none",
        use_cpu=not torch.cuda.is_available(),
        model_init_kwargs={
            "dtype": "bfloat16" if bf16 else "float32",
            "attn_implementation": cfg.attn_implementation,
        },
    )


def reward_functions(cfg: RetrainConfig) -> list[Any]:
    """The reward's components, one TRL reward function each (logged as rewards/<name>/mean); their sum is
    `reward.esi_reward`. The length bonus ends at this run's `max_completion_length`."""
    return [
        functools.partial(f, max_completion_length=cfg.max_completion_length) if f is reward.length_reward else f
        for f in reward.COMPONENTS
    ]


def train(cfg: RetrainConfig, train_dataset: "Dataset", candidate_dir: Path) -> TrainResult:
    """Run GRPO on `train_dataset` (columns prompt, esi, narrative) and save the merged bf16 model."""
    import torch
    from peft import LoraConfig
    from transformers import AutoConfig
    from trl import GRPOTrainer

    start = time.monotonic()
    candidate_dir = Path(candidate_dir)
    args = grpo_args(cfg, candidate_dir.parent / "trainer")
    model_config = AutoConfig.from_pretrained(cfg.model)
    peft_config = LoraConfig(
        r=cfg.lora_r,
        lora_alpha=cfg.lora_alpha,
        lora_dropout=cfg.lora_dropout,
        target_modules=lora_target_modules(model_config, cfg.lora_target_modules),
        task_type="CAUSAL_LM",
    )
    trainer = GRPOTrainer(
        model=cfg.model,
        reward_funcs=reward_functions(cfg),
        args=args,
        train_dataset=train_dataset,
        peft_config=peft_config,
    )
    trainer.train()
    is_main = trainer.accelerator.is_main_process
    if is_main:
        merged = trainer.accelerator.unwrap_model(trainer.model).merge_and_unload()
        for config in {id(c): c for c in (merged.config, merged.config.get_text_config())}.values():
            config.use_cache = True  # gradient checkpointing turned it off; serving needs the KV cache
        merged = merged.to(torch.bfloat16)  # card: bf16 weights (Gemma3 is broken in fp16)
        save_model(merged, cfg.model, candidate_dir)
        del merged
    trainer.accelerator.wait_for_everyone()
    result = TrainResult(candidate_dir, list(trainer.state.log_history), time.monotonic() - start, is_main)
    del trainer  # free the policy before the gate loads two more models
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
    return result


def save_model(model: Any, source: str, out_dir: Path) -> None:
    """Save weights (safetensors), config, generation config and the source's tokenizer/processor files as they
    were (not the trainer's left-padding copy), in the layout `sglang.launch_server --model-path` loads."""
    from transformers import AutoProcessor

    out_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out_dir)
    AutoProcessor.from_pretrained(source).save_pretrained(out_dir)
    missing = [f for f in REQUIRED_FILES if not (out_dir / f).is_file()]
    if not any(out_dir.glob("*.safetensors")):
        missing.append("*.safetensors")
    if missing:
        raise RuntimeError(f"saved model in {out_dir} lacks {', '.join(missing)}")


def reward_summary(log_history: list[dict[str, Any]]) -> dict[str, float]:
    """Last logged value of each reward component, the total reward and the parse rate (for the model card)."""
    keys = [f"rewards/{f.__name__}/mean" for f in reward.COMPONENTS] + ["reward", "parse_rate"]
    summary: dict[str, float] = {}
    for entry in log_history:
        for key in keys:
            if key in entry:
                summary[key] = float(entry[key])
    return summary

