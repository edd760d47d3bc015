"""The app's label service: local store always, Hub sync when configured, clear status either way."""

from __future__ import annotations

import time
from pathlib import Path

from triage_demo.labels.record import make_record
from triage_demo.labels.service import LabelService
from triage_demo.settings import Settings
from triage_demo.testing.fake_hub import FakeHfApi


def _rec(i: int):  # noqa: ANN202
    return make_record(f"Ms. Jane Roe, 40, case {i}", expert_esi=3, annotator="alice", rationale="r", source="live")


def test_local_only(tmp_path: Path) -> None:
    service = LabelService.from_settings(Settings(labels_dir=tmp_path / "labels"))
    service.submit(_rec(1))
    assert len(service.read()) == 1  # immediately in the local store
    assert service.sync is None and service.sync_status() is None
    assert "stored locally" in service.sync_message() and (tmp_path / "labels" / "README.md").is_file()
    assert service.close()


def test_repo_without_token_is_reported_not_silent(tmp_path: Path) -> None:
    service = LabelService.from_settings(Settings(labels_dir=tmp_path, labels_repo="org/labels"))
    assert service.sync is None
    assert "HF_TOKEN" in service.sync_message() and "org/labels" in service.sync_message()
    service.submit(_rec(1))  # labelling still works
    assert len(service.read()) == 1


def test_with_hub_sync(tmp_path: Path) -> None:
    api = FakeHfApi(tmp_path / "hub")
    settings = Settings(labels_dir=tmp_path / "labels", labels_repo="org/labels", hf_token="hf_x",
                        sync_every_minutes=60, labels_private=False)
    service = LabelService.from_settings(settings, hf_api=api)
    # The sync starts in the background and CommitScheduler pushes once at start: wait for that push, or on a
    # busy machine it can pick up the records below and leave fewer than 3 pending.
    deadline = time.monotonic() + 30
    while service.sync_status().last_success is None:
        assert time.monotonic() < deadline, service.sync_message()
        time.sleep(0.02)
    for i in range(3):
        service.submit(_rec(i))
    assert service.sync_status().pending_records == 3
    assert service.sync_message() == "3 records not yet synced to org/labels."
    assert service.close()  # shutdown flush
    assert api.repos[("dataset", "org/labels")].private is False
    remote = list((api.root / "datasets" / "org/labels" / "data").glob("*.jsonl"))
    assert sum(p.read_bytes().count(b"\n") for p in remote) == 3
