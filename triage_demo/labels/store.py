"""Durable, append-only label store: JSONL shards in `<dir>/data/`, one shard per process.

Why it is built this way:
- One shard per process (uuid name), so replicas or workers sharing a folder never write the same file, and
  the Hub sync (which re-uploads whole changed files) never sees two writers' bytes interleaved.
- One `os.write` of a complete line per record on an O_APPEND descriptor: a reader sees whole lines, and a
  crash can leave at most one partial last line, which the reader skips and reports. A short write (full disk)
  is cut off again at once, so the shard stays loadable.
- Durability without a global slowdown: the line is written under a lock, then made durable with one
  `fdatasync` shared by every writer that queued behind it (group commit), so 16 concurrent writers do not pay
  16 serial syncs. `append` returns only once its record is on disk.
- A new shard after `fork` (the child must not share the parent's file) and after `max_shard_bytes` (the Hub
  sync re-uploads a changed shard whole, so shards stay small).
- Nothing is rewritten in place; corrections are new records that supersede old ones (`latest_labels`).
"""

from __future__ import annotations

import contextlib
import os
import threading
import uuid
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import ContextManager, Iterable, Iterator

from triage_demo.labels.record import LabelRecord
from triage_demo.settings import Settings

SHARD_DIR = "data"
SHARD_GLOB = "*.jsonl"
DEFAULT_MAX_SHARD_BYTES = 4 * 1024 * 1024
MAX_PROBLEMS_LISTED = 20

_STORES: "weakref.WeakSet[LabelStore]" = weakref.WeakSet()


@dataclass
class ReadResult:
    """Every readable record, plus what could not be read. Iterating it yields the records."""

    records: list[LabelRecord] = field(default_factory=list)
    corrupt_lines: int = 0  # complete lines that are not valid records (skipped)
    truncated_lines: int = 0  # a partial last line of a shard: a crash mid-write (skipped)
    shards: int = 0
    problems: list[str] = field(default_factory=list)  # "shard:line: why", the first MAX_PROBLEMS_LISTED

    def __iter__(self) -> Iterator[LabelRecord]:
        return iter(self.records)

    def __len__(self) -> int:
        return len(self.records)


class _Shard:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o644)
        self.bytes = 0
        _fsync_dir(path.parent)  # the new file's name is durable too


