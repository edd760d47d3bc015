"""Label store: how long a durable append takes with 1 and 16 writer threads, and a Hub sync of 10,000 records.

Target (labels issue): appending a record takes under 5 ms at the 99th percentile with 16 concurrent writers.
Every `append` returns only after its line is on disk (write + fdatasync, shared by the writers queued behind it),
so the floor is the disk's own sync latency: it is measured first, in the same run, for comparison.

16 writers are measured two ways. Open loop (the target's check): each of 16 threads appends at random moments,
50 records/s per thread on average (800/s in all, far above what people clicking "submit" produce), so appends
genuinely overlap. Closed loop (a stress figure, no target): each thread appends back-to-back with no pause; its
latency is mostly queueing behind the other 15 threads and CPython's GIL hand-over, which gives a p99 of several
ms even with the disk sync switched off.

The Hub sync runs the real `huggingface_hub.CommitScheduler` against FakeHfApi (the Hub cannot be reached here)
with 50 ms of simulated latency per call, while 8 threads append 10,000 records; it reports how long the final
flush took and checks that the remote copy holds every record.

Run: `python bench/bench_store.py [--quick]` from the repository root. Prints a markdown section; exits 1 if the
16-writer p99 is not under 5 ms or a record is missing on the remote.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

from triage_demo.labels.record import LabelRecord, make_record  # noqa: E402
from triage_demo.labels.store import LabelStore  # noqa: E402
from triage_demo.labels.sync import LabelSync  # noqa: E402
from triage_demo.schema import TriageResult  # noqa: E402
from triage_demo.testing.fake_hub import FakeHfApi  # noqa: E402

TARGET_P99_MS = 5.0
NARRATIVE = (
    "A 67-year-old man arrives by ambulance with crushing chest pain radiating to the left arm for 40 minutes, "
    "diaphoretic. HR 118, BP 88/60, RR 24, SpO2 91% on room air. History of MI. Pain 9/10. Case {i}."
)
RAW = ("EXTRACTION:\n- Chief complaint: chest pain\n- Vital signs: HR 118, BP 88/60\n- Red flags: hypotension\n"
       "ESI ALGORITHM:\n- Step A (lifesaving): no\n- Step B (high-risk): yes, ACS\n- Step C: -\n- Step D: -\n"
       "ANSWER: ESI 2")


def _records(n: int) -> list[LabelRecord]:
    """Realistic records (model output included), built before timing: we measure the store, not deid."""
    primary = TriageResult(esi=2, backend="openai", model="medgemma", raw_text=RAW,
                           probabilities={1: 0.05, 2: 0.9, 3: 0.05})
    template = make_record(NARRATIVE.format(i=0), expert_esi=2, annotator="bench", rationale="ACS with hypotension",
                           source="example", primary=primary, reason_tags=["hypotension"])
    out = []
    for i in range(n):
        fields = dict(template.__dict__)
        fields.pop("record_id")
        fields["case_id"] = f"{i:016x}"
        out.append(LabelRecord(**fields))
    return out


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] * 1e3


def disk_sync_baseline(folder: Path, n: int, line: bytes) -> list[float]:
    fd = os.open(folder / "baseline.jsonl", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    times = []
    try:
        for _ in range(n):
            t = time.perf_counter()
            os.write(fd, line)
            os.fdatasync(fd)
            times.append(time.perf_counter() - t)
    finally:
        os.close(fd)
    return times


def appends(
    folder: Path, writers: int, per_writer: int, lock: object = None, rate_per_writer: float | None = None
) -> tuple[list[float], float]:
    """Time each append; with `rate_per_writer`, each thread waits a random (exponential) gap before each one."""
    store = LabelStore(folder, lock=lock)  # type: ignore[arg-type]
    batches = [_records(per_writer) for _ in range(writers)]
    times: list[float] = []
    guard = threading.Lock()
    start = threading.Barrier(writers + 1)

    def write(batch: list[LabelRecord]) -> None:
        mine = []
        rng = random.Random(len(batch) * id(batch))
        start.wait()
        for r in batch:
            if rate_per_writer:
                time.sleep(rng.expovariate(rate_per_writer))
            t = time.perf_counter()
            store.append(r)
            mine.append(time.perf_counter() - t)
        with guard:
            times.extend(mine)

    threads = [threading.Thread(target=write, args=(b,)) for b in batches]
    for t in threads:
        t.start()
    start.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    store.close()
    return times, elapsed


def stored(folder: Path) -> int:
    """Records readable back from the folder (checked after timing, so it does not colour the figures)."""
    contents = LabelStore(folder).read_all()
    assert contents.corrupt_lines == 0 and contents.truncated_lines == 0, contents.problems
    return len(contents)


def hub_sync(folder: Path, n: int) -> dict[str, float]:
    api = FakeHfApi(folder / "hub", latency_s=0.05)
    labels = folder / "labels"
    sync = LabelSync(labels, "bench/labels", token="x", every_minutes=0.02, hf_api=api)  # a push every 1.2 s
    writers = 8
    t0 = time.perf_counter()
    times, _ = appends(labels, writers, n // writers, lock=sync.lock)
    written = time.perf_counter() - t0
    pending_at_end = sync.status().pending_records
    t1 = time.perf_counter()
    ok = sync.close()
    flush = time.perf_counter() - t1
    remote = api.root / "datasets" / "bench/labels" / "data"
    remote_records = sum(p.read_bytes().count(b"\n") for p in remote.glob("*.jsonl"))
    return {
        "ok": float(ok and remote_records == n),
        "records": n,
        "remote_records": remote_records,
        "write_s": written,
        "pending_at_end": pending_at_end,
        "flush_s": flush,
        "commits": len(api.repos[("dataset", "bench/labels")].commits),
        "mb": sum(p.stat().st_size for p in (labels / "data").glob("*.jsonl")) / 1e6,
        "p99_ms": _pct(times, 0.99),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer records (CI smoke run)")
    args = parser.parse_args()
    single_n, multi_per, sync_n = (300, 50, 2000) if args.quick else (1000, 200, 10_000)
    rate = 50.0
    with tempfile.TemporaryDirectory(prefix="bench-store-") as tmp:
        root = Path(tmp)
        line = _records(1)[0].to_json_line().encode()
        base = disk_sync_baseline(root, single_n, line)
        one, one_s = appends(root / "one", 1, single_n)
        many, many_s = appends(root / "many", 16, multi_per, rate_per_writer=rate)
        stress, stress_s = appends(root / "stress", 16, multi_per)
        sync = hub_sync(root / "sync", sync_n)
        complete = all(stored(root / name) == len(times) for name, times in
                       (("one", one), ("many", many), ("stress", stress), ("sync/labels", [0] * sync_n)))

    p99_16 = _pct(many, 0.99)
    rows = [
        ("disk alone: write + fdatasync (floor)", len(base), base, None),
        ("append, 1 writer", len(one), one, len(one) / one_s),
        (f"append, 16 writers, open loop ({rate:.0f}/s each)", len(many), many, len(many) / many_s),
        ("append, 16 writers, closed loop (stress)", len(stress), stress, len(stress) / stress_s),
    ]
    print(f"Record size {len(line)} bytes. Every append is durable (on disk) when it returns.\n")
    print("| what | n | p50 ms | p99 ms | max ms | records/s |")
    print("|---|---|---|---|---|---|")
    for name, n, times, per_s in rows:
        print(f"| {name} | {n} | {_pct(times, .5):.2f} | {_pct(times, .99):.2f} | {_pct(times, 1):.2f} | "
              f"{'' if per_s is None else f'{per_s:.0f}'} |")
    verdict = "meets" if p99_16 < TARGET_P99_MS else "MISSES"
    floor = _pct(base, 0.99)
    print(f"\n16 concurrent writers (open loop): p99 {p99_16:.2f} ms {verdict} the {TARGET_P99_MS:.0f} ms target "
          f"({p99_16 / floor:.1f}x the disk's own sync p99 of {floor:.2f} ms in this run"
          f"{'; the disk alone is above the target here' if floor >= TARGET_P99_MS else ''}). "
          f"Closed-loop stress p99: {_pct(stress, .99):.2f} ms (no target).\n")
    print(f"Hub sync (real CommitScheduler, FakeHfApi with 50 ms per call, a push every 1.2 s): "
          f"{sync['records']:,} records ({sync['mb']:.1f} MB) appended by 8 threads in {sync['write_s']:.1f} s "
          f"(p99 append {sync['p99_ms']:.2f} ms while pushes ran); {sync['commits']} commits; "
          f"{sync['pending_at_end']:,} records still pending when writing stopped, flushed on close in "
          f"{sync['flush_s']:.2f} s; remote holds {sync['remote_records']:,}/{sync['records']:,} records.")
    print(f"Every appended record read back: {'yes' if complete else 'NO'}.")
    return 0 if p99_16 < TARGET_P99_MS and sync["ok"] and complete else 1


if __name__ == "__main__":
    raise SystemExit(main())
