"""The one evaluator: the CLI, the dashboard and the retraining gate all report these numbers.

Definitions follow ../shared/esi-reference.md ("How results are reported"):
- exact / adjacent (±1) accuracy over all n cases; an unparsed answer counts as wrong for both.
- under-triage: predicted less acute than the reference (pred > gold); over-triage: pred < gold.
  Unparsed answers are neither (they are reported as `unparsed`), but they do count in the denominator.
- critical under-triage: reference ESI 1-2 predicted as 3-5, over all n cases.
- ESI 1-2 sensitivity: share of reference 1-2 cases predicted 1-2 (an unparsed answer is a miss).
- quadratic-weighted Cohen's kappa over the parsed pairs.
Every proportion comes with a Wilson 95 % score interval, because the eval sets are small (36 cases ≈ ±12 pt).
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from triage_demo.jsonl import json_objects
from triage_demo.schema import ESI_LEVELS, TriageResult, validate_esi

if TYPE_CHECKING:  # the evaluator is core; it only needs the interface's shape at type-check time
    from triage_demo.backends.base import Backend

Z95 = 1.959963984540054


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for k successes in n trials; (0, 1) when n == 0 (nothing is known)."""
    if n == 0:
        return (0.0, 1.0)
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def proportion(k: int, n: int) -> dict[str, Any]:
    """A proportion as the JSON report writes it: value, counts and its Wilson 95 % interval."""
    lo, hi = wilson(k, n)
    return {"value": (k / n) if n else None, "k": k, "n": n, "ci95": [lo, hi]}


def quadratic_weighted_kappa(a: Sequence[int], b: Sequence[int], levels: Sequence[int] = ESI_LEVELS) -> float | None:
    """Cohen's kappa with quadratic weights between two raters; None when undefined (no pairs, or no spread)."""
    if len(a) != len(b):
        raise ValueError("kappa needs two equally long rating lists")
    n = len(a)
    if n == 0:
        return None
    idx = {lvl: i for i, lvl in enumerate(levels)}
    k = len(levels)
    observed = [[0.0] * k for _ in range(k)]
    for x, y in zip(a, b):
        observed[idx[x]][idx[y]] += 1
    row = [sum(r) for r in observed]
    col = [sum(observed[i][j] for i in range(k)) for j in range(k)]
    num = den = 0.0
    for i in range(k):
        for j in range(k):
            w = (i - j) ** 2 / (k - 1) ** 2
            num += w * observed[i][j]
            den += w * row[i] * col[j] / n
    if den == 0:
        return None  # both raters used a single identical level: agreement is undefined, not perfect
    return 1.0 - num / den


def evaluate(golds: Sequence[int], preds: Sequence[int | None]) -> dict[str, Any]:
    """All metrics for reference levels `golds` and predictions `preds` (None = no parseable answer)."""
    if len(golds) != len(preds):
        raise ValueError("golds and preds must have the same length")
    n = len(golds)
    pairs = [(g, p) for g, p in zip(golds, preds) if p is not None]
    exact = sum(g == p for g, p in pairs)
    adjacent = sum(abs(g - p) <= 1 for g, p in pairs)
    under = sum(p > g for g, p in pairs)
    over = sum(p < g for g, p in pairs)
    critical = sum(g <= 2 and p >= 3 for g, p in pairs)
    hi_acuity = [p for g, p in zip(golds, preds) if g <= 2]
    confusion = [[0] * 5 for _ in ESI_LEVELS]
    for g, p in pairs:
        confusion[g - 1][p - 1] += 1
    per_class = {}
    for lvl in ESI_LEVELS:
        of_level = [p for g, p in zip(golds, preds) if g == lvl]
        per_class[str(lvl)] = proportion(sum(p == lvl for p in of_level), len(of_level))
    return {
        "n": n,
        "exact": proportion(exact, n),
        "adjacent": proportion(adjacent, n),
        "under_triage": proportion(under, n),
        "over_triage": proportion(over, n),
        "critical_under_triage": proportion(critical, n),
        "esi12_sensitivity": proportion(sum(p is not None and p <= 2 for p in hi_acuity), len(hi_acuity)),
        "unparsed": proportion(n - len(pairs), n),
        "qwk": quadratic_weighted_kappa([g for g, _ in pairs], [p for _, p in pairs]),
        "per_class": per_class,
        "confusion": confusion,
    }


