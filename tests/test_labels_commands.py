"""`triage-demo labels export|stats|sync` through the real CLI entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from triage_demo.cli import main
from triage_demo.evaluate import load_cases
from triage_demo.labels.record import make_record
from triage_demo.labels.store import LabelStore


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    store = LabelStore(tmp_path / "labels")
    for annotator, levels in (("ann", [2, 3, 4]), ("bob", [2, 4, 4])):
        for case, esi in enumerate(levels):
            store.append(make_record(f"case {case}: Mr. Smith, chest pain", expert_esi=esi, annotator=annotator,
                                     rationale="because", source="example"))
    return tmp_path / "labels"


def test_export_jsonl_feeds_eval(folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cases.jsonl"
    assert main(["labels", "export", "--dir", str(folder), "--format", "jsonl", "--out", str(out)]) == 0
    assert "wrote 3 eval cases" in capsys.readouterr().out
    cases, problems = load_cases(out)
    assert problems == [] and sorted(c.esi for c in cases) == [2, 3, 4]  # case 1 ties 3 vs 4 -> 3
    assert all("Smith" not in c.narrative for c in cases)


def test_export_parquet(folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "labels.parquet"
    assert main(["labels", "export", "--dir", str(folder), "--format", "parquet", "--out", str(out)]) == 0
    assert len(pd.read_parquet(out)) == 6


def test_stats(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["labels", "stats", "--dir", str(folder), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["records"] == 6 and report["cases"] == 3
    assert report["consensus_methods"] == {"single": 0, "majority": 2, "tie": 1, "adjudicated": 0}
    assert report["agreement"]["pairs"][0]["exact"] == pytest.approx(2 / 3)
    assert main(["labels", "stats", "--dir", str(folder)]) == 0
    assert "Krippendorff alpha" in capsys.readouterr().out


def test_stats_warns_about_unreadable_lines(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shard = next((folder / "data").glob("*.jsonl"))
    with shard.open("ab") as f:
        f.write(b"garbage\n")
    assert main(["labels", "stats", "--dir", str(folder), "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["corrupt_lines"] == 1 and "skipped 1 corrupt" in captured.err


def test_clear_errors(tmp_path: Path, folder: Path, capsys: pytest.CaptureFixture[str],
                      monkeypatch: pytest.MonkeyPatch) -> None:
    assert main(["labels", "stats", "--dir", str(tmp_path / "nope")]) == 2
    assert "does not exist" in capsys.readouterr().err
    monkeypatch.delenv("TRIAGE_LABELS_REPO", raising=False)
    assert main(["labels", "sync", "--dir", str(folder)]) == 2
    assert "pass --repo or set TRIAGE_LABELS_REPO" in capsys.readouterr().err
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.delenv("TRIAGE_HF_TOKEN", raising=False)
    assert main(["labels", "sync", "--dir", str(folder), "--repo", "org/x"]) == 2
    assert "set HF_TOKEN" in capsys.readouterr().err
