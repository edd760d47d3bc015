"""Shared fixtures: a tiny local model, a real `transformers serve` process hosting it, and the fake SGLang server.

Everything runs on 127.0.0.1 and is torn down at the end; nothing is downloaded.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Callable, Iterator

import httpx
import pytest

from triage_demo.testing.fake_openai_server import running
from triage_demo.testing.processes import free_port, stop

SERVE_STARTUP_S = 120.0  # imports + model load on 2 busy cores; usually ~10 s


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random Gemma3ForCausalLM + trained tokenizer + chat template (triage_demo.tiny), built once."""
    from triage_demo.tiny import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("tiny-gemma3"), family="gemma3")


@pytest.fixture(scope="session")
def tiny_mm_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same, as Gemma3ForConditionalGeneration with a Gemma3Processor (MedGemma's classes)."""
    from triage_demo.tiny import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("tiny-gemma3-mm"), family="gemma3-mm")



@pytest.fixture(scope="session")
def openai_server_url(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL (ending in /v1) of a real `transformers serve` process on loopback, pinned to the tiny model.

    The served model name is `str(tiny_model_dir)` (transformers serve names a local model by its path).
    CPU only, offline; the process is stopped at the end of the session.
    """
    port = free_port()
    log = tmp_path_factory.mktemp("serve") / "transformers-serve.log"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    cmd = [sys.executable, "-c", "import sys; from transformers.cli.transformers import main; sys.exit(main())",
           "serve", str(tiny_model_dir), "--host", "127.0.0.1", "--port", str(port), "--device", "cpu"]
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVE_STARTUP_S
        while True:
            if proc.poll() is not None:
                pytest.fail(f"transformers serve exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
            try:
                if httpx.get(url + "/health", timeout=1.0).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"transformers serve not up after {SERVE_STARTUP_S:g} s:\n{log.read_text()[-3000:]}")
            time.sleep(0.25)
        yield url + "/v1"
    finally:
        stop(proc)


@pytest.fixture
def fake_sglang() -> Iterator[Callable[..., str]]:
    """Start FakeSGLangServer processes for one test: `url = fake_sglang("--mode", "hang")` (base URL, /v1).

    Its served model name is "fake-model" unless `--served-model-name` says otherwise.
    """
    with ExitStack() as stack:
        yield lambda *args: stack.enter_context(running(*args))
