"""Does the app serialise requests? 32 concurrent `/triage_json` calls against a model with a fixed 1 s latency.

The model server is FakeSGLangServer (`--mode sleep --latency 1`: every response starts after 1 s). If the app
ran requests one at a time, 32 calls would take 32 s; the target is under 2 s of wall time. The same 32
requests sent straight to the backend (no Gradio) give the floor, so the difference is the app's overhead.

Run: `python bench/bench_app.py [--calls 32] [--latency 1.0]` from the repository root. Prints a small table and
exits 1 if the wall time is not under the target. The rate limit is switched off (one client sends all calls).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

from triage_demo.testing.processes import free_port, stop  # noqa: E402 (needs the path above)

NARRATIVE = (
    "A 67-year-old man arrives by ambulance with crushing chest pain radiating to the left arm for 40 minutes, "
    "diaphoretic. HR 118, BP 88/60, RR 24, SpO2 91% on room air. History of MI. Pain 9/10."
)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


async def direct(settings, calls: int) -> tuple[float, list[float]]:
    """Wall time and per-call latencies of `calls` concurrent `backend.triage()` calls (no app)."""
    from triage_demo.backends import build_backends

    backends = build_backends(settings)

    async def one() -> float:
        start = time.perf_counter()
        result = await backends.primary.triage(NARRATIVE)
        if not result.ok:
            raise SystemExit(f"backend failed: {result.error}")
        return time.perf_counter() - start

    await one()  # warm the connection pool, as the app's first request does
    start = time.perf_counter()
    latencies = await asyncio.gather(*(one() for _ in range(calls)))
    wall = time.perf_counter() - start
    await backends.aclose()
    return wall, list(latencies)



@contextmanager
def app_process(env: dict[str, str]) -> Iterator[str]:
    """`python app.py` in its own process (as on a Space; the clients are elsewhere); yield its URL."""
    port = free_port()
    full_env = {**os.environ, **env, "GRADIO_SERVER_NAME": "127.0.0.1", "GRADIO_SERVER_PORT": str(port),
                "GRADIO_ANALYTICS_ENABLED": "False"}
    proc = subprocess.Popen([sys.executable, str(ROOT / "app.py")], cwd=ROOT, env=full_env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"app.py exited with {proc.returncode}: {proc.stderr.read()[-2000:] if proc.stderr else ''}")
            try:
                if httpx.get(url + "config", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("app.py did not start within 120 s")
            time.sleep(0.2)
        yield url
    finally:
        stop(proc)


async def _call_app(http: httpx.AsyncClient, session: str | None) -> float:
    """One `/triage_json` call through Gradio's documented HTTP API; its latency in seconds."""
    start = time.perf_counter()
    body: dict[str, object] = {"data": [NARRATIVE]}
    if session is not None:
        body["session_hash"] = session
    event = (await http.post("gradio_api/call/triage_json", json=body)).json()["event_id"]
    lines = (await http.get(f"gradio_api/call/triage_json/{event}")).text.splitlines()
    kind = [line for line in lines if line.startswith("event:")][-1]
    data = json.loads([line for line in lines if line.startswith("data:")][-1][len("data:"):])
    if kind != "event: complete" or not data[0]["primary"]["ok"]:
        raise SystemExit(f"call failed: {kind} {str(data)[:300]}")
    if data[0]["baseline"] is not None and not data[0]["baseline"]["ok"]:
        raise SystemExit(f"baseline failed: {str(data[0]['baseline'])[:300]}")
    return time.perf_counter() - start


async def through_app(url: str, calls: int, sessions: list[str | None]) -> tuple[float, list[float]]:
    """Wall time and per-call latencies of `calls` concurrent `/triage_json` calls to the served app.

    Calls go through Gradio's documented HTTP API (`POST /gradio_api/call/triage_json`, then the SSE result),
    from one async client: `gradio_client` starts threads per call and, on a 2-core machine, its own CPU
    would dominate the measurement of the server. Call i uses `sessions[i]` as its Gradio session (None: a
    new one). A new session costs the server ~20 ms of CPU (Gradio copies every component's config), once
    per visitor; a user at the page, or a `gradio_client.Client`, reuses theirs.
    """
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=httpx.Limits(max_connections=calls + 4)) as http:
        await asyncio.gather(*(_call_app(http, s) for s in set(sessions) if s is not None))  # known visitors
        await _call_app(http, None)  # and the server's connection pool to the model is open
        start = time.perf_counter()
        latencies = await asyncio.gather(*(_call_app(http, s) for s in sessions))
        return time.perf_counter() - start, list(latencies)


async def sequential_direct(settings, n: int) -> list[float]:
    """Latencies of `n` one-after-another `backend.triage()` calls (after one warm-up call)."""
    from triage_demo.backends import build_backends

    backend = build_backends(settings).primary
    try:
        latencies = []
        for _ in range(n + 1):
            start = time.perf_counter()
            result = await backend.triage(NARRATIVE)
            if not result.ok:
                raise SystemExit(f"backend failed: {result.error}")
            latencies.append(time.perf_counter() - start)
        return latencies[1:]
    finally:
        await backend.aclose()


async def sequential_app(url: str, n: int) -> list[float]:
    """Latencies of `n` one-after-another `/triage_json` calls by one visitor (after one warm-up call)."""
    async with httpx.AsyncClient(base_url=url, timeout=60) as http:
        return [await _call_app(http, "bench-seq") for _ in range(n + 1)][1:]


