"""Hub sync through the real CommitScheduler against FakeHfApi (the Hub cannot be reached from here)."""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path
from typing import Callable

import pytest

from triage_demo.labels.record import make_record
from triage_demo.labels.store import LabelStore
from triage_demo.labels.sync import LabelSync
from triage_demo.testing.fake_hub import FakeHfApi

REPO = "org/esi-labels"
FAST = 0.01  # minutes between scheduled pushes (0.6 s)


def _rec(i: int):  # noqa: ANN202
    return make_record(f"case {i}: abdominal pain, HR 9{i % 10}", expert_esi=1 + i % 5, annotator="alice",
                       rationale="r", source="example")


def _wait(cond: Callable[[], bool], timeout: float = 30.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.05)
    return cond()


def _remote(api: FakeHfApi) -> Path:
    return api.root / "datasets" / REPO


def _assert_remote_equals_local(api: FakeHfApi, folder: Path) -> None:
    local = {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.glob("data/*.jsonl")}
    remote = {p.relative_to(_remote(api)).as_posix(): p.read_bytes() for p in _remote(api).glob("data/*.jsonl")}
    assert remote == local
    assert (_remote(api) / "README.md").read_bytes() == (folder / "README.md").read_bytes()


@pytest.fixture()
def api(tmp_path: Path) -> FakeHfApi:
    return FakeHfApi(tmp_path / "hub")


