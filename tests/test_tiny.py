"""The tiny-model builder: deterministic files that load with the same Auto classes as MedGemma."""

from __future__ import annotations

import hashlib
import json

import pytest

from triage_demo.cli import main
from triage_demo.prompt import build_messages
from triage_demo.tiny import build_tiny_model


def _digest(path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(path.iterdir())}


def test_build_is_deterministic_and_seeded(tmp_path, tiny_model_dir):
    again = build_tiny_model(tmp_path / "again")
    assert _digest(again) == _digest(tiny_model_dir)
    other = build_tiny_model(tmp_path / "other", seed=1)
    differ = {k for k, v in _digest(other).items() if _digest(tiny_model_dir)[k] != v}
    assert differ == {"model.safetensors"}  # only the random weights depend on the seed


def test_config_is_a_tiny_gemma3(tiny_model_dir, tiny_mm_model_dir):
    text = json.loads((tiny_model_dir / "config.json").read_text())
    assert text["architectures"] == ["Gemma3ForCausalLM"] and text["model_type"] == "gemma3_text"
    assert text["num_hidden_layers"] == 2 and text["hidden_size"] == 64
    mm = json.loads((tiny_mm_model_dir / "config.json").read_text())
    assert mm["architectures"] == ["Gemma3ForConditionalGeneration"] and mm["model_type"] == "gemma3"
    assert (tiny_mm_model_dir / "processor_config.json").exists()
    assert sum(p.stat().st_size for p in tiny_model_dir.iterdir()) < 2_000_000
    gen = json.loads((tiny_model_dir / "generation_config.json").read_text())
    assert len(gen["eos_token_id"]) == 2  # <eos> and <end_of_turn>, as Gemma stops on either


def test_tokenizer_digits_and_chat_template(tiny_model_dir):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny_model_dir)
    for level in "12345":
        assert tok.convert_ids_to_tokens(tok.encode(f"ANSWER: ESI {level}", add_special_tokens=False))[-1] == level
    assert tok.decode(tok.encode("ANSWER: ESI 3\n- Step A (lifesaving): no", add_special_tokens=False)) \
        == "ANSWER: ESI 3\n- Step A (lifesaving): no"
    prompt = tok.apply_chat_template(build_messages("Chest pain."), tokenize=False, add_generation_prompt=True)
    system = build_messages("x")[0]["content"]
    # Gemma's layout: no system role, the system prompt opens the first user turn.
    assert prompt == f"<bos><start_of_turn>user\n{system}\n\nChest pain.<end_of_turn>\n<start_of_turn>model\n"
    assert not tok.apply_chat_template(build_messages("x"), tokenize=False).endswith("model\n")


def test_loads_with_medgemmas_auto_classes(tiny_mm_model_dir):
    from transformers import AutoModelForImageTextToText, AutoProcessor

    processor = AutoProcessor.from_pretrained(tiny_mm_model_dir)
    model = AutoModelForImageTextToText.from_pretrained(tiny_mm_model_dir)
    assert type(model).__name__ == "Gemma3ForConditionalGeneration"
    messages = [{"role": m["role"], "content": [{"type": "text", "text": m["content"]}]}
                for m in build_messages("Chest pain.")]
    enc = processor.apply_chat_template(messages, add_generation_prompt=True, tokenize=True, return_dict=True,
                                        return_tensors="pt")
    out = model.generate(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"], max_new_tokens=3,
                         do_sample=False)
    assert out.shape[-1] == enc["input_ids"].shape[-1] + 3


def test_cli_tiny_model(tmp_path, capsys):
    assert main(["tiny-model", str(tmp_path / "m")]) == 0
    assert (tmp_path / "m" / "model.safetensors").exists() and "transformers serve" in capsys.readouterr().out
    with pytest.raises(ValueError, match="unknown tiny-model family"):
        build_tiny_model(tmp_path / "x", family="llama")
