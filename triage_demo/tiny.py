"""A tiny, randomly initialised Gemma3-family model with a tokenizer trained on the spot.

It lets anyone rehearse the whole pipeline (serve, eval, train) on a laptop, and it is what the tests use:
same architecture family, file layout, chat template and loading code as MedGemma, at a few hundred
kilobytes, built in seconds, without downloading anything. Its answers are random text, not triage.

- family "gemma3":    `Gemma3ForCausalLM` (text only), tokenizer files only (no processor config).
- family "gemma3-mm": `Gemma3ForConditionalGeneration` (MedGemma's class: a tiny SigLIP vision tower and
  projector) with a `Gemma3Processor`, to exercise the image-text loading path with text-only messages.
"""

from __future__ import annotations

from pathlib import Path

from triage_demo.prompt import EXTRACTION_FIELDS, SECTIONS, STEP_LABELS, SYSTEM_PROMPT, render_output

FAMILIES = ("gemma3", "gemma3-mm")

#: Gemma's special tokens and ids (pad 0, eos 1, bos 2, unk 3), then its turn and image markers.
SPECIAL_TOKENS = ("<pad>", "<eos>", "<bos>", "<unk>", "<start_of_turn>", "<end_of_turn>",
                  "<start_of_image>", "<end_of_image>", "<image_soft_token>")

#: Gemma's chat template, reduced to what triage needs: a system message is folded into the first user
#: turn (Gemma has no system role), the assistant speaks as "model", content is a string or a list of parts.
CHAT_TEMPLATE = (
    "{{ bos_token }}"
    "{%- if messages and messages[0]['role'] == 'system' -%}"
    "{%- set sys = messages[0]['content'] if messages[0]['content'] is string "
    "else messages[0]['content'] | selectattr('type', 'equalto', 'text') | map(attribute='text') | join(' ') -%}"
    "{%- set prefix = sys ~ '\n\n' -%}{%- set turns = messages[1:] -%}"
    "{%- else -%}{%- set prefix = '' -%}{%- set turns = messages -%}{%- endif -%}"
    "{%- for message in turns -%}"
    "{{ '<start_of_turn>' ~ ('model' if message['role'] == 'assistant' else message['role']) ~ '\n' }}"
    "{%- if loop.first -%}{{ prefix }}{%- endif -%}"
    "{%- if message['content'] is string -%}{{ message['content'] | trim }}"
    "{%- else -%}{%- for part in message['content'] -%}"
    "{%- if part['type'] == 'image' -%}{{ '<start_of_image>' }}"
    "{%- elif part['type'] == 'text' -%}{{ part['text'] | trim }}{%- endif -%}"
    "{%- endfor -%}{%- endif -%}"
    "{{ '<end_of_turn>\n' }}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{ '<start_of_turn>model\n' }}{%- endif -%}"
)

_NARRATIVES = (
    "A 67-year-old male arrived via ambulance with sudden onset chest pain radiating to the left arm, "
    "diaphoresis, and shortness of breath. BP 88/60, HR 118, RR 24, SpO2 91%. History of MI. Pain 9/10.",
    "A 24-year-old female walked in with a sore throat for two days. Temp 37.9 C, HR 84, BP 118/76. "
    "No drooling, no stridor. Tolerating fluids.",
    "A 3-year-old boy brought by parents after a fall from a sofa, crying, moving all limbs, small scalp "
    "laceration. Alert and playful.",
    "An 80-year-old woman found unresponsive at home, intubated by paramedics, GCS 3, SpO2 85% on bag.",
    "A 45-year-old man with an ankle injury after a twisted step, swelling, able to bear weight, pain 5/10.",
)


