"""The Label tab's logic: a queue of de-identified cases, blind-first labelling, adjudication.

Why it is shaped this way:
- Anchoring: an expert who sees a model's level first tends to agree with it. So the queue and the case view
  carry only the narrative; a case's model answers are handed out by `commit`, i.e. after the expert's own
  level, rationale and tags are stored. The verdict per model (correct / under- / over-triage) follows from
  the two levels, exactly as the label record defines it; an expert who changes their mind after seeing the
  models files a revision, which supersedes but does not erase the blind label.
- Privacy: every narrative is de-identified when it enters the queue; the raw text of a live case is never
  kept. Live cases enter only with the user's consent.
- Priority: cases where the models disagree, where one is below the rule engine's floor, where the primary is
  unsure or gave no answer, and cases with few labels come first. The reasons are shown without levels.
- Authority: every write takes an `Annotator` from `triage_demo.auth.authorize`, never a name from the client.
"""

from __future__ import annotations

import asyncio
import threading
import time
import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable, Sequence

from triage_demo.auth import Annotator
from triage_demo.service import InputError, TriageRun, TriageService

if TYPE_CHECKING:
    from triage_demo.labels.record import LabelRecord
    from triage_demo.labels.service import LabelService

#: Reason tags offered on the Label tab (the record accepts any short tag; these keep them comparable).
REASON_TAGS: tuple[str, ...] = (
    "life-saving intervention",
    "high-risk situation",
    "new confusion or lethargy",
    "severe pain or distress",
    "danger-zone vitals",
    "paediatric fever",
    "no resources",
    "one resource",
    "two or more resources",
    "narrative unclear",
)


class NotAllowed(InputError):
    """The caller may not do this (not an annotator, not an adjudicator); the message says why."""


class NotSaved(InputError):
    """The store could not write the label (a full or failing disk); nothing of it was stored."""


@dataclass
class QueueCase:
    """A de-identified case waiting for labels, with the models' answers once they have been run."""

    case_id: str
    narrative: str
    source: str  # example | upload | live
    run: TriageRun | None = None
    added: float = field(default_factory=time.time)


@dataclass(frozen=True)
class QueueItem:
    """One row of an annotator's queue: no model levels, only why the case is where it is."""

    case: QueueCase
    priority: float
    reasons: tuple[str, ...]
    n_labels: int


def priority_of(case: QueueCase, n_labels: int) -> tuple[float, tuple[str, ...]]:
    """Higher first. Model-derived reasons are named without levels, so they do not anchor the expert."""
    score, reasons = 0.0, []
    run = case.run
    if run is not None and run.primary is not None:
        p, b = run.primary, run.baseline
        if p.esi is None:
            score += 2.0
            reasons.append("no model answer")
        if b is not None and p.esi is not None and b.esi is not None and p.esi != b.esi:
            score += 2.0 * abs(p.esi - b.esi)
            reasons.append("models disagree")
        if run.safety and run.safety["flags"]:
            score += 3.0
            reasons.append("safety-net flag")
        if p.probabilities:
            confidence = max(p.probabilities.values())
            if confidence < 0.6:
                reasons.append("model unsure")
            score += 2.0 * (1.0 - confidence)
    if n_labels == 0:
        reasons.append("no labels yet")
    elif n_labels == 1:
        reasons.append("needs a second opinion")
    score += 1.0 / (1 + n_labels)
    return score, tuple(reasons)


