"""Load: 200 simulated users calling `/triage_json` non-stop for 60 s, against a model with a fixed latency.

The model server is FakeSGLangServer (`--mode sleep --latency 1`: every response starts after 1 s); the app runs
as `python app.py` in its own process with its default limits (64 triage events at once, a queue of 256, 30 runs
per user per minute). Each user is a Gradio session (like a browser tab or a `gradio_client.Client`) calling
again as soon as its answer is in, with its own `X-Forwarded-For` address (as the Spaces proxy sends), so the
per-user rate limit applies per user, as in production.

Every answer is sorted into: ok (the primary answered), busy (an explicit refusal: queue full, or the caller's
rate limit) and other errors (anything else: the figure that must be 0).

Memory: the app's resident set is read when idle, after every user has opened its session and a warm-up at full
load, then every second of the run. The run is judged on its second half (RSS at the end against RSS half-way):
the first minutes of load raise RSS to the high-water mark of 200 requests in flight (Python keeps freed memory
in its arenas), which is not a leak; a leak keeps growing with every request, in the second half as in the first.

Run: `python bench/bench_load.py [--users 200] [--duration 60] [--latency 1.0] [--quick]` from the repository
root (`--quick`: 8 s). Prints a markdown table; exits 1 on any other error, or if RSS grew by more than
`--max-growth` (default 10 %) over the second half of the run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import ssl
import statistics
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # bench_app, also when this file is imported by tests/test_load.py

from bench_app import NARRATIVE, _percentile, app_process  # noqa: E402

MB = 1024 * 1024
#: Answers that are explicit refusals of an overloaded app (Gradio's full queue, the app's rate limit).
BUSY_MARKERS = ("Queue is full", "Too many triage requests")


@dataclass
class Tally:
    """Outcomes of the calls made in one phase."""

    ok: int = 0
    busy: int = 0
    errors: int = 0
    latencies: list[float] = field(default_factory=list)  # seconds, of ok calls
    examples: list[str] = field(default_factory=list)  # the first few other errors, for the report

    def error(self, what: str) -> None:
        self.errors += 1
        if len(self.examples) < 5:
            self.examples.append(what[:300])


@dataclass
class LoadResult:
    users: int
    duration_s: float
    latency_s: float
    concurrency: int
    tally: Tally
    rss_idle: int  # bytes: the app started, nothing run yet
    rss_before: int  # after the sessions were opened and the warm-up
    rss_samples: list[tuple[float, int]]  # (seconds into the run, bytes), every second, the last after the run

    @property
    def rss_after(self) -> int:
        return self.rss_samples[-1][1]

    @property
    def rss_half(self) -> int:
        """RSS half-way through the run (the sample closest to it)."""
        half = self.duration_s / 2
        return min(self.rss_samples, key=lambda s: abs(s[0] - half))[1]

    @property
    def growth(self) -> float:
        return self.rss_after / self.rss_before - 1.0

    @property
    def second_half_growth(self) -> float:
        return self.rss_after / self.rss_half - 1.0

    @property
    def throughput(self) -> float:
        return self.tally.ok / self.duration_s

    @property
    def ideal_throughput(self) -> float:
        """What `concurrency` slots busy for `latency_s` each could complete per second."""
        return min(self.users, self.concurrency) / self.latency_s


async def _call(http: httpx.AsyncClient, session: str, address: str, fn_index: int, tally: Tally) -> None:
    """One `/triage_json` call as a Gradio client makes it in its session (POST /queue/join, then the session's
    SSE stream up to this event's result), sorted into `tally`. `address` is the user's own, as the Spaces proxy
    reports it in X-Forwarded-For: the per-user rate limit applies per user."""
    start = time.perf_counter()
    headers = {"X-Forwarded-For": address}
    try:
        joined = await http.post("gradio_api/queue/join", headers=headers, json={
            "data": [NARRATIVE, False], "fn_index": fn_index, "session_hash": session, "event_data": None,
            "trigger_id": None})
        if joined.status_code != 200:
            if joined.status_code == 503 and any(m in joined.text for m in BUSY_MARKERS):
                tally.busy += 1
            else:
                tally.error(f"join: HTTP {joined.status_code}: {joined.text}")
            return
        event = joined.json()["event_id"]
        done = None
        async with http.stream("GET", "gradio_api/queue/data", params={"session_hash": session},
                               headers=headers) as stream:
            async for line in stream.aiter_lines():
                if line.startswith("data:"):
                    msg = json.loads(line[len("data:"):])
                    if msg.get("msg") == "process_completed" and msg.get("event_id") == event:
                        done = msg
                        break
    except (httpx.HTTPError, ValueError, KeyError) as exc:
        tally.error(f"{type(exc).__name__}: {exc}")
        return
    if done is None:
        tally.error("the stream ended without this call's result")
    elif not done.get("success"):
        message = str((done.get("output") or {}).get("error"))
        if any(marker in message for marker in BUSY_MARKERS):
            tally.busy += 1
        else:
            tally.error(f"error: {message}")
    elif done["output"]["data"][0]["primary"]["ok"]:
        tally.ok += 1
        tally.latencies.append(time.perf_counter() - start)
    else:
        tally.error(f"primary failed: {done['output']['data'][0]['primary']['error']}")


def _fn_index(url: str, api_name: str) -> int:
    """The event id the page's config gives `api_name` (what a Gradio client looks up once)."""
    config = httpx.get(url + "config", timeout=30).json()
    return next(dep["id"] for dep in config["dependencies"] if dep.get("api_name") == api_name)


async def drive(url: str, users: int, duration_s: float) -> Tally:
    """`users` users, each with its own Gradio session and connection (a browser tab or a `gradio_client.Client`),
    each calling again as soon as its previous call returned, until `duration_s` has passed.

    Every user makes at least one call; only calls started before the end count, and every one of them is
    awaited (none is abandoned). Each user has
    its own small HTTP client: one shared pool of hundreds of connections costs its O(n) scan per request (it
    took half of this machine's CPU); the clients share one SSL context, whose set-up is the other cost. Idle
    connections are dropped after 2 s, before the server's 5 s keep-alive timeout could close one in use."""
    tally = Tally()
    fn_index = _fn_index(url, "triage_json")
    end = time.perf_counter() + duration_s
    tls = ssl.create_default_context()  # never used on http://, but each client would build its own

    async def user(i: int) -> None:
        session = f"bench-load-user-{i:05d}"  # the same across calls of drive(): the warm-up opened it
        limits = httpx.Limits(max_connections=4, keepalive_expiry=2.0)
        async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits, verify=tls) as http:
            while True:  # at least one call: drive(url, users, 0) opens every user's session
                await _call(http, session, f"10.{i // 250}.{i % 250}.7", fn_index, tally)
                if time.perf_counter() >= end:
                    break

    await asyncio.gather(*(user(i) for i in range(users)))
    return tally