class LabelStore:
    """Append and read label records in `directory` (shards under `directory/data/`).

    `lock`: an optional reusable context manager held around each write — the Hub sync's lock
    (CommitScheduler.lock), so that its scan never sees a half-written line.
    """

    def __init__(
        self,
        directory: str | Path,
        *,
        lock: ContextManager[object] | None = None,
        max_shard_bytes: int = DEFAULT_MAX_SHARD_BYTES,
    ) -> None:
        self.directory = Path(directory)
        self.lock = lock
        self.max_shard_bytes = max_shard_bytes
        self._reset()
        _STORES.add(self)

    @classmethod
    def from_settings(cls, settings: Settings, lock: ContextManager[object] | None = None) -> "LabelStore":
        return cls(settings.labels_dir, lock=lock)

    @property
    def data_dir(self) -> Path:
        return self.directory / SHARD_DIR

    def _reset(self) -> None:
        """Fresh per-process state (construction, and in a forked child)."""
        self._pid = os.getpid()
        self._write_lock = threading.Lock()
        self._sync_lock = threading.Lock()  # order: _write_lock before _sync_lock, never the reverse
        self._shard: _Shard | None = None
        self._written = 0  # records written by this process (sequence numbers)
        self._synced = 0  # records known to be on disk

    # --- writing ---------------------------------------------------------------------------------------------
    def append(self, record: LabelRecord) -> None:
        """Write one record durably; returns once it is on disk. Raises OSError (e.g. disk full) otherwise."""
        line = record.to_json_line().encode("utf-8")
        if self._pid != os.getpid():  # forked without the at-fork hook (it normally runs first)
            self._after_fork()
        with self._write_lock:
            shard = self._shard_for(len(line))
            with self.lock if self.lock is not None else contextlib.nullcontext():
                written = os.write(shard.fd, line)
                if written != len(line):
                    self._undo_partial_write(shard)
            if written != len(line):
                raise OSError(f"label store: short write to {shard.path.name} ({written} of {len(line)} bytes; "
                              "is the disk full?)")
            shard.bytes += written
            self._written += 1
            seq = self._written
        self._make_durable(seq)

    def _shard_for(self, incoming: int) -> _Shard:
        if self._shard is not None and self._shard.bytes + incoming > self.max_shard_bytes and self._shard.bytes:
            self._retire_shard()
        if self._shard is None:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            self._shard = _Shard(self.data_dir / f"labels-{uuid.uuid4().hex}.jsonl")
        return self._shard

    def _undo_partial_write(self, shard: _Shard) -> None:
        """Cut our own partial line off again (a full disk), so the shard stays loadable by `datasets`;
        if even that fails, retire the shard: nothing may ever be appended after a partial line."""
        try:
            os.ftruncate(shard.fd, shard.bytes)
        except OSError:
            self._retire_shard()

    def _retire_shard(self) -> None:
        """Close the current shard after making everything written to it durable (caller holds _write_lock)."""
        with self._sync_lock:
            shard, self._shard = self._shard, None
            if shard is not None:
                try:
                    _datasync(shard.fd)
                    self._synced = self._written
                finally:
                    os.close(shard.fd)

    def _make_durable(self, seq: int) -> None:
        """Group commit: the first waiter syncs everything written so far; those behind it find it done."""
        with self._sync_lock:
            if self._synced >= seq:
                return
            target = self._written  # every record up to here is in the current shard (retiring needs this lock)
            assert self._shard is not None
            _datasync(self._shard.fd)
            self._synced = max(self._synced, target)

    def close(self) -> None:
        with self._write_lock:
            self._retire_shard()

    def _after_fork(self) -> None:
        """In a forked child: drop the parent's shard (its descriptor and lock state belong to the parent)."""
        shard = self._shard
        self._reset()
        if shard is not None:
            os.close(shard.fd)

    # --- reading ---------------------------------------------------------------------------------------------
    def shard_paths(self) -> list[Path]:
        return sorted(self.data_dir.glob(SHARD_GLOB)) if self.data_dir.is_dir() else []

    def read_all(self) -> ReadResult:
        """Every valid record in every shard, skipping (and counting) corrupt lines and crash-truncated tails."""
        result = ReadResult()
        for path in self.shard_paths():
            result.shards += 1
            lines = path.read_bytes().split(b"\n")
            tail = lines.pop()  # bytes after the last newline: empty unless a write was cut short
            for lineno, raw in enumerate(lines, start=1):
                if not raw.strip():
                    continue
                try:
                    result.records.append(LabelRecord.from_json_line(raw))
                except ValueError as exc:
                    result.corrupt_lines += 1
                    _note(result, f"{path.name}:{lineno}: {exc}")
            if tail.strip():
                result.truncated_lines += 1
                _note(result, f"{path.name}:{len(lines) + 1}: incomplete last line (a write was interrupted)")
        return result

    def latest_per_annotator_case(self, role: str | None = None) -> dict[tuple[str, str], LabelRecord]:
        """The current label of each (annotator, case): see `latest_labels`."""
        return latest_labels(self.read_all(), role=role)


def latest_labels(records: Iterable[LabelRecord], role: str | None = None) -> dict[tuple[str, str], LabelRecord]:
    """Each annotator's current label per case, keyed (annotator, case_id); only `role` records if given.

    A record is out of date when a later record of the same annotator and case supersedes it; among the rest the
    latest timestamp wins (so a plain resubmission also replaces the earlier one). A `supersedes` pointing at
    somebody else's record is ignored: nobody can overwrite another expert's label.
    """
    unique = {r.record_id: r for r in records}
    superseded = {
        r.supersedes
        for r in unique.values()
        if r.supersedes in unique
        and (unique[r.supersedes].annotator, unique[r.supersedes].case_id) == (r.annotator, r.case_id)
    }
    latest: dict[tuple[str, str], LabelRecord] = {}
    for r in unique.values():
        if r.record_id in superseded or (role is not None and r.role != role):
            continue
        key = (r.annotator, r.case_id)
        if key not in latest or (r.timestamp, r.record_id) > (latest[key].timestamp, latest[key].record_id):
            latest[key] = r
    return latest


def _note(result: ReadResult, message: str) -> None:
    if len(result.problems) < MAX_PROBLEMS_LISTED:
        result.problems.append(message)


def _datasync(fd: int) -> None:
    (getattr(os, "fdatasync", None) or os.fsync)(fd)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # some platforms cannot open directories; the file itself is still synced on each append
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _after_fork_in_child() -> None:
    for store in list(_STORES):
        store._after_fork()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