def test_upload_failure_then_success_loses_nothing(tmp_path: Path, api: FakeHfApi,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    folder = tmp_path / "labels"
    api.fail_next_commits(3)
    with caplog.at_level(logging.ERROR):
        sync = LabelSync(folder, REPO, token="hf_x", every_minutes=FAST, hf_api=api)
        store = LabelStore(folder, lock=sync.lock)
        for i in range(20):
            store.append(_rec(i))
        assert _wait(lambda: sync.status().pending_records == 0 and sync.status().last_success is not None)
    assert "label push to org/esi-labels failed" in caplog.text
    assert sync.close()
    _assert_remote_equals_local(api, folder)
    assert api.calls.count("create_commit") >= 4  # three failures, then success
    assert api.repos[("dataset", REPO)].private is True  # private by default


def test_unsynced_count_while_the_hub_is_down(tmp_path: Path, api: FakeHfApi) -> None:
    folder = tmp_path / "labels"
    sync = LabelSync(folder, REPO, token="hf_x", every_minutes=FAST, hf_api=api)
    store = LabelStore(folder, lock=sync.lock)
    assert _wait(lambda: sync.status().last_success is not None)
    api.down = True
    for i in range(7):
        store.append(_rec(i))
    assert _wait(lambda: sync.status().consecutive_failures >= 2)
    status = sync.status()
    assert status.pending_records == 7
    assert status.message.startswith("7 records not yet synced to org/esi-labels (last attempt failed: HfHubHTTPError")
    api.down = False
    assert _wait(lambda: sync.status().pending_records == 0)  # retried by the scheduler, no intervention
    assert sync.status().message == "All labels are synced to org/esi-labels."
    assert sync.close()
    _assert_remote_equals_local(api, folder)


def test_shutdown_flushes_pending_records(tmp_path: Path, api: FakeHfApi) -> None:
    folder = tmp_path / "labels"
    sync = LabelSync(folder, REPO, token="hf_x", every_minutes=60, hf_api=api)  # no scheduled push in this test
    store = LabelStore(folder, lock=sync.lock)
    assert _wait(lambda: sync.status().last_success is not None)  # the push CommitScheduler makes at start
    for i in range(5):
        store.append(_rec(i))
    assert sync.status().pending_records == 5
    assert sync.close()
    assert sync.status().pending_records == 0
    _assert_remote_equals_local(api, folder)


def test_shutdown_with_the_hub_down_reports_what_is_left(tmp_path: Path, api: FakeHfApi,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    folder = tmp_path / "labels"
    sync = LabelSync(folder, REPO, token="hf_x", every_minutes=60, hf_api=api)
    store = LabelStore(folder, lock=sync.lock)
    api.down = True
    for i in range(3):
        store.append(_rec(i))
    with caplog.at_level(logging.ERROR):
        assert not sync.close(timeout=30)
    assert "label sync stopped with 3 records not pushed" in caplog.text
    assert len(store.read_all()) == 3  # still on local disk


def test_hub_unreachable_at_start_up(tmp_path: Path, api: FakeHfApi) -> None:
    """CommitScheduler creates the repo in its constructor; a Hub outage then must not stop labelling."""
    folder = tmp_path / "labels"
    api.down = True
    sync = LabelSync(folder, REPO, token="hf_x", every_minutes=60, hf_api=api)
    store = LabelStore(folder, lock=sync.lock)
    for i in range(4):
        store.append(_rec(i))
    assert _wait(lambda: sync.status().last_error is not None)  # the background start attempt failed
    status = sync.status()
    assert not status.started and status.pending_records == 4 and "HfHubHTTPError" in (status.last_error or "")
    assert not sync.flush(timeout=10)  # still down
    api.down = False
    assert sync.flush(timeout=30)  # starts the scheduler, then pushes
    assert sync.status().started and sync.status().pending_records == 0
    assert sync.close()
    _assert_remote_equals_local(api, folder)


def test_writers_never_wait_for_a_slow_hub(tmp_path: Path, api: FakeHfApi) -> None:
    folder = tmp_path / "labels"
    api.latency_s = 1.5  # every Hub call takes 1.5 s, starting with create_repo
    t0 = time.monotonic()
    sync = LabelSync(folder, REPO, token="hf_x", every_minutes=60, hf_api=api)
    store = LabelStore(folder, lock=sync.lock)
    for i in range(3):
        store.append(_rec(i))
    assert time.monotonic() - t0 < 1.0, "construction or appends waited for the Hub"
    assert not sync.status().started
    assert sync.close(timeout=30)
    _assert_remote_equals_local(api, folder)


def test_an_append_with_an_unchanged_mtime_is_still_pushed(tmp_path: Path, api: FakeHfApi) -> None:
    """CommitScheduler decides by mtime; on a coarse clock an append right after a scan keeps the old mtime."""
    folder = tmp_path / "labels"
    sync = LabelSync(folder, REPO, token="hf_x", every_minutes=60, hf_api=api)
    store = LabelStore(folder, lock=sync.lock)
    store.append(_rec(1))
    assert sync.flush()
    shard = store.shard_paths()[0]
    before = shard.stat()
    store.append(_rec(2))
    os.utime(shard, ns=(before.st_atime_ns, before.st_mtime_ns))  # what a coarse timestamp looks like
    assert sync.status().pending_records == 1
    assert sync.flush()
    assert sync.status().pending_records == 0
    assert sync.close()
    _assert_remote_equals_local(api, folder)


def test_writers_and_pushes_interleave_without_partial_lines(tmp_path: Path, api: FakeHfApi) -> None:
    folder = tmp_path / "labels"
    sync = LabelSync(folder, REPO, token="hf_x", every_minutes=FAST, hf_api=api)
    store = LabelStore(folder, lock=sync.lock, max_shard_bytes=50_000)
    seen_partial = []

    def check_remote() -> None:
        for p in _remote(api).glob("data/*.jsonl"):
            data = p.read_bytes()
            if data and not data.endswith(b"\n"):
                seen_partial.append(p.name)

    def write(t: int) -> None:
        for i in range(150):
            store.append(_rec(t * 1000 + i))
            if i % 25 == 0:
                check_remote()

    threads = [threading.Thread(target=write, args=(t,)) for t in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sync.close()
    assert not seen_partial, "a push uploaded half a line"
    _assert_remote_equals_local(api, folder)
    assert len(api.repos[("dataset", REPO)].commits) >= 2


def test_the_pushed_dataset_loads_with_datasets(tmp_path: Path, api: FakeHfApi) -> None:
    folder = tmp_path / "labels"
    with LabelSync(folder, REPO, token="hf_x", every_minutes=60, hf_api=api) as sync:
        store = LabelStore(folder, lock=sync.lock)
        for i in range(6):
            store.append(_rec(i))
    snapshot = api.snapshot_download(REPO, repo_type="dataset", local_dir=tmp_path / "download")
    import datasets

    ds = datasets.load_dataset(snapshot, split="train")  # found through the card's `configs`
    assert ds.num_rows == 6 and set(ds["annotator"]) == {"alice"}


def test_interval_must_be_positive(tmp_path: Path, api: FakeHfApi) -> None:
    with pytest.raises(ValueError, match="sync interval must be positive"):
        LabelSync(tmp_path, REPO, token="x", every_minutes=0, hf_api=api)
