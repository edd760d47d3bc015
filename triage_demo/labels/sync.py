"""Push the label folder to a Hub dataset repo with `huggingface_hub.CommitScheduler`, and know what is pushed.

What CommitScheduler does not do, and this module adds:
- Count what is not on the Hub yet ("N records not yet synced"): after each successful push we keep each
  file's size as measured under the scheduler's lock just before the push (a lower bound of what was uploaded,
  always at a line boundary because writers hold the same lock); pending records are the complete lines beyond.
- Never miss an append: the scheduler decides what changed by modification time, which some file systems
  record coarsely, so a line appended just after a scan could look "unchanged" forever. Any file whose size
  differs from what we know is pushed is re-uploaded.
- Never make the app wait for the Hub: CommitScheduler creates the repo in its constructor (a network call), so
  it is started in the background; if that fails, labels are still stored locally, the failure is reported and
  the start is retried every interval. Writers only ever wait for the scheduler's short folder scan.
- Flush on shutdown (`close()`): push and wait, then stop; what could not be pushed is logged with its count.
Failed pushes are logged and retried by the scheduler at its next tick; nothing is dropped, because the local
shards are the source of truth and are only ever appended to.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from huggingface_hub import CommitScheduler

from triage_demo.labels.card import CARD_NAME, write_card
from triage_demo.labels.store import SHARD_DIR, SHARD_GLOB

logger = logging.getLogger(__name__)

ALLOW_PATTERNS = [CARD_NAME, f"{SHARD_DIR}/{SHARD_GLOB}"]


@dataclass(frozen=True)
class SyncStatus:
    """What the dashboard shows about the Hub sync."""

    repo_id: str
    pending_records: int
    started: bool  # the repo was reached and the scheduler runs
    last_success: str | None
    last_error: str | None
    consecutive_failures: int

    @property
    def message(self) -> str:
        if self.pending_records == 0 and self.started:
            return f"All labels are synced to {self.repo_id}."
        text = f"{self.pending_records} records not yet synced to {self.repo_id}"
        if self.last_error:
            text += f" (last attempt failed: {self.last_error}; retrying)"
        return text + "."


class _TrackingScheduler(CommitScheduler):
    """CommitScheduler that reports each push's outcome and re-uploads files whose size is not yet pushed."""

    def __init__(self, *, owner: "LabelSync", **kwargs: Any) -> None:
        self._owner = owner  # set before super().__init__, which starts the thread that pushes at once
        super().__init__(**kwargs)

    @property  # type: ignore[override]
    def lock(self) -> threading.Lock:
        """The sync's lock, which writers already hold before the scheduler exists (and while it cannot start)."""
        return self._owner.lock

    @lock.setter
    def lock(self, _: threading.Lock) -> None:
        """CommitScheduler.__init__ assigns a fresh lock; keep the shared one instead."""

    def push_to_hub(self) -> Any:
        with self.lock:
            sizes = self._owner._sizes(self.folder_path)
            for path, size in sizes.items():
                if self._owner._pushed.get(path.name) != size:
                    self.last_uploaded.pop(path, None)
        try:
            info = super().push_to_hub()
        except Exception as exc:
            self._owner._push_failed(exc)
            raise
        self._owner._push_succeeded(sizes)
        return info


