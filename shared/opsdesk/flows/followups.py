"""Follow-ups: the messages and reactions an incident is owed after a change is stored.

A change that owes follow-ups (declared: the announcement, leadership, observers; resolved:
the thread, leadership, observers; a new lead, comms, an update, a priority, a reopening, a
note or a check-in answer: the announcement refreshed, the thread told, and for an update
leadership, for a priority the observers; a first call for more people in a check-in: the
channel; an hourly check-in held: its questions; an update overdue: comms reminded) records
them on the incident in the same conditional write, with a lease: the entries by their
timeline keys, the rest as `Followup`s. The run that wrote them does them, then clears them.
If it dies half way, or Slack fails after the write, a replay (or, for a check-in, the next
tick) finds the change "already applied" but its follow-ups still owed (the failing run gives
the lease back; a run that died leaves it to lapse), takes the lease over and does them in
recovering mode: every message carries a key, so what was already posted is found, not posted
twice. A concurrent duplicate finds the lease alive and leaves the work to its owner.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from operator import attrgetter
from typing import TYPE_CHECKING

from opsdesk.domain.errors import Conflict
from opsdesk.domain.incidents import EntryKind, Followup, Incident, Priority
from opsdesk.flows.optimistic import Optimistic
from opsdesk.observability import MetricUnit, logger, record
from opsdesk.store.incidents import Pointer

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from datetime import datetime

    from opsdesk.domain.incidents import TimelineEntry
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

    def settle(
        self,
        incident: Incident,
        *,
        followups: frozenset[Followup] = frozenset(),
        entries: Sequence[TimelineEntry] = (),
        recovering: bool = False,
    ) -> Incident:
        """Do the follow-ups this run owes (`followups` and the messages of `entries`), then record them done.

        Only this run's share: a concurrent change's follow-ups stay with the run that wrote them.
        One write at the end records the announcement (and its thread pointer) with the
        follow-ups done: a crash before it leaves them owed, and the replay finds what was posted.
        """
        owed = followups & incident.pending
        mine = sorted(
            (entry for entry in entries if entry.sort_key in incident.owed_entries), key=attrgetter("sort_key")
        )
        told = frozenset(entry.sort_key for entry in mine)
        if not owed and not mine:
            return incident
        stored = incident
        try:
            if Followup.ANNOUNCE in owed:
                incident = self._announce(incident, recovering)
            if Followup.RESOLUTION in owed:
                self._resolution(incident, recovering)
            elif mine:
                self.notifier.refresh(incident)
            self._tell(incident, mine, recovering)
            if Followup.CALL_FOR_HELP in owed:
                self._call_for_help(incident, mine, recovering)
            if Followup.NOW_HIGH in owed:
                self._now_high(incident, recovering)
            if Followup.CHECKIN_QUESTION in owed:
                self._ask_checkin(incident, recovering)
            if Followup.UPDATE_REMINDER in owed:
                self._remind_of_update(incident, recovering)
        except Exception:
            self._release(stored)
            raise
        announcement = incident.announcement
        pointers = []
        if announcement is not None and stored.announcement is None:
            pointers = [Pointer(f"THREAD#{announcement.channel}#{announcement.ts}", incident.id)]
        return self._save_with(
            stored,
            lambda current: replace(current.settle(owed, told), announcement=current.announcement or announcement),
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
        owed = taken.owed_entries
        entries = [entry for entry in self.repository.timeline(taken.id) if entry.sort_key in owed] if owed else []
        return self.settle(taken, followups=taken.pending, entries=entries, recovering=True)

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

    def _tell(self, incident: Incident, entries: Sequence[TimelineEntry], recovering: bool) -> None:
        for entry in entries:
            if entry.kind is EntryKind.LEAD and entry.text:  # taken over: its text names the lead replaced
                self.notifier.lead_taken_over(incident, entry, entry.text, recovering=recovering)
            else:
                self.notifier.recorded(incident, entry, recovering=recovering)
            if entry.kind is EntryKind.UPDATE:
                key = f"update:{entry.source_key}"
                self.notifier.tell_leadership(incident, f"Update on {incident.id}", key=key, recovering=recovering)
            elif entry.kind is EntryKind.PRIORITY:
                for observer in self.observers:
                    observer.on_priority_changed(incident)

    def _call_for_help(self, incident: Incident, told: Sequence[TimelineEntry], recovering: bool) -> None:
        called = incident.help_called_at
        asked_by = next((entry.actor for entry in told if entry.at == called and entry.actor), None)
        key = f"help:{called.isoformat() if called else ''}"
        self.notifier.call_for_help(incident, asked_by or incident.declared_by, key=key, recovering=recovering)

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

    def _ask_checkin(self, incident: Incident, recovering: bool) -> None:
        """Ask the check-in's questions, keyed by its time on the hourly grid (each check-in is asked once)."""
        held = incident.last_checkin_at
        if not incident.is_open or held is None:
            return  # resolved before the question went: there is nobody to gather
        self.notifier.ask_checkin(incident, key=f"checkin:{held.isoformat()}", recovering=recovering)

    def _remind_of_update(self, incident: Incident, recovering: bool) -> None:
        """Remind comms (else the lead) of the update due, keyed by the reminder's boundary."""
        boundary = incident.update_reminded_at
        since = incident.last_update_at or incident.declared_at
        if not incident.is_open or boundary is None or since > boundary:
            return  # resolved, or an update went out before the reminder did: there is no news
        key = f"update-reminder:{boundary.isoformat()}"
        person = incident.comms or incident.lead
        self.notifier.update_overdue(incident, person, boundary - since, key=key, recovering=recovering)

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
