"""Client benchmark: what the backend client costs over a bare HTTP call, and whether requests overlap.

1. Overhead: the same streamed answer from FakeSGLangServer (zero latency, ~160 SSE events per answer) fetched
   (a) with a direct httpx call that decodes the SSE JSON and joins the text — the least any client must do —
   and (b) through `OpenAICompatBackend.triage` (openai client + parse + TriageResult), as the app does.
   Requests alternate between the two so drift hits both alike; median and p95 in ms.
2. Concurrency: N = 1, 8, 32, 64 simultaneous triages against a fake with a fixed latency before the first
   byte; the ratio wall / single-request latency is ~1 when requests overlap and ~N when they serialise.

Run: `python bench/bench_client.py [--requests 300] [--latency 1.0]`. Numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time

import httpx

from triage_demo.backends.openai_compat import OpenAICompatBackend
from triage_demo.prompt import build_messages
from triage_demo.settings import Settings
from triage_demo.testing.fake_openai_server import running

NARRATIVE = "A 67-year-old man with crushing chest pain, BP 88/60, HR 118, RR 24, SpO2 91%."


def _p95(xs: list[float]) -> float:
    return statistics.quantiles(xs, n=20)[-1]


async def _direct(http: httpx.AsyncClient, url: str) -> str:
    body = {"model": "fake-model", "messages": build_messages(NARRATIVE), "temperature": 0.0, "max_tokens": 1024,
            "stream": True, "stream_options": {"include_usage": True}}
    parts: list[str] = []
    async with http.stream("POST", url + "/chat/completions", json=body) as resp:
        resp.raise_for_status()
        async for line in resp.aiter_lines():
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            for choice in json.loads(line[6:])["choices"]:
                parts.append(choice["delta"].get("content") or "")
    return "".join(parts)


async def overhead(url: str, requests: int) -> dict[str, float]:
    backend = OpenAICompatBackend.primary(Settings(backend_url=url, model="fake-model"))
    direct_ms: list[float] = []
    client_ms: list[float] = []
    async with httpx.AsyncClient(timeout=30) as http:
        for i in range(requests + 20):  # the first 20 warm up connections and caches
            t0 = time.perf_counter()
            text = await _direct(http, url)
            t1 = time.perf_counter()
            result = await backend.triage(NARRATIVE)
            t2 = time.perf_counter()
            if result.raw_text != text or not result.ok:
                raise RuntimeError(f"the two paths disagree: {result.error}")
            if i >= 20:
                direct_ms.append((t1 - t0) * 1000)
                client_ms.append((t2 - t1) * 1000)
    await backend.aclose()
    diffs = [c - d for c, d in zip(client_ms, direct_ms)]
    return {
        "direct_median_ms": statistics.median(direct_ms), "direct_p95_ms": _p95(direct_ms),
        "client_median_ms": statistics.median(client_ms), "client_p95_ms": _p95(client_ms),
        "overhead_median_ms": statistics.median(diffs), "overhead_p95_ms": _p95(diffs),
    }


async def concurrency(url: str, n: int) -> float:
    """Wall time of n simultaneous triages, in seconds."""
    backend = OpenAICompatBackend.primary(Settings(backend_url=url, model="fake-model"))
    await backend.triage(NARRATIVE)  # open the pool
    start = time.perf_counter()
    results = await asyncio.gather(*(backend.triage(NARRATIVE) for _ in range(n)))
    wall = time.perf_counter() - start
    await backend.aclose()
    if not all(r.ok for r in results):
        raise RuntimeError(f"failed requests at N={n}: {[r.error for r in results if not r.ok][:3]}")
    return wall


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--requests", type=int, default=300, help="measured requests per path for the overhead")
    p.add_argument("--latency", type=float, default=1.0, help="fixed server latency for the concurrency test (s)")
    p.add_argument("--quick", action="store_true", help="100 requests instead of --requests")
    args = p.parse_args(argv)
    n_requests = 100 if args.quick else args.requests

    with running() as url:
        o = asyncio.run(overhead(url, n_requests))
    print(f"Client overhead over a direct httpx call ({n_requests} streamed requests, ~160 SSE events each; "
          "target: median < 5 ms):\n")
    print("| path | median | p95 |")
    print("|---|---|---|")
    print(f"| direct httpx | {o['direct_median_ms']:.2f} ms | {o['direct_p95_ms']:.2f} ms |")
    print(f"| `OpenAICompatBackend` | {o['client_median_ms']:.2f} ms | {o['client_p95_ms']:.2f} ms |")
    print(f"| **added by the client** | **{o['overhead_median_ms']:.2f} ms** | {o['overhead_p95_ms']:.2f} ms |")

    with running("--mode", "sleep", "--latency", str(args.latency)) as url:
        single = asyncio.run(concurrency(url, 1))
        print(f"\nConcurrent requests against a fixed {args.latency:g} s server latency (ideal wall/single = 1):\n")
        print("| N | wall | wall / single request |")
        print("|---|---|---|")
        for n in (1, 8, 32, 64):
            wall = asyncio.run(concurrency(url, n))
            print(f"| {n} | {wall:.3f} s | {wall / single:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
