"""The GRPO trainer on tiny Gemma3 models: LoRA targets, the real TRL loop, merge and a loadable bf16 save."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from triage_demo.prompt import build_messages
from triage_demo.train import grpo, reward
from triage_demo.train.config import CARD_LORA_TARGETS, RetrainConfig

CASES = [
    ("Unresponsive, intubated by EMS, CPR for 4 minutes before ROSC.", 1),
    ("Chest pain 9/10 radiating to the jaw, diaphoretic, HR 118.", 2),
    ("Ankle twisted on a step, swelling, walks with a limp, pain 4/10.", 4),
    ("Requests a prescription refill, no complaints, vitals normal.", 5),
]


@pytest.fixture
def tiny_dirs(tiny_model_dir, tiny_mm_model_dir) -> dict[str, Path]:
    return {"gemma3": tiny_model_dir, "gemma3-mm": tiny_mm_model_dir}


def _lora_modules(model_dir: Path) -> list[str]:
    from peft import LoraConfig, get_peft_model
    from transformers import AutoConfig, AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(model_dir)
    targets = grpo.lora_target_modules(AutoConfig.from_pretrained(model_dir), CARD_LORA_TARGETS)
    peft_model = get_peft_model(model, LoraConfig(r=4, lora_alpha=4, target_modules=targets))
    return sorted(n for n, _ in peft_model.named_modules() if n.endswith(".lora_A"))


def test_lora_covers_the_seven_projections_of_a_text_model(tiny_dirs):
    names = _lora_modules(tiny_dirs["gemma3"])
    assert len(names) == 7 * 2  # 7 projections x 2 layers
    assert {n.split(".")[-2] for n in names} == set(CARD_LORA_TARGETS)


def test_lora_stays_out_of_the_vision_tower_on_gemma3_for_conditional_generation(tiny_dirs):
    """MedGemma's class: SigLIP also has q/k/v projections; only the language model may get an adapter."""
    names = _lora_modules(tiny_dirs["gemma3-mm"])
    assert len(names) == 7 * 2
    assert all(".language_model." in n for n in names)
    assert not any("vision" in n or "projector" in n for n in names)


def test_defaults_are_the_cards():
    cfg = RetrainConfig(model="m", output="o")
    assert (cfg.lora_r, cfg.lora_alpha, cfg.learning_rate, cfg.lr_scheduler_type) == (32, 32, 2e-7, "cosine")
    assert (cfg.num_generations, cfg.max_completion_length, cfg.max_steps) == (8, 1024, 300)
    assert cfg.attn_implementation == "eager"
    assert set(cfg.lora_target_modules) == {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj",
                                            "down_proj"}
    import torch

    args = grpo.grpo_args(cfg, Path("/tmp/unused"))
    assert args.bf16 is torch.cuda.is_available()  # bf16 on GPUs, fp32 on CPU
    assert args.beta == 0.0 and args.model_init_kwargs["attn_implementation"] == "eager"
    assert args.generation_batch_size % args.num_generations == 0


@pytest.mark.parametrize("family", ["gemma3", "gemma3-mm"])
def test_two_grpo_steps_log_every_reward_component_and_save_a_loadable_bf16_model(tiny_dirs, tmp_path, family):
    import torch
    from datasets import Dataset
    from safetensors import safe_open
    from transformers import AutoModelForCausalLM, AutoTokenizer

    base = tiny_dirs[family]
    rows = [{"prompt": build_messages(n), "esi": e, "narrative": n, "case_id": str(i)}
            for i, (n, e) in enumerate(CASES)]
    cfg = RetrainConfig(model=str(base), output=str(tmp_path), max_steps=2, num_generations=2,
                        max_completion_length=32, per_device_train_batch_size=2)
    result = grpo.train(cfg, Dataset.from_list(rows), tmp_path / "candidate")

    steps = [e for e in result.log_history if "reward" in e]
    assert len(steps) == 2
    for entry in steps:
        parts = [entry[f"rewards/{f.__name__}/mean"] for f in reward.COMPONENTS]
        assert entry["reward"] == pytest.approx(sum(parts), abs=1e-5)  # the total is the sum of the parts
        assert 0.0 <= entry["parse_rate"] <= 1.0
    assert set(grpo.reward_summary(result.log_history)) >= {"reward", "parse_rate",
                                                            "rewards/correctness_reward/mean"}

    out = result.model_dir
    config = json.loads((out / "config.json").read_text())
    text_config = config.get("text_config", config)
    assert config.get("dtype") == "bfloat16" and text_config["use_cache"] is True
    assert (out / "generation_config.json").is_file() and (out / "tokenizer.json").is_file()
    with safe_open(str(out / "model.safetensors"), "pt") as merged, \
            safe_open(str(base / "model.safetensors"), "pt") as original:
        assert set(merged.keys()) == set(original.keys())  # merged: no adapter weights, no peft prefixes
        assert all(merged.get_tensor(k).dtype == torch.bfloat16 for k in merged.keys())
    tokenizer = AutoTokenizer.from_pretrained(out)
    assert tokenizer.padding_side == AutoTokenizer.from_pretrained(base).padding_side  # the source's, not TRL's
    model = AutoModelForCausalLM.from_pretrained(out)
    ids = tokenizer.apply_chat_template(build_messages(CASES[0][0]), add_generation_prompt=True,
                                        return_tensors="pt", return_dict=True)
    generated = model.generate(**ids, max_new_tokens=5, do_sample=False)
    assert generated.shape[-1] > ids["input_ids"].shape[-1]
