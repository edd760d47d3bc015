"""Run every benchmark in one go on this machine and write bench/RESULTS.md.

Each bench script is run as its own process (`python bench/bench_X.py`), so one's imports and threads do not
colour another's numbers; its stdout (a markdown section) goes into RESULTS.md under the command that
reproduces it. Every figure is a ratio or comparison measured within one run of one script.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

#: Order matters only for reading: core first, then the layers that build on it.
SCRIPTS = [
    "bench_rules.py",
    "bench_client.py",
    "bench_store.py",
    "bench_eval.py",
    "bench_app.py",
    "bench_load.py",
    "bench_cold_start.py",
]


def main() -> int:
    quick = "--quick" in sys.argv
    sections: list[str] = []
    failed: list[str] = []
    for name in SCRIPTS:
        script = HERE / name
        cmd = [sys.executable, str(script.relative_to(ROOT))] + (["--quick"] if quick else [])
        shown = "python " + " ".join(cmd[1:])
        print(f"== {shown}", flush=True)
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
        took = time.perf_counter() - t0
        print(proc.stdout, end="")
        if proc.returncode != 0:
            failed.append(name)
            print(proc.stderr[-4000:], file=sys.stderr)
            body = f"**FAILED** (exit {proc.returncode}):\n\n```\n{proc.stderr[-2000:]}\n```"
        else:
            body = proc.stdout.strip()
        sections.append(f"## `{shown}`\n\n{body}\n\n_({took:.1f} s)_\n")
    header = (
        "# Benchmark results\n\n"
        f"One run of `python bench/run_all.py{' --quick' if quick else ''}` on "
        f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC: {platform.platform()}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, no GPU. Every figure below is a ratio or a comparison measured inside one "
        "script's run, so machine speed cancels out; absolute milliseconds are shown for context only.\n"
    )
    (HERE / "RESULTS.md").write_text(header + "\n" + "\n".join(sections), encoding="utf-8")
    print(f"wrote {HERE / 'RESULTS.md'}")
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
