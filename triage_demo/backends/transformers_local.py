"""In-process transformers: a GPU box without a server, the tiny model in tests, a laptop rehearsal.

The checkpoint decides the classes: MedGemma (`Gemma3ForConditionalGeneration`, model_type "gemma3") loads with
`AutoModelForImageTextToText` + `AutoProcessor` and is used text-only; text-only causal LMs (Gemma3 text, Qwen)
load with `AutoModelForCausalLM` + `AutoTokenizer`. bf16 on a GPU that supports it (Gemma3 is broken in fp16),
fp32 otherwise. torch/transformers are imported on first use, and all blocking work runs in worker threads so
the event loop (the UI) stays responsive.

Per-level probabilities: after generation, one forward pass over the prompt plus the generated tokens that
precede the answer digit gives the model's next-token distribution there, restricted to the five level tokens.
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, AsyncIterator

from triage_demo.backends import sglang_extras as sx
from triage_demo.backends.base import Backend, Health
from triage_demo.parse import parse_output
from triage_demo.prompt import build_messages
from triage_demo.schema import ESI_LEVELS, TriageResult
from triage_demo.settings import Settings


@dataclass
class _Loaded:
    model: Any
    processor: Any  # an AutoProcessor (image-text models) or the tokenizer itself
    tokenizer: Any
    device: str
    dtype: str
    image_text: bool


class TransformersBackend(Backend):
    """A model loaded with `from_pretrained` from `Settings.model_path` (a Hub repo id or a local directory)."""

    kind = "transformers"

    def __init__(self, settings: Settings):
        if not settings.model_path:
            raise ValueError("TRIAGE_MODEL_PATH is not set (a Hub repo id or a local model directory)")
        self._settings = settings
        self.model_path = settings.model_path
        self._loaded: _Loaded | None = None
        self._load_lock = threading.Lock()
        self._gate: asyncio.Lock | None = None  # one generation at a time: they would only contend
        self._gate_loop: asyncio.AbstractEventLoop | None = None

    @property
    def name(self) -> str:
        return f"transformers · {self.model_path}"

    # ---- loading -----------------------------------------------------------------------------------

    async def load(self) -> _Loaded:
        """Load the model once (in a worker thread); later calls return it. Raises on a bad path or checkpoint."""
        if self._loaded is None:
            await asyncio.to_thread(self._load_blocking)
        assert self._loaded is not None
        return self._loaded

    def _load_blocking(self) -> None:
        with self._load_lock:
            if self._loaded is not None:
                return
            import torch
            from transformers import AutoConfig
            from transformers.models.auto.modeling_auto import MODEL_FOR_IMAGE_TEXT_TO_TEXT_MAPPING_NAMES

            if torch.cuda.is_available():
                device = "cuda"
                dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float32
            else:
                device, dtype = "cpu", torch.float32
            config = AutoConfig.from_pretrained(_checked(self.model_path))
            image_text = config.model_type in MODEL_FOR_IMAGE_TEXT_TO_TEXT_MAPPING_NAMES
            if image_text:
                from transformers import AutoModelForImageTextToText, AutoProcessor

                processor = AutoProcessor.from_pretrained(self.model_path)
                tokenizer = processor.tokenizer
                model = AutoModelForImageTextToText.from_pretrained(self.model_path, dtype=dtype)
            else:
                from transformers import AutoModelForCausalLM, AutoTokenizer

                processor = tokenizer = AutoTokenizer.from_pretrained(self.model_path)
                model = AutoModelForCausalLM.from_pretrained(self.model_path, dtype=dtype)
            model.to(device).eval()
            self._loaded = _Loaded(model, processor, tokenizer, device, str(dtype).removeprefix("torch."), image_text)

    def _gate_for_loop(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        if self._gate is None or self._gate_loop is not loop:
            self._gate, self._gate_loop = asyncio.Lock(), loop
        return self._gate

    # ---- generation --------------------------------------------------------------------------------

    def _inputs(self, loaded: _Loaded, narrative: str) -> Any:
        messages: list[dict[str, Any]] = list(build_messages(narrative))
        if loaded.image_text:  # processors take content as a list of typed parts
            messages = [{"role": m["role"], "content": [{"type": "text", "text": m["content"]}]} for m in messages]
        enc = loaded.processor.apply_chat_template(
            messages, add_generation_prompt=True, tokenize=True, return_dict=True, return_tensors="pt",
        )
        return {k: enc[k].to(loaded.device) for k in ("input_ids", "attention_mask") if k in enc}

    async def stream(self, narrative: str) -> AsyncIterator[str | TriageResult]:
        from transformers import AsyncTextIteratorStreamer

        start = time.perf_counter()
        s = self._settings
        notes = self._unsupported_notes()
        try:
            loaded = await self.load()
        except (OSError, ValueError, ImportError, RuntimeError) as exc:
            yield TriageResult.failure(self.name, f"cannot load the model from {self.model_path!r}: {exc}",
                                       model=self.model_path, notes=notes)
            return
        async with self._gate_for_loop():
            inputs = await asyncio.to_thread(self._inputs, loaded, narrative)
            prompt_len = inputs["input_ids"].shape[-1]
            streamer = AsyncTextIteratorStreamer(loaded.tokenizer, skip_prompt=True, skip_special_tokens=True)
            sampling = {"do_sample": True, "temperature": s.temperature} if s.temperature > 0 else {"do_sample": False}
            kwargs = dict(**inputs, **sampling, max_new_tokens=s.max_tokens, max_time=s.timeout_s, streamer=streamer)

            def generate() -> Any:
                try:
                    return loaded.model.generate(**kwargs)
                except BaseException:
                    streamer.end()  # let the reader below finish; the exception surfaces from the future
                    raise

            future = asyncio.get_running_loop().run_in_executor(None, generate)
            text = ""
            async for delta in streamer:
                if delta:
                    text += delta
                    yield delta
            try:
                output = await future
            except RuntimeError as exc:  # e.g. CUDA out of memory
                yield TriageResult.failure(self.name, f"generation failed: {exc}", model=self.model_path,
                                           raw_text=text, notes=notes)
                return
            new_ids = output[0, prompt_len:]
            elapsed = time.perf_counter() - start
            if len(new_ids) < s.max_tokens and elapsed >= s.timeout_s:
                notes.append(f"generation stopped at the {s.timeout_s:g} s time limit (TRIAGE_TIMEOUT_S)")
            probabilities = await asyncio.to_thread(self.answer_probabilities, inputs["input_ids"][0], new_ids)
        parsed = parse_output(text)
        if parsed.esi is not None and probabilities is None:
            notes.append("the answer digit is not a token of its own: no per-level probabilities")
        error = None
        if parsed.esi is None:
            cut = " (cut off at max_tokens; raise TRIAGE_MAX_TOKENS)" if len(new_ids) >= s.max_tokens else ""
            error = f"no parseable 'ANSWER: ESI n' line in the model's output ({len(text)} characters){cut}"
        yield TriageResult.from_parsed(
            parsed, text, backend=self.name, model=self.model_path, probabilities=probabilities,
            latency_ms=(time.perf_counter() - start) * 1000.0, prompt_tokens=int(prompt_len),
            completion_tokens=int(len(new_ids)), error=error, notes=notes,
        )

    def _unsupported_notes(self) -> list[str]:
        s, notes = self._settings, []
        if s.regex:
            notes.append("regex-constrained decoding is a server feature: not applied in-process")
        if s.n_samples > 1:
            notes.append("n samples are a server feature: one in-process answer, no vote")
        return notes

    def answer_probabilities(self, prompt_ids: Any, generated_ids: Any) -> dict[int, float] | None:
        """P(level) for levels 1..5 at the answer digit of `generated_ids`, or None if it has no answer digit.

        Blocking (one forward pass); the model must be loaded. Works on token ids, not re-tokenised text, so
        the context is exactly what the model saw when it chose the digit.
        """
        import torch

        loaded = self._loaded
        assert loaded is not None, "load() first"
        tok = loaded.tokenizer
        ids = [int(i) for i in generated_ids]
        offset = sx.answer_digit_offset(tok.decode(ids, skip_special_tokens=True))
        if offset is None:
            return None
        # The first token whose decoded prefix extends past the digit's offset holds the digit.
        lo, hi = 0, len(ids)
        while lo < hi:
            mid = (lo + hi) // 2
            if len(tok.decode(ids[: mid + 1], skip_special_tokens=True)) > offset:
                hi = mid
            else:
                lo = mid + 1
        if lo >= len(ids):
            return None
        chosen = tok.convert_ids_to_tokens(ids[lo])
        level = sx.level_of_token(chosen)
        if level is None:
            return None
        candidates: dict[int, int] = {}
        for lvl in ESI_LEVELS:
            cid = tok.convert_tokens_to_ids(chosen.replace(str(level), str(lvl)))
            if cid is not None and cid != tok.unk_token_id:
                candidates[lvl] = cid
        context = torch.tensor([[*map(int, prompt_ids), *ids[:lo]]], device=loaded.device)
        with torch.inference_mode():
            logits = loaded.model(input_ids=context).logits[0, -1].float()
        return sx.normalise_levels({lvl: float(logits[cid]) for lvl, cid in candidates.items()})

    # ---- health ------------------------------------------------------------------------------------

    async def health(self) -> Health:
        """Loaded: ok. Not yet: ok if the config resolves (weights load on first request), within the timeout."""
        if self._loaded is not None:
            return Health(self.name, True, f"loaded on {self._loaded.device} ({self._loaded.dtype})")

        def config() -> None:
            from transformers import AutoConfig

            AutoConfig.from_pretrained(_checked(self.model_path))

        try:
            await asyncio.wait_for(asyncio.to_thread(config), self._settings.connect_timeout_s)
        except TimeoutError:
            return Health(self.name, False, f"{self.model_path}: config not found within "
                                            f"{self._settings.connect_timeout_s:g} s")
        except (OSError, ValueError) as exc:
            return Health(self.name, False, f"{self.model_path}: {exc}")
        return Health(self.name, True, "config found; weights load on the first request")


def _checked(model_path: str) -> str:
    """Fail clearly on a local path that does not exist (from_pretrained would call it an invalid repo id)."""
    if model_path.startswith(("/", "./", "../", "~")) and not Path(model_path).expanduser().is_dir():
        raise OSError(f"no such model directory: {model_path}")
    return str(Path(model_path).expanduser()) if model_path.startswith("~") else model_path
