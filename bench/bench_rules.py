"""Throughput of the rule engine (`assess`) and of the output parser (`parse_output`) on one core.

Usage: python bench/bench_rules.py [--n 1000] [--cases examples/cases.jsonl] [--repeat 3] [--quick]
Prints a markdown table. The target is 1,000 narratives in under a second. CPU time of this single-threaded
process is measured (best of `--repeat`), so a busy machine slows the number down less than wall-clock time.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Callable

from triage_demo.esi import assess
from triage_demo.evaluate import load_cases
from triage_demo.parse import parse_output

DEFAULT_CASES = Path(__file__).resolve().parents[1] / "examples" / "cases.jsonl"


def load(path: Path, n: int) -> list[str]:
    """`n` narratives, cycling through the case file (the examples have ~90; the benchmark wants ~1,000)."""
    cases, _ = load_cases(path)
    if not cases:
        raise ValueError(f"{path} has no valid cases")
    return [cases[i % len(cases)].narrative for i in range(n)]


def measure(fn: Callable[[str], object], texts: list[str], repeat: int) -> float:
    """Best CPU seconds over `repeat` passes of `fn` through all texts."""
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        for text in texts:
            fn(text)
        best = min(best, time.process_time() - start)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="narratives per pass (default 1000)")
    parser.add_argument("--cases", type=Path, default=DEFAULT_CASES, help="JSONL file with a 'narrative' field")
    parser.add_argument("--repeat", type=int, default=3, help="passes; the best one is reported")
    parser.add_argument("--quick", action="store_true", help="one pass (as run_all.py --quick asks)")
    args = parser.parse_args(argv)
    if args.quick:
        args.repeat = 1
    if args.n < 1 or args.repeat < 1:
        parser.error("--n and --repeat must be at least 1")
    try:
        narratives = load(args.cases, args.n)
    except (OSError, ValueError) as exc:
        print(f"bench_rules: cannot read cases from {args.cases}: {exc}", file=sys.stderr)
        return 2
    answers = [assess(text).render() for text in narratives]  # realistic model-format texts to parse
    print("| stage | items | CPU seconds (best of %d) | items per second, one core |" % args.repeat)
    print("|---|---|---|---|")
    for label, fn, texts in (("rule engine `assess`", assess, narratives), ("parser `parse_output`", parse_output, answers)):
        seconds = measure(fn, texts, args.repeat)
        rate = len(texts) / seconds if seconds > 0 else float("inf")
        print(f"| {label} | {len(texts)} | {seconds:.3f} | {rate:,.0f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