class LabelDesk:
    """The queue and the label workflow; one per process, shared by all sessions (thread-safe)."""

    def __init__(self, service: TriageService, labels: "LabelService") -> None:
        self.service = service
        self.labels = labels
        self._cases: dict[str, QueueCase] = {}
        self._lock = threading.Lock()
        self._turns: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock]" = weakref.WeakKeyDictionary()

    # --- filling the queue -----------------------------------------------------------------------------------
    def add(self, narrative_raw: str, source: str, run: TriageRun | None = None) -> QueueCase:
        """De-identify and enqueue a narrative (a case already queued keeps its first entry)."""
        from triage_demo.labels.deid import deid_text
        from triage_demo.labels.record import case_id_for

        narrative = deid_text(narrative_raw).strip()
        if not narrative:
            raise InputError("The narrative is empty after de-identification.")
        case = QueueCase(case_id=case_id_for(narrative), narrative=narrative, source=source, run=run)
        with self._lock:
            return self._cases.setdefault(case.case_id, case)

    def add_many(self, narratives: Iterable[str], source: str) -> int:
        """Enqueue several narratives; returns how many were new."""
        before = len(self._cases)
        for narrative in narratives:
            self.add(narrative, source)
        return len(self._cases) - before

    async def ensure_triaged(self) -> None:
        """Run the models on queued cases that have no answers yet (the de-identified text, as stored).

        Callers on the same event loop take turns, so two experts opening the tab at once do not run the
        same cases twice.
        """
        loop = asyncio.get_running_loop()
        with self._lock:
            turn = self._turns.setdefault(loop, asyncio.Lock())
        async with turn:
            with self._lock:
                pending = [c for c in self._cases.values() if c.run is None]
            gate = asyncio.Semaphore(max(1, self.service.settings.concurrency))

            async def one(case: QueueCase) -> None:
                async with gate:
                    case.run = await self.service.run(case.narrative)

            await asyncio.gather(*(one(c) for c in pending))

    # --- reading ---------------------------------------------------------------------------------------------
    def case(self, case_id: str) -> QueueCase:
        with self._lock:
            found = self._cases.get(case_id)
        if found is None:
            raise InputError(f"No case {case_id!r} in the queue (it may have been added before a restart).")
        return found

    def current_labels(self) -> dict[tuple[str, str], "LabelRecord"]:
        """Every annotator's current label per case (expert and adjudicator records alike)."""
        from triage_demo.labels.store import latest_labels

        return latest_labels(self.labels.read())

    def queue(self, annotator: Annotator) -> list[QueueItem]:
        """Cases `annotator` has not labelled, most useful first."""
        labels = self.current_labels()
        done = {case_id for (who, case_id) in labels if who == annotator.username}
        counts: dict[str, int] = {}
        for (_, case_id), record in labels.items():
            if record.role == "expert":
                counts[case_id] = counts.get(case_id, 0) + 1
        with self._lock:
            cases = [c for c in self._cases.values() if c.case_id not in done]
        items = []
        for case in cases:
            n = counts.get(case.case_id, 0)
            score, reasons = priority_of(case, n)
            items.append(QueueItem(case=case, priority=score, reasons=reasons, n_labels=n))
        return sorted(items, key=lambda it: (-it.priority, it.case.added, it.case.case_id))

    def labels_for(self, case_id: str) -> list["LabelRecord"]:
        """Current labels of one case, adjudicators' last (for the adjudication view)."""
        records = [r for (_, cid), r in self.current_labels().items() if cid == case_id]
        return sorted(records, key=lambda r: (r.role == "adjudicator", r.timestamp))

    # --- writing ---------------------------------------------------------------------------------------------
    def commit(self, annotator: Annotator, case_id: str, esi: object, rationale: str,
               tags: Sequence[str] = ()) -> "LabelRecord":
        """Store the expert's blind label (with the models' answers and the derived verdicts); return it.

        The returned record is what reveals the models' answers to the expert.
        """
        return self._write(annotator, case_id, esi, rationale, tags, role="expert", supersede=False)

    def revise(self, annotator: Annotator, case_id: str, esi: object, rationale: str,
               tags: Sequence[str] = ()) -> "LabelRecord":
        """Replace the annotator's current label of a case (after seeing the models); the blind one stays stored."""
        return self._write(annotator, case_id, esi, rationale, tags, role="expert", supersede=True)

    def adjudicate(self, annotator: Annotator, case_id: str, esi: object, rationale: str) -> "LabelRecord":
        """Set the case's final label (adjudicators only)."""
        if not annotator.adjudicator:
            raise NotAllowed(f"{annotator.username} is not an adjudicator; only adjudicators set final labels.")
        return self._write(annotator, case_id, esi, rationale, (), role="adjudicator", supersede=True)

    def _write(self, annotator: Annotator, case_id: str, esi: object, rationale: str, tags: Sequence[str], *,
               role: str, supersede: bool) -> "LabelRecord":
        from triage_demo.labels.record import make_record

        case = self.case(case_id)
        if case.run is None:
            raise InputError("The models have not run on this case yet; reload the queue and try again.")
        previous = self.current_labels().get((annotator.username, case_id))
        if supersede and previous is None and role == "expert":
            raise InputError("There is no label of yours on this case to revise; commit one first.")
        if not supersede and previous is not None:
            raise InputError("You have already labelled this case; use “Revise my label” to change it.")
        record = make_record(
            case.narrative,
            expert_esi=esi,
            annotator=annotator.username,
            rationale=rationale,
            source=case.source,
            role=role,
            reason_tags=list(tags),
            primary=case.run.primary,
            baseline=case.run.baseline,
            rule_min_esi=case.run.safety["min_esi"] if case.run.safety else None,
            supersedes=previous.record_id if supersede and previous is not None and previous.role == role else None,
        )
        try:
            self.labels.submit(record)
        except OSError as exc:  # the store leaves no partial line behind, so the expert can simply retry
            raise NotSaved(f"Your label could not be saved ({exc.strerror or exc}); nothing was stored. "
                           "The server's disk may be full: try again later, or tell the operator.") from exc
        return record
