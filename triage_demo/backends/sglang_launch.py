"""The recommended `python -m sglang.launch_server` command for the primary model and the baseline.

Why each flag:
- `--dtype bfloat16`: Gemma3 overflows in fp16 (garbage output); bf16 needs an Ampere-or-newer GPU.
- `--served-model-name`: the name clients send as `model` (TRIAGE_MODEL / TRIAGE_BASELINE_MODEL).
- `--context-length`: a triage prompt is a few hundred tokens plus 1024 generated; a short context leaves
  the GPU memory to the KV cache of many concurrent requests.
- `--mem-fraction-static`: share of GPU memory for weights + KV cache (the rest for activations).
- `--api-key`: the server is on the internet so that a Space can reach it; read from the environment, never
  written out in clear (the printed command says `"$TRIAGE_API_KEY"`).
- `--host 0.0.0.0 --port 8080`: a Space can only call out on ports 80, 443 and 8080.
- `--enable-metrics`: Prometheus `/metrics` for throughput and queueing.
- `--dp N`: N data-parallel replicas on one host (a 4B model fits one GPU, so more GPUs mean more replicas);
  across hosts, put `sglang_router` in front of the workers.
"""

from __future__ import annotations

import importlib.util
import os
import shlex
from dataclasses import dataclass

SPACE_REACHABLE_PORTS = (80, 443, 8080)


@dataclass(frozen=True)
class LaunchSpec:
    """What to serve and how; `key_var` names the environment variable that holds the API key."""

    model_path: str
    served_model_name: str
    port: int = 8080
    gpus: int = 1
    context_length: int = 8192
    mem_fraction_static: float = 0.85
    key_var: str = "TRIAGE_API_KEY"

    def __post_init__(self) -> None:
        if self.gpus < 1:
            raise ValueError(f"--gpus must be at least 1, got {self.gpus}")
        if not 0.1 <= self.mem_fraction_static <= 0.95:
            raise ValueError(f"--mem-fraction-static must be between 0.1 and 0.95, got {self.mem_fraction_static}")
        if not 1 <= self.port <= 65535:
            raise ValueError(f"--port must be a TCP port, got {self.port}")


def launch_argv(spec: LaunchSpec, python: str = "python", api_key: str | None = None) -> list[str]:
    """argv of the launch command; the key is `api_key` when running it, else a shell reference to its variable."""
    argv = [
        python, "-m", "sglang.launch_server",
        "--model-path", spec.model_path,
        "--served-model-name", spec.served_model_name,
        "--dtype", "bfloat16",
        "--context-length", str(spec.context_length),
        "--mem-fraction-static", f"{spec.mem_fraction_static:g}",
        "--host", "0.0.0.0",
        "--port", str(spec.port),
        "--api-key", api_key if api_key is not None else f"${spec.key_var}",
        "--enable-metrics",
    ]
    if spec.gpus > 1:
        argv += ["--dp", str(spec.gpus)]
    return argv


def shell_line(argv: list[str]) -> str:
    """One copy-pasteable line; a `$VAR` argument stays a double-quoted variable reference, not its value."""
    return " ".join(f'"{a}"' if a.startswith("$") else shlex.quote(a) for a in argv)


def warnings_for(spec: LaunchSpec) -> list[str]:
    """Things that would make the deployment fail or be unsafe, in words."""
    out = []
    if spec.port not in SPACE_REACHABLE_PORTS:
        out.append(f"port {spec.port}: a Hugging Face Space can only call out on ports 80, 443 and 8080")
    if not os.environ.get(spec.key_var):
        out.append(f"{spec.key_var} is not set: the server would accept requests from anyone who can reach it")
    return out


def sglang_available() -> bool:
    return importlib.util.find_spec("sglang") is not None
