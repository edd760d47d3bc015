"""What the app holds for labels: the local store and, when configured, the Hub sync writing through it.

Built once per process from Settings. The store is always local and always works; the Hub is an addition, so a
missing token or an unreachable Hub is reported (`sync_message`), never a reason to refuse a label.
"""

from __future__ import annotations

import logging
from typing import Any

from triage_demo.labels.card import write_card
from triage_demo.labels.record import LabelRecord
from triage_demo.labels.store import LabelStore, ReadResult
from triage_demo.labels.sync import LabelSync, SyncStatus
from triage_demo.settings import Settings

logger = logging.getLogger(__name__)


class LabelService:
    def __init__(self, store: LabelStore, sync: LabelSync | None = None, note: str = "") -> None:
        self.store = store
        self.sync = sync
        self._note = note  # why there is no sync, when there is none

    @classmethod
    def from_settings(cls, settings: Settings, hf_api: Any = None) -> "LabelService":
        """Local store in `settings.labels_dir`; Hub sync when `labels_repo` and a token (or `hf_api`) are set."""
        folder = settings.labels_dir
        write_card(folder)  # so the local folder loads with datasets.load_dataset(folder) too
        if not settings.labels_repo:
            return cls(LabelStore(folder), note=f"Labels are stored locally in {folder} (no Hub repo configured).")
        if not settings.hf_token and hf_api is None:
            note = (f"Hub sync is off: TRIAGE_LABELS_REPO={settings.labels_repo} is set but there is no write "
                    f"token (HF_TOKEN). Labels are stored locally in {folder}.")
            logger.error(note)
            return cls(LabelStore(folder), note=note)
        sync = LabelSync(
            folder, settings.labels_repo, token=settings.hf_token, every_minutes=settings.sync_every_minutes,
            private=settings.labels_private, hf_api=hf_api,
        )
        return cls(LabelStore(folder, lock=sync.lock), sync)

    def submit(self, record: LabelRecord) -> None:
        """Store durably (it is on local disk when this returns); the sync pushes it at its next tick."""
        self.store.append(record)

    def read(self) -> ReadResult:
        return self.store.read_all()

    def sync_status(self) -> SyncStatus | None:
        return self.sync.status() if self.sync else None

    def sync_message(self) -> str:
        """One line for the dashboard: synced, "N records not yet synced", or why there is no sync."""
        return self.sync.status().message if self.sync else self._note

    def close(self) -> bool:
        """Flush the sync (if any) and close the store; False when records are left unpushed (they are logged)."""
        ok = self.sync.close() if self.sync else True
        self.store.close()
        return ok