def _corpus() -> list[str]:
    """Text the tokenizer is trained on: the prompt, the output format at every level, sample narratives."""
    answers = [
        render_output(chief_complaint="chest pain", vital_signs="BP 88/60, HR 118, RR 24, SpO2 91%",
                      red_flags="hypotension, tachycardia", steps={k: "no" for k in STEP_LABELS}, esi=level)
        for level in range(1, 6)
    ]
    labels = [*SECTIONS, *EXTRACTION_FIELDS, *STEP_LABELS.values(), "ANSWER: ESI 1 2 3 4 5"]
    return [SYSTEM_PROMPT, *answers, *labels, *_NARRATIVES] * 4


def _tokenizer(chat_template: str):
    """A byte-level BPE trained on `_corpus()`; every digit is its own token, so "1".."5" are single tokens."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False),
    ])
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=640, special_tokens=list(SPECIAL_TOKENS),
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(_corpus(), trainer=trainer)
    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token="<bos>", eos_token="<eos>", unk_token="<unk>", pad_token="<pad>",
        extra_special_tokens={"start_of_turn": "<start_of_turn>", "end_of_turn": "<end_of_turn>",
                              "boi_token": "<start_of_image>", "eoi_token": "<end_of_image>",
                              "image_token": "<image_soft_token>"},
        chat_template=chat_template,
        model_max_length=4096,
    )


def build_tiny_model(out_dir: str | Path, family: str = "gemma3", seed: int = 0) -> Path:
    """Write a tiny random model of `family` to `out_dir` (created; existing files are overwritten).

    Deterministic for a given seed: the same files every time. Returns the directory.
    """
    if family not in FAMILIES:
        raise ValueError(f"unknown tiny-model family {family!r}; choose one of {', '.join(FAMILIES)}")
    import torch
    from transformers import Gemma3TextConfig, GenerationConfig

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tokenizer = _tokenizer(CHAT_TEMPLATE)
    ids = {t: tokenizer.convert_tokens_to_ids(t) for t in SPECIAL_TOKENS}
    text_config = Gemma3TextConfig(
        vocab_size=len(tokenizer), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, head_dim=16, query_pre_attn_scalar=16,
        max_position_embeddings=4096, sliding_window=128, layer_types=["sliding_attention", "full_attention"],
        pad_token_id=ids["<pad>"], eos_token_id=ids["<eos>"], bos_token_id=ids["<bos>"],
    )
    torch.manual_seed(seed)
    if family == "gemma3":
        from transformers import Gemma3ForCausalLM

        text_config.architectures = ["Gemma3ForCausalLM"]
        model = Gemma3ForCausalLM(text_config)
        tokenizer.save_pretrained(out)
    else:
        from transformers import (Gemma3Config, Gemma3ForConditionalGeneration, Gemma3ImageProcessorPil,
                                  Gemma3Processor, SiglipVisionConfig)

        tokens_per_image = 4  # 32x32 image, 8x8 patches -> 4x4 patches, pooled to 2x2 tokens
        config = Gemma3Config(
            text_config=text_config,
            vision_config=SiglipVisionConfig(hidden_size=32, intermediate_size=64, num_hidden_layers=1,
                                             num_attention_heads=2, image_size=32, patch_size=8),
            mm_tokens_per_image=tokens_per_image,
            boi_token_index=ids["<start_of_image>"], eoi_token_index=ids["<end_of_image>"],
            image_token_index=ids["<image_soft_token>"],
        )
        config.architectures = ["Gemma3ForConditionalGeneration"]
        model = Gemma3ForConditionalGeneration(config)
        image_processor = Gemma3ImageProcessorPil(size={"height": 32, "width": 32})
        Gemma3Processor(image_processor=image_processor, tokenizer=tokenizer, chat_template=CHAT_TEMPLATE,
                        image_seq_length=tokens_per_image).save_pretrained(out)
    model.generation_config = GenerationConfig(
        bos_token_id=ids["<bos>"], pad_token_id=ids["<pad>"], eos_token_id=[ids["<eos>"], ids["<end_of_turn>"]],
    )
    model.save_pretrained(out)
    return out
