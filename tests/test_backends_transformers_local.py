"""The in-process transformers backend on the tiny Gemma3 models (text-only and MedGemma's image-text class)."""

from __future__ import annotations

import asyncio

import pytest

from triage_demo.backends.transformers_local import TransformersBackend
from triage_demo.settings import Settings

NARRATIVE = "A 3-year-old boy after a fall from a sofa, crying, moving all limbs, small scalp laceration."


def _backend(path, **overrides) -> TransformersBackend:
    return TransformersBackend(Settings(model_path=str(path), max_tokens=overrides.pop("max_tokens", 20), **overrides))


def _triage(backend: TransformersBackend):
    deltas: list[str] = []
    return asyncio.run(backend.triage(NARRATIVE, on_delta=deltas.append)), deltas


@pytest.mark.parametrize("fixture, image_text", [("tiny_model_dir", False), ("tiny_mm_model_dir", True)])
def test_streams_and_returns_an_honest_result(request, fixture, image_text):
    path = request.getfixturevalue(fixture)
    backend = _backend(path)
    result, deltas = _triage(backend)
    assert backend._loaded is not None and backend._loaded.image_text is image_text
    assert type(backend._loaded.model).__name__ == (
        "Gemma3ForConditionalGeneration" if image_text else "Gemma3ForCausalLM")
    assert backend._loaded.dtype == "float32" and backend._loaded.device == "cpu"  # no GPU here
    assert result.backend == f"transformers · {path}" and result.raw_text == "".join(deltas)
    assert result.prompt_tokens > 20 and 0 < result.completion_tokens <= 20 and result.latency_ms > 0
    # Random weights write no answer: unparsed, with no probabilities, and the error says why.
    assert result.esi is None and result.probabilities is None and "no parseable" in result.error


def test_greedy_generation_is_deterministic(tiny_model_dir):
    first, _ = _triage(_backend(tiny_model_dir))
    second, _ = _triage(_backend(tiny_model_dir))
    assert first.raw_text == second.raw_text


@pytest.mark.parametrize("fixture", ["tiny_model_dir", "tiny_mm_model_dir"])
def test_answer_probabilities_are_the_models_next_token_distribution(request, fixture):
    import torch

    backend = _backend(request.getfixturevalue(fixture))
    _triage(backend)  # loads the model
    loaded = backend._loaded
    tok = loaded.tokenizer
    prompt_ids = backend._inputs(loaded, NARRATIVE)["input_ids"][0]
    generated = tok.encode("EXTRACTION:\n- Chief complaint: fall\nANSWER: ESI 4", add_special_tokens=False)
    probs = backend.answer_probabilities(prompt_ids, generated)

    assert set(probs) == {1, 2, 3, 4, 5} and sum(probs.values()) == pytest.approx(1.0)
    # Independently: softmax of the logits after "...ESI " over the five digit tokens.
    digit_ids = [tok.convert_tokens_to_ids(str(level)) for level in range(1, 6)]
    assert tok.convert_ids_to_tokens(generated[-1]) == "4"
    with torch.inference_mode():
        logits = loaded.model(input_ids=torch.tensor([[*prompt_ids.tolist(), *generated[:-1]]])).logits[0, -1]
    expected = torch.softmax(logits[digit_ids], dim=-1).tolist()
    assert [probs[level] for level in range(1, 6)] == pytest.approx(expected, rel=1e-5)
    assert len(set(round(p, 6) for p in probs.values())) > 1  # a real distribution, not uniform filler


def test_answer_probabilities_none_without_an_answer(tiny_model_dir):
    backend = _backend(tiny_model_dir)
    _triage(backend)
    tok = backend._loaded.tokenizer
    prompt_ids = backend._inputs(backend._loaded, NARRATIVE)["input_ids"][0]
    assert backend.answer_probabilities(prompt_ids, tok.encode("no answer here", add_special_tokens=False)) is None


def test_server_only_settings_are_noted(tiny_model_dir):
    result, _ = _triage(_backend(tiny_model_dir, regex=True, n_samples=3, max_tokens=4))
    assert any("regex" in n for n in result.notes) and any("n samples" in n for n in result.notes)


def test_bad_model_path_fails_clearly_and_health_says_down(tmp_path):
    missing = _backend(tmp_path / "nope")
    result, _ = _triage(missing)
    assert result.esi is None and "no such model directory" in result.error
    health = asyncio.run(missing.health())
    assert not health.ok and "no such model directory" in health.detail
    (tmp_path / "empty").mkdir()
    assert "cannot load the model" in _triage(_backend(tmp_path / "empty"))[0].error


def test_health_before_and_after_loading(tiny_model_dir):
    backend = _backend(tiny_model_dir, max_tokens=2)
    before = asyncio.run(backend.health())
    assert before.ok and "load on the first request" in before.detail
    _triage(backend)
    after = asyncio.run(backend.health())
    assert after.ok and after.detail == "loaded on cpu (float32)"


def test_missing_model_path_is_a_configuration_error():
    with pytest.raises(ValueError, match="TRIAGE_MODEL_PATH"):
        TransformersBackend(Settings())
