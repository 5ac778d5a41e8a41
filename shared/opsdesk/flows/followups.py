"""Follow-ups: the messages and reactions an incident is owed after a change is stored.

A change that owes follow-ups (declared: the announcement, leadership, observers; resolved:
the thread, leadership, observers) records them on the incident in the same conditional
write, with a lease. The run that wrote them does them, then clears them. If it dies half
way, a replay after the lease finds them still owed, takes the lease over and does them in
recovering mode: every message carries a key, so what was already posted is found, not
posted twice. A concurrent duplicate finds the lease alive and leaves the work to its owner.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from typing import TYPE_CHECKING

from opsdesk.domain.errors import Conflict
from opsdesk.domain.incidents import EntryKind, Followup, Incident, Priority
from opsdesk.flows.optimistic import Optimistic
from opsdesk.observability import MetricUnit, logger, record
from opsdesk.store.incidents import Pointer

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from datetime import datetime

    from opsdesk.domain.ports import IncidentNotifier, IncidentObserver
    from opsdesk.store.incidents import IncidentRepository

# Longer than the function timeout (20 s in template.yaml): a lease older than this has no live owner.
LEASE = timedelta(seconds=30)


@dataclass
class Followups:
    """Does, and after a crash finishes, what an incident change owes the people around it."""

    repository: IncidentRepository
    notifier: IncidentNotifier
    observers: Sequence[IncidentObserver]
    now: Callable[[], datetime]

    def lease(self) -> datetime:
        return self.now() + LEASE

    def settle(self, incident: Incident, *, recovering: bool = False) -> Incident:
        """Do the follow-ups `incident` owes (this run holds their lease), then record them done.

        One write at the end records the announcement (and its thread pointer) with the
        follow-ups done: a crash before it leaves them owed, and the replay finds what was posted.
        """
        owed = incident.pending
        stored = incident
        try:
            if Followup.ANNOUNCE in owed:
                incident = self._announce(incident, recovering)
            if Followup.RESOLUTION in owed:
                self._resolution(incident, recovering)
            if Followup.NOW_HIGH in owed:
                self._now_high(incident, recovering)
        except Exception:
            self._release(stored)
            raise
        announcement = incident.announcement
        pointers = []
        if announcement is not None and stored.announcement is None:
            pointers = [Pointer(f"THREAD#{announcement.channel}#{announcement.ts}", incident.id)]
        return self._save_with(
            stored,
            lambda current: replace(current.settle(owed), announcement=current.announcement or announcement),
            add_pointers=pointers,
        )

    def recover(self, incident: Incident) -> Incident:
        """Finish follow-ups whose owner died; leave them to a live owner."""
        if not incident.followups_abandoned(self.now()):
            return incident
        try:
            taken = self.repository.save(replace(incident, pending_until=self.lease()))
        except Conflict:
            return self.repository.get(incident.id)  # another run took them over first
        return self.settle(taken, recovering=True)

    def _release(self, incident: Incident) -> None:
        """Give the lease back after a failure, so the retry need not wait for it to lapse."""
        try:
            self._save_with(incident, lambda current: replace(current, pending_until=None))
        except Exception:  # the lease lapses by itself; the original failure is what matters
            logger.exception("could not release the follow-ups' lease", extra={"incident": incident.id})

    def _announce(self, incident: Incident, recovering: bool) -> Incident:
        if incident.announcement is None:
            incident = replace(incident, announcement=self.notifier.announce(incident, recovering=recovering))
        self.notifier.tell_leadership(incident, "Incident declared", key="declared", recovering=recovering)
        for observer in self.observers:
            observer.on_declared(incident)
        return incident

    def _resolution(self, incident: Incident, recovering: bool) -> None:
        duration = incident.time_to_resolve()
        if duration is not None and not recovering:
            record("TimeToResolve", duration.total_seconds(), MetricUnit.Seconds, priority=incident.priority.value)
        self.notifier.refresh(incident)
        # Keyed by the resolution time: a reopened incident resolved again owes new messages.
        key = f"resolved:{incident.resolved_at.isoformat() if incident.resolved_at else ''}"
        self.notifier.resolved(incident, key=key, recovering=recovering)
        self.notifier.tell_leadership(incident, f"Resolved: {incident.id}", key=key, recovering=recovering)
        for observer in self.observers:
            observer.on_resolved(incident)

    def _now_high(self, incident: Incident, recovering: bool) -> None:
        """Tell leadership the incident is now high priority, keyed by when it was raised (raised again: told again)."""
        if not incident.is_high:
            return  # lowered again before the message went: there is no news
        raised = [
            entry.at
            for entry in self.repository.timeline(incident.id)
            if entry.kind is EntryKind.PRIORITY and entry.priority is Priority.HIGH
        ]
        key = f"now-high:{max(raised).isoformat() if raised else ''}"
        self.notifier.tell_leadership(incident, f"Now high priority: {incident.id}", key=key, recovering=recovering)

    def _save_with(
        self,
        incident: Incident,
        change: Callable[[Incident], Incident],
        *,
        add_pointers: Sequence[Pointer] = (),
    ) -> Incident:
        """Apply `change` to the stored incident, re-reading it if someone else wrote in between."""
        writes: Optimistic[Incident, Incident] = Optimistic(
            lambda: self.repository.get(incident.id),
            lambda changed: self.repository.save(changed, add_pointers=add_pointers),
            f"{incident.id} is changing fast; its follow-ups will finish on the next attempt.",
        )
        saved, _ = writes.apply(change, start=incident)
        if saved.version != incident.version + 1:
            self.notifier.refresh(saved)  # it changed while we worked: show the latest in the channel
        return saved
