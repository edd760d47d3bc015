"""The dataset card: its `configs` make the folder loadable, and its schema table matches the code."""

from __future__ import annotations

from pathlib import Path

import yaml

from triage_demo import DISCLAIMER
from triage_demo.labels.card import render_card, write_card
from triage_demo.labels.record import COLUMNS, make_record
from triage_demo.labels.store import LabelStore


def test_header_and_schema_table() -> None:
    text = render_card()
    header = yaml.safe_load(text.split("---\n")[1])
    assert header["license"] == "other" and header["license_name"] == "research-only"
    assert header["configs"] == [{"config_name": "default", "data_files": [{"split": "train", "path": "data/*.jsonl"}]}]
    for column in COLUMNS:
        assert f"| `{column}` |" in text
    assert DISCLAIMER in text and "Research use only" in text
    assert "De-identification" in text and "[NAME]" in text


def test_write_is_idempotent(tmp_path: Path) -> None:
    """An unchanged card is not rewritten: the sync would otherwise re-upload it at every start."""
    path = write_card(tmp_path)
    mtime = path.stat().st_mtime_ns
    assert write_card(tmp_path).stat().st_mtime_ns == mtime
    path.write_text("stale")
    assert write_card(tmp_path).read_text() == render_card()


def test_the_card_makes_the_folder_loadable(tmp_path: Path) -> None:
    store = LabelStore(tmp_path)
    for i in range(3):
        store.append(make_record(f"case {i}", expert_esi=2, annotator="a", rationale="r", source="upload"))
    write_card(tmp_path)
    import datasets

    ds = datasets.load_dataset(str(tmp_path), split="train")
    assert ds.num_rows == 3 and ds.column_names == list(COLUMNS)
