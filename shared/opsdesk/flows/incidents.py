"""Declaring and running incidents. Every flow is safe to replay: it completes, never repeats."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import TYPE_CHECKING

from opsdesk.domain.errors import Conflict, InvalidRequest, NotAllowed
from opsdesk.domain.ids import short_id
from opsdesk.domain.incidents import (
    AlarmInfo,
    EntryKind,
    Followup,
    Incident,
    Priority,
    Source,
    TimelineEntry,
)
from opsdesk.flows.followups import Followups
from opsdesk.flows.optimistic import Optimistic
from opsdesk.observability import MetricUnit, record
from opsdesk.store.incidents import AlreadyApplied, IncidentRepository, Pointer

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from opsdesk.domain.ports import IncidentNotifier, IncidentObserver, Team

MIN_TITLE = 3
REFUSAL = (
    "Only the support team can {action}. Anyone can report a problem in the ops channel, and they will pick it up."
)


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


@dataclass
class IncidentFlows:
    """Incident use cases over a repository, a notifier and the support team."""

    repository: IncidentRepository
    notifier: IncidentNotifier
    team: Team
    observers: Sequence[IncidentObserver] = ()
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    @cached_property
    def followups(self) -> Followups:
        return Followups(self.repository, self.notifier, self.observers, self.now)

    def require_team(self, user: str, action: str) -> None:
        if not self.team.is_member(user):
            raise NotAllowed(REFUSAL.format(action=action))

    def declare(self, declaration: Declaration) -> Incident:
        """Store, announce and tell leadership; a replay finds the same incident and finishes it."""
        if declaration.source is Source.SLACK:
            self.require_team(declaration.declared_by, "declare an incident")
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
        ).owe(Followup.ANNOUNCE, until=self.followups.lease())
        who = f"<@{declaration.declared_by}>" if declaration.source is Source.SLACK else declaration.declared_by
        entry = TimelineEntry(
            at=declaration.at,
            kind=EntryKind.DECLARED,
            text=f"Declared by {who} ({incident.priority.value} priority): {incident.title}",
            actor=declaration.declared_by,
            source_key=declaration.source_key,
        )
        pointers = [Pointer(f"ALARM#{declaration.alarm.arn}", incident.id)] if declaration.alarm else []
        if not self.repository.create(incident, entry, pointers):
            # A redelivery: finish what a crashed run left, or leave it to the run still doing it.
            return self.followups.recover(self.repository.get(incident.id))
        record("IncidentsOpened", 1, priority=incident.priority.value, source=incident.source.value)
        return self.followups.settle(incident)

    def record_time_to_lead(self, incident: Incident) -> None:
        elapsed = incident.time_to_lead()
        if elapsed is not None:
            record("TimeToLead", elapsed.total_seconds(), MetricUnit.Seconds, priority=incident.priority.value)


@dataclass(frozen=True)
class Change:
    """Who did what, when, and the Slack id that makes a replay recognisable."""

    by: str
    at: datetime
    source_key: str


class IncidentRunner:
    """The changes people make while an incident runs, each an optimistic, idempotent write."""

    # Enough for a dozen people acting on one incident at the same moment.
    ATTEMPTS = 10

    def __init__(self, flows: IncidentFlows, pause: Callable[[float], None] = time.sleep) -> None:
        self.flows = flows
        self._pause = pause
        self.repository = flows.repository
        self.notifier = flows.notifier

    def apply(
        self,
        incident_id: str,
        change: Change,
        decide: Callable[[Incident], tuple[Incident, TimelineEntry] | None],
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

    def take_lead(
        self, incident_id: str, change: Change, *, user: str | None = None, takeover: bool = False
    ) -> Incident:
        """Make `user` (default: whoever asked) the lead; without takeover, the first taker wins."""
        lead = user or change.by

        def decide(incident: Incident) -> tuple[Incident, TimelineEntry] | None:
            if incident.lead == lead:
                return None
            if incident.lead and not takeover:
                raise Conflict(f"<@{incident.lead}> is already leading {incident.id}.")
            updated = incident.take_lead(lead, change.at)
            text = f"<@{lead}> is now the incident lead" + (f" (set by <@{change.by}>)" if lead != change.by else "")
            return updated, TimelineEntry(change.at, EntryKind.LEAD, text, change.by, change.source_key)

        incident, changed = self.apply(incident_id, change, decide)
        if changed:
            if incident.lead_at == change.at:
                self.flows.record_time_to_lead(incident)
            self.notifier.refresh(incident)
            self.notifier.post_in_thread(incident, f":technologist: <@{lead}> is leading this incident.")
        return incident

    def assign_comms(self, incident_id: str, change: Change, *, user: str | None = None) -> Incident:
        comms = user or change.by

        def decide(incident: Incident) -> tuple[Incident, TimelineEntry] | None:
            if incident.comms == comms:
                return None
            text = f"<@{comms}> is handling communications"
            return incident.assign_comms(comms), TimelineEntry(
                change.at, EntryKind.COMMS, text, change.by, change.source_key
            )

        incident, changed = self.apply(incident_id, change, decide)
        if changed:
            self.notifier.refresh(incident)
            self.notifier.post_in_thread(incident, f":mega: <@{comms}> is handling comms for this incident.")
        return incident

    def post_update(self, incident_id: str, change: Change, text: str) -> Incident:
        def decide(incident: Incident) -> tuple[Incident, TimelineEntry]:
            updated = incident.record_update(text, change.by, change.at)
            entry = TimelineEntry(
                change.at,
                EntryKind.UPDATE,
                f"Update from <@{change.by}>: {updated.last_update_text}",
                change.by,
                change.source_key,
            )
            return updated, entry

        incident, changed = self.apply(incident_id, change, decide)
        if changed:
            self.notifier.refresh(incident)
            self.notifier.post_in_thread(
                incident, f":loudspeaker: *Update* from <@{change.by}>: {incident.last_update_text}"
            )
            self.notifier.tell_leadership(incident, f"Update on {incident.id}")
        return incident

    def change_priority(self, incident_id: str, change: Change, priority: Priority) -> Incident:
        self.flows.require_team(change.by, "change an incident's priority")

        def decide(incident: Incident) -> tuple[Incident, TimelineEntry] | None:
            if incident.priority is priority:
                return None
            text = f"Priority changed to {priority.value} by <@{change.by}>"
            return incident.change_priority(priority), TimelineEntry(
                change.at, EntryKind.PRIORITY, text, change.by, change.source_key
            )

        incident, changed = self.apply(incident_id, change, decide)
        if changed:
            self.notifier.refresh(incident)
            self.notifier.post_in_thread(incident, f":arrows_counterclockwise: Priority is now *{priority.value}*.")
            for observer in self.flows.observers:
                observer.on_priority_changed(incident)
        return incident

    def resolve(self, incident_id: str, change: Change, summary: str) -> Incident:
        self.flows.require_team(change.by, "resolve an incident")

        def decide(incident: Incident) -> tuple[Incident, TimelineEntry] | None:
            if not incident.is_open:
                return None
            resolved = incident.resolve(summary, change.by, change.at)
            text = f"Resolved by <@{change.by}>" + (f": {resolved.resolution}" if resolved.resolution else "")
            owing = resolved.owe(Followup.RESOLUTION, until=self.flows.followups.lease())
            return owing, TimelineEntry(change.at, EntryKind.RESOLVED, text, change.by, change.source_key)

        def alarm_pointer(incident: Incident) -> list[str]:
            return [f"ALARM#{incident.alarm.arn}"] if incident.alarm else []

        incident, changed = self.apply(incident_id, change, decide, drop_pointers=alarm_pointer)
        followups = self.flows.followups
        return followups.settle(incident) if changed else followups.recover(incident)

    def reopen(self, incident_id: str, change: Change) -> Incident:
        self.flows.require_team(change.by, "reopen an incident")

        def decide(incident: Incident) -> tuple[Incident, TimelineEntry] | None:
            if incident.is_open:
                return None
            text = f"Reopened by <@{change.by}>"
            return incident.reopen(), TimelineEntry(change.at, EntryKind.REOPENED, text, change.by, change.source_key)

        incident, changed = self.apply(incident_id, change, decide)
        if changed:
            self.notifier.refresh(incident)
            self.notifier.post_in_thread(incident, f":rotating_light: Reopened by <@{change.by}>.")
        return incident

    def add_note(self, incident_id: str, change: Change, text: str, kind: EntryKind = EntryKind.NOTE) -> Incident:
        """Put something on the timeline (a pinned message, an alarm's recovery) without other changes."""

        def decide(incident: Incident) -> tuple[Incident, TimelineEntry]:
            return incident, TimelineEntry(change.at, kind, text, change.by, change.source_key)

        incident, changed = self.apply(incident_id, change, decide)
        if changed and kind is EntryKind.NOTE:
            self.notifier.timeline_entry_posted(incident, TimelineEntry(change.at, kind, text, change.by))
        return incident