def _server_env(url: str, model: str, calls: int) -> dict[str, str]:
    return {"TRIAGE_BACKEND_URL": url, "TRIAGE_MODEL": model, "TRIAGE_RATE_LIMIT_PER_MINUTE": "0",
            "TRIAGE_MAX_RETRIES": "0", "TRIAGE_CONCURRENCY": str(max(64, calls)),
            "TRIAGE_QUEUE_SIZE": str(max(256, 2 * calls))}


def overhead_and_side_by_side(n: int, latency: float) -> None:
    """Per-call overhead of the app (model answering at once), and compare mode vs the slower model alone."""
    from triage_demo.settings import Settings
    from triage_demo.testing.fake_openai_server import running

    with running("--mode", "ok", "--served-model-name", "bench") as url:
        env = _server_env(url, "bench", 1)
        direct_lat = asyncio.run(sequential_direct(Settings.from_env(env).with_(stream=False), n))
        with app_process(env) as app_url:
            app_lat = asyncio.run(sequential_app(app_url, n))
    d50, d95 = statistics.median(direct_lat), _percentile(direct_lat, 0.95)
    a50, a95 = statistics.median(app_lat), _percentile(app_lat, 0.95)
    print(f"\nApp overhead per call: {n} sequential `/triage_json` calls vs {n} direct `backend.triage()` calls, "
          "model server answering at once.\n")
    print("| path | median ms | p95 ms |")
    print("|---|---|---|")
    print(f"| backend called directly | {1000 * d50:.1f} | {1000 * d95:.1f} |")
    print(f"| through the app | {1000 * a50:.1f} | {1000 * a95:.1f} |")
    print(f"| **added by the app** | **{1000 * (a50 - d50):.1f}** | {1000 * (a95 - d95):.1f} |")

    slow, fast = latency, latency / 2
    with running("--mode", "sleep", "--latency", str(fast), "--served-model-name", "bench") as p_url, \
            running("--mode", "sleep", "--latency", str(slow), "--served-model-name", "baseline") as b_url:
        env = {**_server_env(p_url, "bench", 1), "TRIAGE_BASELINE_URL": b_url, "TRIAGE_BASELINE_MODEL": "baseline"}
        slower_alone = asyncio.run(sequential_direct(Settings.from_env(env).with_(
            backend_url=b_url, model="baseline", stream=False), n))
        with app_process(env) as app_url:
            both = asyncio.run(sequential_app(app_url, n))
    s50, b50 = statistics.median(slower_alone), statistics.median(both)
    print(f"\nSide by side: primary answers after {fast:g} s, baseline after {slow:g} s; {n} sequential calls.\n")
    print("| path | median s | ratio to the slower model alone |")
    print("|---|---|---|")
    print(f"| slower model (baseline) alone, direct | {s50:.3f} | 1.00 |")
    print(f"| compare mode through the app (both models) | {b50:.3f} | {b50 / s50:.2f} |")
    print(f"\nRun one after the other, the two would take {fast + slow:g} s (ratio {(fast + slow) / s50:.2f}).")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=32)
    parser.add_argument("--latency", type=float, default=1.0, help="the fake model's fixed latency in seconds")
    parser.add_argument("--target", type=float, default=2.0, help="wall-time target for all calls, seconds")
    parser.add_argument("--quick", action="store_true", help="fewer sequential calls (10 instead of 30)")
    args = parser.parse_args(argv)

    from triage_demo.settings import Settings
    from triage_demo.testing.fake_openai_server import running

    with running("--mode", "sleep", "--latency", str(args.latency), "--served-model-name", "bench") as url:
        env = _server_env(url, "bench", args.calls)
        # The API asks for whole answers (stream=False); the direct floor does the same.
        settings = Settings.from_env(env).with_(stream=False)
        d_wall, d_lat = asyncio.run(direct(settings, args.calls))
        with app_process(env) as app_url:
            # 32 users who already have the page open (their sessions exist), then 32 first-time callers.
            warm = [f"bench-user-{i}" for i in range(args.calls)]
            a_wall, a_lat = asyncio.run(through_app(app_url, args.calls, warm))
            n_wall, n_lat = asyncio.run(through_app(app_url, args.calls, [None] * args.calls))

    ok = a_wall < args.target
    print(f"{args.calls} concurrent `/triage_json` calls, model latency {args.latency:g} s "
          "(FakeSGLangServer), app in its own process (`python app.py`), one machine for all three.\n")
    print("| path | wall s | p50 s | p95 s | max s |")
    print("|---|---|---|---|---|")
    rows = (("backend called directly", d_wall, d_lat), ("app, users with a session", a_wall, a_lat),
            ("app, first-time callers", n_wall, n_lat))
    for name, wall, lat in rows:
        print(f"| {name} | {wall:.2f} | {statistics.median(lat):.2f} | {_percentile(lat, 0.95):.2f} | {max(lat):.2f} |")
    print(f"\nApp overhead over the direct calls: {a_wall - d_wall:+.2f} s wall ({n_wall - d_wall:+.2f} s when "
          f"every call opens a new Gradio session). Serialised, the calls would take {args.calls * args.latency:.0f} s."
          "\n")
    print(f"Target: all calls in < {args.target:g} s wall (users with a session): **{'PASS' if ok else 'FAIL'}**")
    overhead_and_side_by_side(10 if args.quick else 30, args.latency)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
