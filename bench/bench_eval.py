"""Evaluation throughput: `triage-demo eval` on 200 cases against a fixed-latency server, concurrent vs sequential.

The server is the FakeSGLangServer (SGLang needs a GPU) with a fixed latency before each answer, standing in
for a GPU server that batches. The figure is the speed-up of concurrency C over C = 1, measured in one run;
the ideal is min(C, cases) when the server batches perfectly.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

from triage_demo.backends import build_backends
from triage_demo.evaluate import Case, evaluate_backend, load_cases
from triage_demo.settings import Settings
from triage_demo.testing.fake_openai_server import running

ROOT = Path(__file__).resolve().parent.parent


def eval_wall(url: str, cases: list[Case], concurrency: int) -> float:
    """Wall time of the evaluator `triage-demo eval` runs (evaluate_backend), without interpreter start-up."""
    backend = build_backends(Settings(backend_url=url, model="fake-model")).primary

    async def run() -> float:
        try:
            t0 = time.perf_counter()
            result = await evaluate_backend(cases, backend, concurrency=concurrency)
            wall = time.perf_counter() - t0
        finally:
            await backend.aclose()
        if result.metrics["unparsed"]["k"]:
            raise RuntimeError("the fake server's answers did not parse: the benchmark would measure errors")
        return wall

    return asyncio.run(run())


def main() -> None:
    quick = "--quick" in sys.argv
    n_cases, latency = (50, 0.1) if quick else (200, 0.25)
    examples, _ = load_cases(ROOT / "examples/cases.jsonl")
    cases = [Case(f"c{i}", examples[i % len(examples)].narrative, examples[i % len(examples)].esi)
             for i in range(n_cases)]
    with running("--mode", "sleep", "--latency", str(latency), "--served-model-name", "fake-model") as url:
        eval_wall(url, cases[:8], 8)  # warm-up: lazy imports, first connections
        walls = {c: eval_wall(url, cases, c) for c in (1, 8, 32)}
    print(f"{n_cases} cases, server latency {latency * 1000:.0f} ms per request "
          f"(sequential lower bound {n_cases * latency:.1f} s).\n")
    print("| concurrency | wall time | speed-up vs sequential | ideal |")
    print("|---|---|---|---|")
    for c, w in walls.items():
        print(f"| {c} | {w:.2f} s | {walls[1] / w:.1f}× | {min(c, n_cases)}× |")


if __name__ == "__main__":
    main()
