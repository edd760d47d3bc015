"""Throughput of the rule engine: how many narratives per second `assess` handles on one core.

Usage: python bench/bench_rules.py [--n 1000] [--cases examples/cases.jsonl] [--repeat 3]
Prints one line, e.g. "rules engine: 1000 narratives in 0.62 s (1613 narratives/s, best of 3, one core)".
The target is 1,000 narratives in under a second. CPU time of this process is measured (best of `--repeat`),
so a busy machine slows the number down less than wall-clock time would.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from triage_demo.esi import assess

DEFAULT_CASES = Path(__file__).resolve().parents[1] / "examples" / "cases.jsonl"


def load(path: Path, n: int) -> list[str]:
    """`n` narratives, cycling through the file (the file has ~90; the benchmark wants ~1,000)."""
    narratives = [json.loads(line)["narrative"] for line in path.read_text(encoding="utf-8").splitlines()
                  if line.strip()]
    if not narratives:
        raise ValueError(f"{path} has no narratives")
    return [narratives[i % len(narratives)] for i in range(n)]


def measure(narratives: list[str], repeat: int) -> float:
    """Best CPU seconds over `repeat` passes through all narratives."""
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        for text in narratives:
            assess(text)
        best = min(best, time.process_time() - start)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="narratives per pass (default 1000)")
    parser.add_argument("--cases", type=Path, default=DEFAULT_CASES, help="JSONL file with a 'narrative' field")
    parser.add_argument("--repeat", type=int, default=3, help="passes; the best one is reported")
    args = parser.parse_args(argv)
    if args.n < 1 or args.repeat < 1:
        parser.error("--n and --repeat must be at least 1")
    try:
        narratives = load(args.cases, args.n)
    except (OSError, ValueError, KeyError) as exc:
        print(f"bench_rules: cannot read cases from {args.cases}: {exc}", file=sys.stderr)
        return 2
    seconds = measure(narratives, args.repeat)
    rate = len(narratives) / seconds if seconds > 0 else float("inf")
    print(f"rules engine: {len(narratives)} narratives in {seconds:.2f} s ({rate:.0f} narratives/s, "
          f"best of {args.repeat}, one core)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