@dataclass(frozen=True)
class Case:
    """One evaluation case in the examples format: {"id", "narrative", "esi", "rationale"}."""

    id: str
    narrative: str
    esi: int
    rationale: str = ""


def load_cases(path: str | Path) -> tuple[list[Case], list[str]]:
    """Read a JSONL case file; return the valid cases and one message per skipped line (with its number)."""
    objects, problems = json_objects(Path(path).read_text(encoding="utf-8", errors="replace"))
    cases: list[Case] = []
    for lineno, obj in objects:
        narrative = obj.get("narrative")
        if not isinstance(narrative, str) or not narrative.strip():
            problems.append((lineno, "missing or empty 'narrative'"))
            continue
        try:
            esi = validate_esi(obj.get("esi"))
        except ValueError as exc:
            problems.append((lineno, str(exc)))
            continue
        cases.append(Case(str(obj.get("id", f"line-{lineno}")), narrative, esi, str(obj.get("rationale") or "")))
    return cases, [f"line {lineno}: {msg}" for lineno, msg in sorted(problems)]


@dataclass
class EvalRun:
    """An evaluation: the metrics and, per case, the backend's result (for tables and error analysis)."""

    metrics: dict[str, Any]
    cases: list[Case]
    results: list[TriageResult]

    def rows(self) -> list[dict[str, Any]]:
        return [
            {"id": c.id, "gold": c.esi, "pred": r.esi, "backend": r.backend, "error": r.error,
             "latency_ms": r.latency_ms}
            for c, r in zip(self.cases, self.results)
        ]


async def evaluate_backend(cases: Sequence[Case], backend: "Backend", concurrency: int = 8) -> EvalRun:
    """Run every case through `backend` with at most `concurrency` requests in flight, then score."""
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    gate = asyncio.Semaphore(concurrency)

    async def one(case: Case) -> TriageResult:
        async with gate:
            return await backend.triage(case.narrative)

    results = list(await asyncio.gather(*(one(c) for c in cases)))
    metrics = evaluate([c.esi for c in cases], [r.esi for r in results])
    return EvalRun(metrics, list(cases), results)


def _pct(p: dict[str, Any]) -> str:
    if p["value"] is None:
        return "n/a"
    lo, hi = p["ci95"]
    return f"{100 * p['value']:5.1f}%  [{100 * lo:4.1f}–{100 * hi:5.1f}]  ({p['k']}/{p['n']})"


def format_report(metrics: dict[str, Any]) -> str:
    """A plain-text table of the metrics, for terminals and logs."""
    qwk = metrics["qwk"]
    lines = [f"cases: {metrics['n']}"]
    for key in ("exact", "adjacent", "under_triage", "over_triage", "critical_under_triage",
                "esi12_sensitivity", "unparsed"):
        lines.append(f"{key:<22} {_pct(metrics[key])}")
    lines.append(f"{'qwk':<22} {'n/a' if qwk is None else f'{qwk:.3f}'}")
    lines.append("per-level recall:")
    for lvl, p in metrics["per_class"].items():
        lines.append(f"  ESI {lvl}{'':<15} {_pct(p)}")
    lines.append("confusion (rows = reference ESI 1-5, cols = predicted 1-5):")
    for lvl, row in zip(ESI_LEVELS, metrics["confusion"]):
        lines.append(f"  {lvl} | " + " ".join(f"{c:4d}" for c in row))
    return "\n".join(lines)


def under_triaged(cases: Iterable[Case], preds: Iterable[int | None]) -> list[tuple[Case, int]]:
    """Cases whose prediction is less acute than the reference, most dangerous first."""
    misses = [(c, p) for c, p in zip(cases, preds) if p is not None and p > c.esi]
    return sorted(misses, key=lambda cp: (cp[0].esi, -(cp[1] - cp[0].esi)))
