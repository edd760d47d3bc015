"""What every tab needs, built once per process and handed to each tab's `build(ctx)`."""

from __future__ import annotations

from dataclasses import dataclass, field

from triage_demo.annotation import LabelDesk
from triage_demo.backends import Backends
from triage_demo.evaluate import Case
from triage_demo.service import TriageService
from triage_demo.settings import Settings


@dataclass
class AppContext:
    """Settings, backends and the services built on them; shared by all sessions of the app."""

    settings: Settings
    backends: Backends
    service: TriageService
    desk: LabelDesk
    examples: list[Case] = field(default_factory=list)
    examples_note: str = ""  # why there are no examples, if there are none

    def close(self) -> None:
        """At shutdown: push labels that are not on the Hub yet (the store itself is always durable)."""
        self.desk.labels.close()