def _rss(proc: psutil.Process) -> int:
    return proc.memory_info().rss


def _app_pid(before: set[int]) -> psutil.Process:
    """The `python app.py` child started by app_process (the only new child of this process running app.py)."""
    for child in psutil.Process().children():
        if child.pid not in before and any(part.endswith("app.py") for part in child.cmdline()):
            return child
    raise RuntimeError("app.py process not found among this process's children")


def run_load(users: int = 200, duration_s: float = 60.0, latency_s: float = 1.0, warmup_s: float = 10.0,
             concurrency: int = 64) -> LoadResult:
    """Start the fake model and the app, open the sessions, warm up, run the load and measure; stop everything."""
    from triage_demo.testing.fake_openai_server import running

    with running("--mode", "sleep", "--latency", str(latency_s), "--served-model-name", "load") as model_url:
        env = {"TRIAGE_BACKEND_URL": model_url, "TRIAGE_MODEL": "load", "TRIAGE_MAX_RETRIES": "0",
               "TRIAGE_CONCURRENCY": str(concurrency)}
        children = {c.pid for c in psutil.Process().children()}
        with app_process(env) as url:
            app = _app_pid(children)
            rss_idle = _rss(app)
            for phase, seconds in (("opening the sessions", 0.0), ("warm-up", warmup_s)):
                warm = asyncio.run(drive(url, users, seconds))
                if warm.errors:
                    raise SystemExit(f"{phase} failed: {warm.examples}")
            rss_before = _rss(app)
            samples: list[tuple[float, int]] = []
            stop = threading.Event()
            start = time.perf_counter()

            def sample() -> None:
                while not stop.wait(1.0):
                    samples.append((time.perf_counter() - start, _rss(app)))

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            tally = asyncio.run(drive(url, users, duration_s))
            elapsed = time.perf_counter() - start
            stop.set()
            sampler.join()
            samples.append((elapsed, _rss(app)))
    return LoadResult(users=users, duration_s=elapsed, latency_s=latency_s, concurrency=concurrency, tally=tally,
                      rss_idle=rss_idle, rss_before=rss_before, rss_samples=samples)


