"""triage_demo.batch: reading uploaded case files (the run itself is tested through the app in test_app_batch)."""

from __future__ import annotations

import json

import pytest

from triage_demo.batch import read_batch
from triage_demo.service import InputError


def test_reader_refuses_other_file_types(tmp_path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("anything")
    with pytest.raises(InputError, match="upload a .csv, .jsonl or .json file"):
        read_batch(path, max_chars=100, max_rows=10)


def test_reader_accepts_a_json_array_and_alternative_column_names(tmp_path) -> None:
    path = tmp_path / "cases.json"
    path.write_text(json.dumps([{"Text": "chest pain, HR 120", "Label": "2"}, {"note": "sprained ankle"}, 5]))
    rows, problems = read_batch(path, max_chars=8000, max_rows=10)
    assert [(r.narrative, r.esi) for r in rows] == [("chest pain, HR 120", 2), ("sprained ankle", None)]
    assert problems == ["item 3: expected a JSON object"]


def test_reader_refuses_over_long_narratives_per_row(tmp_path) -> None:
    path = tmp_path / "long.jsonl"
    path.write_text(json.dumps({"narrative": "x" * 101}) + "\n" + json.dumps({"narrative": "fine"}) + "\n")
    rows, problems = read_batch(path, max_chars=100, max_rows=10)
    assert [r.narrative for r in rows] == ["fine"] and "line 1: The narrative is 101 characters" in problems[0]
    with pytest.raises(InputError, match="not UTF-8"):
        (tmp_path / "bin.csv").write_bytes(b"\xff\xfe\x00bad")
        read_batch(tmp_path / "bin.csv", max_chars=100, max_rows=10)
