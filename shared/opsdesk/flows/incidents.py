"""Declaring and running incidents. Every flow is safe to replay: it completes, never repeats."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from opsdesk.domain.errors import Conflict, InvalidRequest, NotFound
from opsdesk.domain.ids import candidate_ids, short_id
from opsdesk.domain.incidents import AlarmInfo, EntryKind, Followup, Incident, Priority, Source, TimelineEntry
from opsdesk.flows.followups import Followups
from opsdesk.flows.optimistic import Optimistic
from opsdesk.flows.permissions import Permission, require_team
from opsdesk.observability import MetricUnit, record
from opsdesk.store.dynamodb import IdTaken
from opsdesk.store.incidents import AlreadyApplied, Pointer

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from opsdesk.domain.ports import IncidentNotifier, IncidentObserver, Team
    from opsdesk.store.incidents import IncidentRepository

MIN_TITLE = 3


@dataclass(frozen=True)
class Declaration:
    """What someone (or an alarm) said when declaring an incident."""

    title: str
    priority: Priority
    declared_by: str
    at: datetime
    source_key: str
    service: str = ""
    user_impact: str = ""
    source: Source = Source.SLACK
    alarm: AlarmInfo | None = None
    request_id: str | None = None  # declared from a support request: the two are linked


class IncidentFlows:
    """Incident use cases over a repository, a notifier and the support team.

    Observers (postmortems, paging) watch the flows, so they are built after them and attached with
    `observe`: nothing here needs to know what watches it.
    """

    def __init__(
        self, repository: IncidentRepository, notifier: IncidentNotifier, team: Team, now: Callable[[], datetime]
    ) -> None:
        self.repository = repository
        self.notifier = notifier
        self.team = team
        self.now = now
        self.observers: list[IncidentObserver] = []
        self.followups = Followups(repository, notifier, self.observers, now)

    def observe(self, observer: IncidentObserver) -> None:
        self.observers.append(observer)

    def require_team(self, user: str, permission: Permission) -> None:
        """Refuse unless `user` is on the support team (flows/permissions.py)."""
        require_team(self.team, user, permission)

    def declare(self, declaration: Declaration) -> Incident:
        """Store, announce and tell leadership; a replay finds the same incident and finishes it."""
        if declaration.source is Source.SLACK:
            self.require_team(declaration.declared_by, Permission.DECLARE)
        if len(declaration.title.strip()) < MIN_TITLE:
            raise InvalidRequest("Say in a few words what is happening, e.g. `/incident declare Database down`.")
        incident = Incident(
            id=short_id("INC", declaration.source_key),
            title=declaration.title.strip()[:150],
            priority=declaration.priority,
            declared_by=declaration.declared_by,
            declared_at=declaration.at,
            source=declaration.source,
            service=declaration.service,
            user_impact=declaration.user_impact,
            alarm=declaration.alarm,
            detected_at=declaration.alarm.state_changed_at if declaration.alarm else None,
            participants=frozenset({declaration.declared_by}) if declaration.source is Source.SLACK else frozenset(),
            request_id=declaration.request_id,
        ).owe(Followup.ANNOUNCE, until=self.followups.lease())
        entry = TimelineEntry(
            at=declaration.at,
            kind=EntryKind.DECLARED,
            text=incident.title,
            actor=declaration.declared_by,
            source_key=declaration.source_key,
            priority=incident.priority,
        )
        incident, created = self._create(incident, entry, declaration.alarm)
        if not created:
            # A redelivery: finish what a crashed run left, or leave it to the run still doing it.
            return self.followups.recover(self.repository.get(incident.id))
        record("IncidentsOpened", 1, priority=incident.priority.value, source=incident.source.value)
        return self.followups.settle(incident, followups=frozenset({Followup.ANNOUNCE}))

    def _create(self, incident: Incident, entry: TimelineEntry, alarm: AlarmInfo | None) -> tuple[Incident, bool]:
        """Store under the shortest id no other declaration holds (domain/ids.py): (the incident, whether new)."""
        for candidate in candidate_ids("INC", entry.source_key):
            incident = replace(incident, id=candidate)
            pointers = [Pointer(f"ALARM#{alarm.arn}", candidate)] if alarm else []
            try:
                return incident, self.repository.create(incident, entry, pointers)
            except IdTaken:
                record("IncidentIdCollisions", 1)
        raise IdTaken(incident.id)  # 31^12 ids: unreachable unless the hash is broken

    def record_time_to_lead(self, incident: Incident) -> None:
        elapsed = incident.time_to_lead()
        if elapsed is not None:
            record("TimeToLead", elapsed.total_seconds(), MetricUnit.Seconds, priority=incident.priority.value)

    # ---- reading
    def open_incidents(self) -> list[Incident]:
        return self.repository.list_open()

    def timeline(self, incident_id: str) -> list[TimelineEntry]:
        return self.repository.timeline(incident_id)

    def find(self, incident_id: str) -> Incident | None:
        """The incident (one key lookup), or None when there is none by that id."""
        return self.repository.find(incident_id)

    def in_thread(self, channel: str, thread_ts: str) -> str | None:
        """The incident whose announcement thread this is (one key lookup), if any."""
        return self.repository.pointer(f"THREAD#{channel}#{thread_ts}")

    def pick(self, incident_id: str | None, command: str, *, open_only: bool = True) -> Incident:
        """The incident a command means: the id given, else the only open one."""
        if incident_id:
            return self.repository.get(incident_id)
        candidates = self.repository.list_open()
        if len(candidates) == 1:
            return candidates[0]
        if not candidates:
            raise NotFound("No incident is open. Give an id, e.g. `/incident status INC-7K3QF`.")
        ids = ", ".join(f"`{incident.id}`" for incident in candidates)
        what = "open " if open_only else ""
        raise InvalidRequest(
            f"Several {what}incidents: {ids}. Say which, e.g. `/incident {command} {candidates[0].id} …`."
        )


@dataclass(frozen=True)
class Change:
    """Who did what, when, and the Slack id that makes a replay recognisable."""

    by: str
    at: datetime
    source_key: str

    def entry(
        self, kind: EntryKind, text: str = "", *, subject: str | None = None, priority: Priority | None = None
    ) -> TimelineEntry:
        """The timeline entry recording this change."""
        return TimelineEntry(self.at, kind, text, self.by, self.source_key, subject=subject, priority=priority)


Decision = tuple[Incident, TimelineEntry] | None


class IncidentRunner:
    """The changes people make while an incident runs, each an optimistic, idempotent write."""

    # A dozen people acting on one incident at the same moment: each round one writer wins, so the last of N
    # needs N rounds at best and, with jitter and a slow table, sometimes twice that (10 writers lost one update
    # in about 1 run of 20 with 10 attempts). The invocation's deadline still bounds the total (optimistic.py).
    ATTEMPTS = 25

    def __init__(self, flows: IncidentFlows, pause: Callable[[float], None] = time.sleep) -> None:
        self.flows = flows
        self._pause = pause
        self.repository = flows.repository
        self.notifier = flows.notifier

    def apply(
        self,
        incident_id: str,
        decide: Callable[[Incident], Decision],
        *,
        drop_pointers: Callable[[Incident], list[str]] | None = None,
    ) -> tuple[Incident, bool]:
        """Read, decide, write if unchanged since read (flows/optimistic.py); (the stored incident, changed).

        Not changed for a replay or a no-op, so callers post to Slack only when something really happened.
        """

        def save(decided: tuple[Incident, TimelineEntry]) -> Incident | None:
            updated, entry = decided
            try:
                drops = drop_pointers(updated) if drop_pointers else []
                return self.repository.save(updated, [entry], drop_pointers=drops)
            except AlreadyApplied:
                return None

        busy = f"{incident_id} is changing fast; please try again."
        writes = Optimistic(lambda: self.repository.get(incident_id), save, busy, self.ATTEMPTS, self._pause)
        return writes.apply(decide)

    def told(self, incident_id: str, entry: TimelineEntry, decide: Callable[[Incident], Incident | None]) -> Incident:
        """Apply a change whose entry the thread (and more, flows/followups.py) must hear of, owed with it.

        `decide` gives the changed incident, or None for nothing to change. A replay that finds the change
        already applied finishes the messages a failed or crashed run still owes, and posts nothing twice.
        """
        followups = self.flows.followups

        def owing(incident: Incident) -> Decision:
            changed = decide(incident)
            return None if changed is None else (changed.owe_messages(entry, until=followups.lease()), entry)

        incident, changed = self.apply(incident_id, owing)
        return followups.settle(incident, entries=[entry]) if changed else followups.recover(incident)

    def take_lead(
        self, incident_id: str, change: Change, *, user: str | None = None, replacing: str | None = None
    ) -> Incident:
        """Make `user` (default: whoever asked) the lead.

        Nobody's lead is replaced unasked: with a lead in place this raises Conflict naming them (`lead`),
        unless `replacing` names that very lead (the person confirmed taking over from them), who is told.
        """
        self.flows.require_team(change.by, Permission.LEAD)
        lead = user or change.by
        followups = self.flows.followups
        # The entry's text names the lead taken over from, if any: the thread and they are told (owed with it).
        written: list[TimelineEntry] = []

        def decide(incident: Incident) -> Decision:
            if incident.lead == lead:
                return None
            if incident.lead and incident.lead != replacing:
                raise Conflict(f"{{lead}} is already leading {incident.id}.", people={"lead": incident.lead})
            entry = change.entry(EntryKind.LEAD, incident.lead or "", subject=lead)
            written[:] = [entry]
            return incident.take_lead(lead, change.at).owe_messages(entry, until=followups.lease()), entry

        incident, changed = self.apply(incident_id, decide)
        if not changed:
            return followups.recover(incident)
        if incident.lead_at == change.at:
            self.flows.record_time_to_lead(incident)
        return followups.settle(incident, entries=written)

    def assign_comms(self, incident_id: str, change: Change, *, user: str | None = None) -> Incident:
        self.flows.require_team(change.by, Permission.COMMS)
        comms = user or change.by
        entry = change.entry(EntryKind.COMMS, subject=comms)

        return self.told(
            incident_id, entry, lambda incident: None if incident.comms == comms else incident.assign_comms(comms)
        )

    def post_update(self, incident_id: str, change: Change, text: str) -> Incident:
        self.flows.require_team(change.by, Permission.UPDATE)
        entry = change.entry(EntryKind.UPDATE, text.strip())

        return self.told(incident_id, entry, lambda incident: incident.record_update(text, change.by, change.at))

    def change_priority(self, incident_id: str, change: Change, priority: Priority) -> Incident:
        """Change the priority; raised to high, leadership is owed one message with the change (followups.py)."""
        self.flows.require_team(change.by, Permission.PRIORITY)
        entry = change.entry(EntryKind.PRIORITY, priority=priority)
        followups = self.flows.followups

        def decide(incident: Incident) -> Decision:
            if incident.priority is priority:
                return None
            changed = incident.change_priority(priority).owe_messages(entry, until=followups.lease())
            return (changed.owe(Followup.NOW_HIGH, until=followups.lease()) if changed.is_high else changed), entry

        incident, changed = self.apply(incident_id, decide)
        if not changed:
            return followups.recover(incident)  # a replay finishes what a failed or crashed run owed
        raised = frozenset({Followup.NOW_HIGH}) if incident.is_high else frozenset()
        return followups.settle(incident, followups=raised, entries=[entry])

    def resolve(self, incident_id: str, change: Change, summary: str, *, service: str = "") -> Incident:
        """Resolve; an incident declared without a service must be given one (availability is per service)."""
        self.flows.require_team(change.by, Permission.RESOLVE)
        followups = self.flows.followups

        def decide(incident: Incident) -> Decision:
            if not incident.is_open:
                return None
            resolved = incident.resolve(summary, change.by, change.at, service)
            owing = resolved.owe(Followup.RESOLUTION, until=followups.lease())
            return owing, change.entry(EntryKind.RESOLVED, resolved.resolution)

        def alarm_pointer(incident: Incident) -> list[str]:
            return [f"ALARM#{incident.alarm.arn}"] if incident.alarm else []

        incident, changed = self.apply(incident_id, decide, drop_pointers=alarm_pointer)
        if not changed:
            return followups.recover(incident)
        return followups.settle(incident, followups=frozenset({Followup.RESOLUTION}))

    def reopen(self, incident_id: str, change: Change) -> Incident:
        self.flows.require_team(change.by, Permission.REOPEN)
        entry = change.entry(EntryKind.REOPENED)

        return self.told(incident_id, entry, lambda incident: None if incident.is_open else incident.reopen())

    def add_to_timeline(self, incident_id: str, entry: TimelineEntry) -> Incident:
        """A person puts a message on the timeline (the shortcut, its picker, a pin): the support team only."""
        self.flows.require_team(entry.actor or "", Permission.TIMELINE)
        return self.add_note(incident_id, entry)

    def add_note(self, incident_id: str, entry: TimelineEntry) -> Incident:
        """Put something on the timeline (a pinned message, a page resolved) without other changes.

        The thread hears of notes people added; the timeline alone keeps what systems did.
        """
        if entry.kind is EntryKind.NOTE:
            return self.told(incident_id, entry, lambda incident: incident)
        incident, _ = self.apply(incident_id, lambda incident: (incident, entry))
        return incident