class LabelSync:
    """Keeps `folder` pushed to the dataset repo `repo_id`. Give `lock` to the LabelStore writing the folder."""

    def __init__(
        self,
        folder: str | Path,
        repo_id: str,
        *,
        token: str | None,
        every_minutes: float = 5.0,
        private: bool = True,
        hf_api: Any = None,
    ) -> None:
        if not every_minutes > 0:
            raise ValueError(f"sync interval must be positive, got {every_minutes} minutes")
        self.folder = Path(folder).expanduser().resolve()
        self.repo_id = repo_id
        self.every_minutes = every_minutes
        self._kwargs = dict(
            repo_id=repo_id, folder_path=self.folder, every=every_minutes, repo_type="dataset", private=private,
            token=token, allow_patterns=ALLOW_PATTERNS, hf_api=hf_api,
        )
        self._state_lock = threading.Lock()  # guards the bookkeeping below
        self._start_lock = threading.Lock()  # one start attempt at a time
        self._pushed: dict[str, int] = {}  # file name -> bytes known to be on the Hub
        self._last_success: str | None = None
        self._last_error: str | None = None
        self._failures = 0
        self._scheduler: _TrackingScheduler | None = None
        self.lock = threading.Lock()  # writers hold it around each append; the scheduler's scans hold it too
        self._closed = threading.Event()
        write_card(self.folder)
        # Start in the background: creating the repo is a network call, and the app must not wait for the Hub.
        threading.Thread(target=self._start_until_running, name="label-sync-start", daemon=True).start()

    # --- starting ----------------------------------------------------------------------------------------------
    def _try_start(self) -> bool:
        with self._start_lock:  # not self.lock: writers must never wait for the network
            if self._scheduler is not None:
                return True
            try:
                scheduler = _TrackingScheduler(owner=self, **self._kwargs)  # creates the repo: network
            except Exception as exc:  # network, auth, or Hub errors: keep labelling locally, retry later
                with self._state_lock:
                    self._last_error = _describe(exc)
                    self._failures += 1
                logger.error("label sync to %s could not start (will retry): %s", self.repo_id, self._last_error)
                return False
            self._scheduler = scheduler
            if self._closed.is_set():  # closed while this attempt was on the network
                scheduler.stop()
            return True

    def _start_until_running(self) -> None:
        while not self._try_start():
            if self._closed.wait(self.every_minutes * 60):
                return

    # --- bookkeeping called by the scheduler ------------------------------------------------------------------
    def _sizes(self, folder: Path) -> dict[Path, int]:
        paths = [folder / CARD_NAME, *sorted((folder / SHARD_DIR).glob(SHARD_GLOB))]
        return {p: p.stat().st_size for p in paths if p.is_file()}

    def _push_succeeded(self, sizes: dict[Path, int]) -> None:
        with self._state_lock:
            self._pushed.update({p.name: size for p, size in sizes.items()})
            self._last_success = datetime.now(timezone.utc).isoformat(timespec="seconds")
            self._last_error = None
            self._failures = 0

    def _push_failed(self, exc: BaseException) -> None:
        with self._state_lock:
            self._last_error = _describe(exc)
            self._failures += 1
            failures = self._failures
        logger.error(
            "label push to %s failed (%d in a row; %d records waiting, retrying every %s min): %s",
            self.repo_id, failures, self.pending_records(), self.every_minutes, self._last_error,
        )

    # --- what callers use ----------------------------------------------------------------------------------------
    def pending_records(self) -> int:
        """Complete records in the local shards that are not known to be on the Hub."""
        with self._state_lock:
            pushed = dict(self._pushed)
        pending = 0
        for path in sorted((self.folder / SHARD_DIR).glob(SHARD_GLOB)):
            with path.open("rb") as f:
                f.seek(pushed.get(path.name, 0))
                pending += f.read().count(b"\n")
        return pending

    def status(self) -> SyncStatus:
        pending = self.pending_records()
        with self._state_lock:
            return SyncStatus(
                repo_id=self.repo_id,
                pending_records=pending,
                started=self._scheduler is not None,
                last_success=self._last_success,
                last_error=self._last_error,
                consecutive_failures=self._failures,
            )

    def flush(self, timeout: float | None = 120.0) -> bool:
        """Push now and wait; True when the push succeeded (everything written before the call is on the Hub)."""
        if self._closed.is_set():
            raise RuntimeError("label sync is closed")
        if not self._try_start():
            return False
        assert self._scheduler is not None
        try:
            self._scheduler.trigger().result(timeout)
        except Exception as exc:  # already recorded and logged by the scheduler's push
            logger.debug("flush failed: %s", exc)
            return False
        return True

    def close(self, timeout: float | None = 120.0) -> bool:
        """Flush, then stop the scheduler. Returns whether everything was pushed; logs what was not."""
        ok = self.flush(timeout)
        self._closed.set()
        if self._scheduler is not None:
            self._scheduler.stop()
        if not ok:
            logger.error(
                "label sync stopped with %d records not pushed to %s; they remain in %s",
                self.pending_records(), self.repo_id, self.folder,
            )
        return ok

    def __enter__(self) -> "LabelSync":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _describe(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
