"""FakeHfApi keeps the parts of the Hub protocol the label sync depends on (so the sync tests mean something)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from huggingface_hub import CommitOperationAdd, CommitOperationDelete
from huggingface_hub._commit_scheduler import PartialFileIO
from huggingface_hub.errors import HfHubHTTPError, RepositoryNotFoundError

from triage_demo.testing.fake_hub import FakeHfApi


def test_create_repo_conflict_and_exist_ok(tmp_path: Path) -> None:
    api = FakeHfApi(tmp_path)
    url = api.create_repo("org/x", repo_type="dataset", private=True)
    assert url.repo_id == "org/x" and url.repo_type == "dataset"
    with pytest.raises(HfHubHTTPError) as err:
        api.create_repo("org/x", repo_type="dataset")
    assert err.value.response.status_code == 409
    assert api.create_repo("org/x", repo_type="dataset", exist_ok=True).repo_id == "org/x"
    assert api.create_repo("bare", repo_type="dataset").repo_id == "fake-user/bare"  # namespace from the token


def test_commit_needs_an_existing_repo(tmp_path: Path) -> None:
    api = FakeHfApi(tmp_path)
    with pytest.raises(RepositoryNotFoundError) as err:
        api.create_commit("org/missing", [CommitOperationAdd("a.txt", b"a")], commit_message="m", repo_type="dataset")
    assert err.value.response.status_code == 404


def test_commit_writes_adds_and_deletes_and_respects_partial_files(tmp_path: Path) -> None:
    api = FakeHfApi(tmp_path / "hub")
    api.create_repo("org/x", repo_type="dataset")
    local = tmp_path / "shard.jsonl"
    local.write_bytes(b"line one\nline two\n")
    ops = [CommitOperationAdd("data/s.jsonl", PartialFileIO(local, size_limit=9)), CommitOperationAdd("b.txt", b"b")]
    info = api.create_commit("org/x", ops, commit_message="first", repo_type="dataset")
    assert info.oid and info.repo_url.repo_id == "org/x"
    assert (tmp_path / "hub/datasets/org/x/data/s.jsonl").read_bytes() == b"line one\n"  # capped like the real one
    api.create_commit("org/x", [CommitOperationDelete("b.txt")], commit_message="second", repo_type="dataset")
    assert api.list_repo_files("org/x", repo_type="dataset") == ["data/s.jsonl"]
    assert [c.message for c in api.repos[("dataset", "org/x")].commits] == ["first", "second"]


def test_a_failed_commit_changes_nothing(tmp_path: Path) -> None:
    api = FakeHfApi(tmp_path)
    api.create_repo("org/x", repo_type="dataset")
    api.fail_next_commits(1)
    with pytest.raises(HfHubHTTPError) as err:
        api.create_commit("org/x", [CommitOperationAdd("a.txt", b"a")], commit_message="m", repo_type="dataset")
    assert err.value.response.status_code == 503
    assert api.list_repo_files("org/x", repo_type="dataset") == []
    api.create_commit("org/x", [CommitOperationAdd("a.txt", b"a")], commit_message="m", repo_type="dataset")
    assert api.list_repo_files("org/x", repo_type="dataset") == ["a.txt"]


def test_down_fails_every_call(tmp_path: Path) -> None:
    api = FakeHfApi(tmp_path)
    api.down = True
    with pytest.raises(HfHubHTTPError):
        api.create_repo("org/x", repo_type="dataset", exist_ok=True)


def test_background_jobs_run_one_at_a_time_in_order(tmp_path: Path) -> None:
    api = FakeHfApi(tmp_path)
    running = []
    order = []
    lock = threading.Lock()

    def job(i: int) -> int:
        with lock:
            running.append(i)
            assert len(running) == 1
        time.sleep(0.01)
        with lock:
            running.remove(i)
            order.append(i)
        return i

    futures = [api.run_as_future(job, i) for i in range(5)]
    assert [f.result(timeout=10) for f in futures] == list(range(5)) and order == list(range(5))
