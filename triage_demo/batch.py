"""The Batch tab's logic: read an uploaded CSV/JSONL of narratives, triage them all, score them if labelled.

Each row goes through `TriageService.run`, the same call as one narrative on the Triage tab (primary and
baseline concurrently, the rule engine's safety net), with at most `Settings.concurrency` rows in flight.
With reference levels the metrics are the core evaluator's, i.e. the same as `triage-demo eval`.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pandas as pd

from triage_demo.evaluate import evaluate
from triage_demo.jsonl import json_objects
from triage_demo.schema import validate_esi
from triage_demo.service import InputError, TriageRun, TriageService, clean_narrative

#: Column names accepted for the narrative and the reference level (first match wins, case-insensitive).
NARRATIVE_KEYS = ("narrative", "text", "triage_note", "note")
ESI_KEYS = ("esi", "reference_esi", "gold", "label")


@dataclass(frozen=True)
class BatchRow:
    """One narrative to triage; `esi` is the reference level when the file has one."""

    id: str
    narrative: str
    esi: int | None = None


@dataclass
class BatchReport:
    """Per-row results, the table shown on the page, and metrics per model when references exist."""

    rows: list[BatchRow]
    runs: list[TriageRun]
    metrics: dict[str, dict[str, Any]] = field(default_factory=dict)  # role -> evaluate() output

    def table(self) -> pd.DataFrame:
        records = []
        for row, run in zip(self.rows, self.runs):
            assert run.primary is not None and run.safety is not None
            records.append({
                "id": row.id,
                "reference_esi": row.esi,
                "primary_esi": run.primary.esi,
                "baseline_esi": run.baseline.esi if run.baseline is not None else None,
                "rule_min_esi": run.safety["min_esi"],
                "flags": len(run.safety["flags"]),
                "primary_error": run.primary.error or "",
                "latency_ms": round(run.primary.latency_ms) if run.primary.latency_ms is not None else None,
                "narrative": row.narrative,
            })
        frame = pd.DataFrame.from_records(records, columns=[
            "id", "reference_esi", "primary_esi", "baseline_esi", "rule_min_esi", "flags", "primary_error",
            "latency_ms", "narrative"])
        return frame.astype({c: "Int64" for c in ("reference_esi", "primary_esi", "baseline_esi", "latency_ms")})


def read_batch(path: str | Path, max_chars: int, max_rows: int) -> tuple[list[BatchRow], list[str]]:
    """Rows of a `.csv`, `.jsonl` or `.json` (list of objects) file, and one message per skipped row.

    Raises InputError when the file as a whole cannot be used (type, encoding, no usable rows, too many).
    """
    p = Path(path)
    suffix = p.suffix.lower()
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{p.name} is not UTF-8 text.") from None
    if suffix == ".csv":
        records, problems = _csv_records(text)
    elif suffix in (".jsonl", ".json"):
        records, problems = _json_records(text)
    else:
        raise InputError(f"{p.name}: upload a .csv, .jsonl or .json file.")
    if len(records) > max_rows:
        raise InputError(f"{p.name} has {len(records):,} rows; the limit is {max_rows:,} per batch.")
    rows: list[BatchRow] = []
    for where, record in records:
        try:
            rows.append(_row(where, record, max_chars))
        except (InputError, ValueError) as exc:
            problems.append(f"{where}: {exc}")
    if not rows:
        detail = "; ".join(problems[:3]) if problems else "the file is empty"
        raise InputError(f"No usable rows in {p.name}: {detail}.")
    return rows, problems


def _csv_records(text: str) -> tuple[list[tuple[str, dict[str, Any]]], list[str]]:
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames:
        return [], []
    return [(f"row {i}", dict(r)) for i, r in enumerate(reader, start=2)], []  # row 1 is the header


def _json_records(text: str) -> tuple[list[tuple[str, dict[str, Any]]], list[str]]:
    stripped = text.lstrip()
    if not stripped.startswith("["):  # JSON lines
        objects, problems = json_objects(text)
        return [(f"line {n}", obj) for n, obj in objects], [f"line {n}: {msg}" for n, msg in problems]
    try:  # one JSON array of objects
        data = json.loads(stripped)
    except json.JSONDecodeError as exc:
        raise InputError(f"Not valid JSON: {exc.msg} (line {exc.lineno}).") from None
    items = list(enumerate(data, start=1))
    records = [(f"item {n}", obj) for n, obj in items if isinstance(obj, dict)]
    return records, [f"item {n}: expected a JSON object" for n, obj in items if not isinstance(obj, dict)]


def _pick(record: dict[str, Any], keys: tuple[str, ...]) -> Any:
    lowered = {str(k).strip().lower(): v for k, v in record.items()}
    for key in keys:
        if key in lowered and lowered[key] not in (None, ""):
            return lowered[key]
    return None


def _row(where: str, record: dict[str, Any], max_chars: int) -> BatchRow:
    narrative = _pick(record, NARRATIVE_KEYS)
    if narrative is None:
        raise InputError(f"no narrative (a column named one of {', '.join(NARRATIVE_KEYS)})")
    reference = _pick(record, ESI_KEYS)
    esi = validate_esi(reference) if reference is not None else None
    case_id = _pick(record, ("id", "case_id")) or where.replace(" ", "-")
    return BatchRow(id=str(case_id), narrative=clean_narrative(narrative, max_chars), esi=esi)


async def run_batch(
    service: TriageService, rows: list[BatchRow], on_progress: Callable[[int, int], None] | None = None
) -> BatchReport:
    """Triage every row (bounded concurrency); score each model against the rows that have a reference."""
    gate = asyncio.Semaphore(max(1, service.settings.concurrency))
    done = 0

    async def one(row: BatchRow) -> TriageRun:
        nonlocal done
        async with gate:
            run = await service.run(row.narrative)
        done += 1
        if on_progress is not None:
            on_progress(done, len(rows))
        return run

    runs = list(await asyncio.gather(*(one(r) for r in rows)))
    report = BatchReport(rows=rows, runs=runs)
    labelled = [(r.esi, run) for r, run in zip(rows, runs) if r.esi is not None]
    if labelled:
        golds = [gold for gold, _ in labelled]
        for role in ("primary", "baseline") if service.has_baseline else ("primary",):
            report.metrics[role] = evaluate(golds, [_level(run, role) for _, run in labelled])
    return report


def _level(run: TriageRun, role: str) -> int | None:
    result = getattr(run, role)
    return result.esi if result is not None else None
