"""The label store under concurrency, crashes and a full disk; real threads, processes and files."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

from triage_demo.labels.record import LabelRecord, make_record
from triage_demo.labels.store import LabelStore, latest_labels
from triage_demo.schema import TriageResult


def _rec(i: int, annotator: str = "alice", esi: int = 3, **kw: object) -> LabelRecord:
    return make_record(f"case number {i}: chest pain, HR 1{i % 100:02d}", expert_esi=esi, annotator=annotator,
                       rationale=f"reason {i}", source="example", **kw)  # type: ignore[arg-type]


def _assert_exactly_once(store: LabelStore, expected: set[str]) -> None:
    contents = store.read_all()
    ids = [r.record_id for r in contents]
    assert contents.corrupt_lines == 0 and contents.truncated_lines == 0, contents.problems
    assert len(ids) == len(set(ids)), "a record was read twice"
    assert set(ids) == expected


def test_nothing_is_created_until_the_first_append(tmp_path: Path) -> None:
    store = LabelStore(tmp_path / "labels")
    assert store.read_all().records == [] and not (tmp_path / "labels").exists()
    store.append(_rec(1))
    assert len(store.shard_paths()) == 1 and len(store.read_all()) == 1


def test_eight_threads_by_500(tmp_path: Path) -> None:
    store = LabelStore(tmp_path)
    batches = [[_rec(t * 1000 + i, annotator=f"t{t}") for i in range(500)] for t in range(8)]

    def write(batch: list[LabelRecord]) -> None:
        for r in batch:
            store.append(r)

    threads = [threading.Thread(target=write, args=(b,)) for b in batches]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    _assert_exactly_once(store, {r.record_id for b in batches for r in b})
    assert len(store.shard_paths()) == 1  # one process, one shard


def _child_writes(store: LabelStore, worker: int, n: int, out: "multiprocessing.Queue[list[str]]") -> None:
    ids = []
    for i in range(n):
        r = _rec(worker * 10_000 + i, annotator=f"p{worker}")
        store.append(r)
        ids.append(r.record_id)
    out.put(ids)


def test_four_forked_processes_by_500_share_one_store_object(tmp_path: Path) -> None:
    """The store object is created (and written to) before fork: each child must get its own shard."""
    store = LabelStore(tmp_path)
    first = _rec(0)
    store.append(first)
    ctx = multiprocessing.get_context("fork")
    queue: "multiprocessing.Queue[list[str]]" = ctx.Queue()
    procs = [ctx.Process(target=_child_writes, args=(store, w, 500, queue)) for w in range(4)]
    for p in procs:
        p.start()
    written = {first.record_id} | {i for _ in procs for i in queue.get(timeout=120)}
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    _assert_exactly_once(store, written)
    assert len(store.shard_paths()) == 5  # the parent's shard + one per child
    store.append(_rec(1))  # the parent still writes to its own shard
    assert len(store.shard_paths()) == 5


WRITER = textwrap.dedent(
    """
    import sys
    from triage_demo.labels.record import make_record
    from triage_demo.labels.store import LabelStore
    store = LabelStore(sys.argv[1])
    for i in range(int(sys.argv[2])):
        r = make_record(f"case {i}: fever, T 38.{i % 10} C", expert_esi=1 + i % 5, annotator="writer",
                        rationale="r", source="live")
        store.append(r)
        print(r.record_id, flush=True)  # acknowledged: append returned, so the record is on disk
    """
)


def test_independent_processes_by_500(tmp_path: Path) -> None:
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), "500"], stdout=subprocess.PIPE, text=True)
             for _ in range(4)]
    acked = set()
    for p in procs:
        out, _ = p.communicate(timeout=300)
        assert p.returncode == 0
        acked |= set(out.split())
    assert len(acked) == 2000
    _assert_exactly_once(LabelStore(tmp_path), acked)


def test_sigkill_mid_stream_loses_at_most_the_record_in_flight(tmp_path: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), "1000000"], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    acked = [proc.stdout.readline().strip() for _ in range(300)]
    os.kill(proc.pid, signal.SIGKILL)
    rest, _ = proc.communicate(timeout=30)
    acked += rest.split()  # acknowledged before the kill landed
    contents = LabelStore(tmp_path).read_all()
    ids = [r.record_id for r in contents]
    assert contents.corrupt_lines == 0 and contents.truncated_lines <= 1
    assert set(acked) <= set(ids), "an acknowledged record was lost"
    assert len(ids) - len(acked) <= 1 and len(ids) == len(set(ids))


def test_reader_skips_a_truncated_tail_and_corrupt_lines(tmp_path: Path) -> None:
    store = LabelStore(tmp_path)
    good = [_rec(i) for i in range(3)]
    for r in good:
        store.append(r)
    shard = store.shard_paths()[0]
    with shard.open("ab") as f:
        f.write(b"this is not json\n")
        f.write(b'{"schema_version": 1, "record_id": "x"}\n')  # valid JSON, wrong columns
        f.write(good[0].to_json_line().encode()[:40])  # a crash mid-write
    contents = store.read_all()
    assert [r.record_id for r in contents] == [r.record_id for r in good]
    assert contents.corrupt_lines == 2 and contents.truncated_lines == 1
    assert len(contents.problems) == 3 and all(shard.name in p for p in contents.problems)


DISK_FULL_WRITER = textwrap.dedent(
    """
    import resource, signal, sys
    from triage_demo.labels.record import make_record
    from triage_demo.labels.store import LabelStore
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a too-big write fails (EFBIG / short write) instead of killing us
    resource.setrlimit(resource.RLIMIT_FSIZE, (5000, 5000))
    store = LabelStore(sys.argv[1])
    ok = errors = 0
    for i in range(40):
        try:
            store.append(make_record(f"case {i}", expert_esi=3, annotator="a", rationale="r", source="live"))
            ok += 1
        except OSError as exc:
            errors += 1
    print(ok, errors)
    """
)


def test_full_disk_raises_and_leaves_a_readable_store(tmp_path: Path) -> None:
    """A real short write / EFBIG (file-size limit): append raises OSError, every acknowledged record is readable,
    the partial line is cut off again (the shard still loads with `datasets`), and nothing is lost."""
    out = subprocess.run([sys.executable, "-c", DISK_FULL_WRITER, str(tmp_path)], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    ok, errors = map(int, out.stdout.split())
    assert ok > 0 and errors > 0
    contents = LabelStore(tmp_path).read_all()
    assert len(contents) == ok and contents.corrupt_lines == 0
    assert contents.truncated_lines == 0, "a short write must be cut off, not left as a partial line"
    import datasets

    assert datasets.load_dataset("json", data_dir=str(tmp_path), split="train").num_rows == ok


def test_writes_hold_the_given_lock(tmp_path: Path) -> None:
    lock = threading.Lock()
    store = LabelStore(tmp_path, lock=lock)
    done = threading.Event()
    lock.acquire()
    t = threading.Thread(target=lambda: (store.append(_rec(1)), done.set()))
    t.start()
    assert not done.wait(0.3), "append did not wait for the sync's lock"
    lock.release()
    assert done.wait(10)
    t.join()


def test_shards_roll_over_when_large(tmp_path: Path) -> None:
    store = LabelStore(tmp_path, max_shard_bytes=4000)
    records = [_rec(i) for i in range(20)]
    for r in records:
        store.append(r)
    assert len(store.shard_paths()) > 3
    assert all(p.stat().st_size <= 4000 for p in store.shard_paths())
    _assert_exactly_once(store, {r.record_id for r in records})


def test_corrections_supersede_without_rewriting(tmp_path: Path) -> None:
    store = LabelStore(tmp_path)
    first = _rec(1, annotator="alice", esi=3)
    fix = _rec(1, annotator="alice", esi=2, supersedes=first.record_id)
    other = _rec(1, annotator="bob", esi=4)
    hijack = _rec(1, annotator="mallory", esi=5, supersedes=other.record_id)  # cannot undo bob's label
    again = _rec(2, annotator="alice", esi=4)
    again2 = _rec(2, annotator="alice", esi=5)  # plain resubmission: the later one counts
    for r in (first, fix, other, hijack, again, again2):
        store.append(r)
    size = sum(p.stat().st_size for p in store.shard_paths())
    latest = store.latest_per_annotator_case()
    case1, case2 = first.case_id, again.case_id
    assert latest[("alice", case1)].expert_esi == 2
    assert latest[("bob", case1)].expert_esi == 4
    assert latest[("mallory", case1)].expert_esi == 5
    assert latest[("alice", case2)].record_id == again2.record_id
    assert len(store.read_all()) == 6 and sum(p.stat().st_size for p in store.shard_paths()) == size


def test_latest_prefers_explicit_supersession_over_clock() -> None:
    old = _rec(1, annotator="a", esi=3)
    fix = LabelRecord(**{**old.__dict__, "record_id": "7f1d3c9a-2d3b-4c59-9e0e-6c2f1f7b0a01", "expert_esi": 2,
                         "supersedes": old.record_id, "timestamp": "2000-01-01T00:00:00.000000Z"})
    assert latest_labels([old, fix])[("a", old.case_id)].expert_esi == 2


def test_datasets_loads_the_store(tmp_path: Path) -> None:
    """Shards from different processes, one with model outputs and one without, load as one table."""
    a, b = LabelStore(tmp_path), LabelStore(tmp_path)
    a.append(_rec(1, primary=TriageResult(esi=2, backend="x", model="m", probabilities={2: 1.0}),
                  reason_tags=["sepsis"]))
    b.append(_rec(2))
    b.append(_rec(3, baseline=TriageResult(esi=4, backend="q", model="qwen")))
    import datasets

    ds = datasets.load_dataset("json", data_dir=str(tmp_path), split="train")
    assert ds.num_rows == 3
    assert sorted(ds["primary_esi"]) == [0, 0, 2] and json.loads(ds["reason_tags"][0]) in (["sepsis"], [])
