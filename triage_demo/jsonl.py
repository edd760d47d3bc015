"""Reading JSON-lines text that people upload or write by hand: every bad line is named, none stops the read."""

from __future__ import annotations

import json
from typing import Any


def json_objects(text: str) -> tuple[list[tuple[int, dict[str, Any]]], list[tuple[int, str]]]:
    """The JSON objects in `text` and the lines that are not one, each with its 1-based line number.

    Blank lines are skipped silently. A problem reads "not valid JSON (...)" or "expected a JSON object";
    callers add the line number in their own words and can merge their own per-line checks in line order.
    """
    objects: list[tuple[int, dict[str, Any]]] = []
    problems: list[tuple[int, str]] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append((lineno, f"not valid JSON ({exc.msg})"))
            continue
        if not isinstance(obj, dict):
            problems.append((lineno, "expected a JSON object"))
            continue
        objects.append((lineno, obj))
    return objects, problems