def report(r: LoadResult) -> str:
    """The markdown section bench/run_all.py puts into RESULTS.md."""
    t = r.tally
    lat = t.latencies or [float("nan")]
    rows = [
        ("requests ok", f"{t.ok:,}"),
        ("busy refusals (queue full, rate limit)", f"{t.busy:,}"),
        ("other errors", f"{t.errors:,}"),
        ("latency p50 / p95 / max", f"{statistics.median(lat):.2f} s / {_percentile(lat, 0.95):.2f} s / "
                                    f"{max(lat):.2f} s"),
        ("p50 latency / model latency", f"{statistics.median(lat) / r.latency_s:.2f}"),
        ("throughput / ideal", f"{r.throughput:.1f} / {r.ideal_throughput:.1f} calls/s "
                               f"= {r.throughput / r.ideal_throughput:.2f}"),
        ("app RSS idle → after warm-up", f"{r.rss_idle / MB:.0f} MB → {r.rss_before / MB:.0f} MB"),
        ("app RSS before → half-way → after the run", f"{r.rss_before / MB:.0f} MB → {r.rss_half / MB:.0f} MB → "
                                                      f"{r.rss_after / MB:.0f} MB "
                                                      f"(peak {max(v for _, v in r.rss_samples) / MB:.0f} MB)"),
        ("RSS growth: whole run / second half", f"{100 * r.growth:+.1f} % / {100 * r.second_half_growth:+.1f} %"),
    ]
    text = (f"{r.users} users calling `/triage_json` back to back for {r.duration_s:.0f} s; model latency "
            f"{r.latency_s:g} s (FakeSGLangServer); app in its own process (`python app.py`, "
            f"{r.concurrency} concurrent triage events, default queue and rate limit).\n\n"
            "| measure | value |\n|---|---|\n" + "\n".join(f"| {k} | {v} |" for k, v in rows) + "\n")
    if t.examples:
        text += "\nFirst other errors:\n\n" + "\n".join(f"- `{e}`" for e in t.examples) + "\n"
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load (after a 10 s warm-up)")
    parser.add_argument("--latency", type=float, default=1.0, help="the fake model's fixed latency in seconds")
    parser.add_argument("--max-growth", type=float, default=0.10,
                        help="allowed RSS growth over the second half of the run")
    parser.add_argument("--quick", action="store_true", help="8 s of load instead of --duration")
    args = parser.parse_args(argv)
    result = run_load(args.users, 8.0 if args.quick else args.duration, args.latency)
    print(report(result))
    ok = result.tally.errors == 0 and result.tally.ok > 0 and result.second_half_growth <= args.max_growth
    print(f"Target: no errors other than explicit refusals, RSS growth ≤ {100 * args.max_growth:.0f} % over the "
          "second half: "
          f"**{'PASS' if ok else 'FAIL'}**")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
