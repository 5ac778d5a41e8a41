"""What people (or a route) decide about an alert group: declare an incident from it, or say it is not one.

Declaring keys the incident on the group (`alert:<group id>`), so two people clicking at the same
moment get one incident: the second finds the first's. The incident's timeline starts with the
group's alarm history, each of its alarms then points to the incident (their later changes go
there), and the group records which incident it became.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from opsdesk.domain.alerts import AlertGroup, AlertLine, AlertNote, AlertStatus, NoteKind, PageState
from opsdesk.domain.incidents import EntryKind, Incident, Priority, Source, TimelineEntry
from opsdesk.flows.incidents import Declaration
from opsdesk.flows.optimistic import Optimistic
from opsdesk.flows.permissions import Permission
from opsdesk.observability import MetricUnit, logger, record
from opsdesk.store.incidents import AlreadyApplied

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from datetime import datetime

    from opsdesk.domain.ports import AlertNotifier
    from opsdesk.flows.alert_paging import AlertPaging
    from opsdesk.flows.incidents import IncidentFlows
    from opsdesk.store.alarm_changes import AlarmChanges
    from opsdesk.store.alerts import AlertRepository, Companion

ALARM_ACTOR = "CloudWatch"
# A transaction holds 100 items; the incident's own write is one of them.
HISTORY_PER_WRITE = 99


class AlertDecisions:
    """Declare from an alert, dismiss one, and keep its out-of-hours page in step."""

    def __init__(
        self,
        alerts: AlertRepository,
        changes: AlarmChanges,
        incidents: IncidentFlows,
        notifier: AlertNotifier,
        *,
        paging: AlertPaging,
        now: Callable[[], datetime],
    ) -> None:
        self.alerts = alerts
        self.changes = changes
        self.incidents = incidents
        self.notifier = notifier
        self.paging = paging
        self.now = now

    def declare(
        self, group_id: str, *, by: str, title: str, priority: Priority, service: str = "", user_impact: str = ""
    ) -> Incident:
        """A person declares an incident from the alert (only the support team may)."""
        self.incidents.require_team(by, Permission.DECLARE)
        group = self.alerts.get(group_id)
        return self._declare(
            group, Declaration(title, priority, by, self.now(), f"alert:{group.id}", service, user_impact)
        )

    def declare_by_route(self, group: AlertGroup) -> Incident:
        """The route says its alarms are always incidents: declare from the alert (just stored) without waiting."""
        declaration = Declaration(
            title=group.suggested_title,
            priority=group.priority,
            declared_by=ALARM_ACTOR,
            at=group.last_alert_at,
            source_key=f"alert:{group.id}",
            service=group.service,
            source=Source.ALARM,
        )
        return self._declare(group, declaration)

    def _declare(self, group: AlertGroup, declaration: Declaration) -> Incident:
        if group.incident_id:
            return self.incidents.repository.get(group.incident_id)
        primary = group.primary()
        incident = self.incidents.declare(replace(declaration, alarm=primary.info()))
        incident = self._attach_history(incident, self._history(group))
        for alarm in group.alarms:
            if alarm.arn != primary.arn and not self.changes.point_to_incident(
                alarm.arn, incident.id, incident.declared_at
            ):
                logger.warning("alarm already points to another open incident", extra={"alarm": alarm.name})
        decided_at = declaration.at

        def decide(current: AlertGroup) -> AlertGroup | None:
            if current.incident_id:
                return None
            return current.declare(incident.id, declaration.declared_by, decided_at)

        stored, changed = self._save(group, decide, [self.alerts.incident_pointer(incident.id, group.id)])
        if changed:
            record("AlertsDeclared", 1, source=declaration.source.value)
            elapsed = stored.time_to_declare()
            if elapsed is not None:
                record("TimeToDeclare", elapsed.total_seconds(), MetricUnit.Seconds, source=declaration.source.value)
            note = AlertNote(NoteKind.DECLARED, actor=declaration.declared_by, incident_id=incident.id)
            self._tell(stored, note, key=f"declared:{incident.id}")
        return incident

    def _history(self, group: AlertGroup) -> Sequence[AlertLine]:
        """The group's alarm history; a group of one change is that change (no read)."""
        if group.raised == 1 and len(group.alarms) == 1 and group.primary().state == "ALARM":
            alarm = group.primary()
            return [AlertLine(group.source_key, group.opened_at, alarm.name, alarm.state, alarm.reason)]
        return self.alerts.lines(group.id)

    def _attach_history(self, incident: Incident, lines: Sequence[AlertLine]) -> Incident:
        """Start the incident's timeline with the alarm history (entries keyed like the alarm path's: once each)."""
        repository = self.incidents.repository
        incident_id = incident.id
        entries = [_history_entry(line) for line in lines]
        for start in range(0, len(entries), HISTORY_PER_WRITE):
            chunk = entries[start : start + HISTORY_PER_WRITE]

            def save(incident: Incident, chunk: Sequence[TimelineEntry] = chunk) -> Incident | None:
                try:
                    return repository.save(incident, chunk)
                except AlreadyApplied:
                    return None

            writes: Optimistic[Incident, Incident] = Optimistic(
                lambda: repository.get(incident_id), save, f"{incident_id} is changing fast; please try again."
            )
            incident, _ = writes.apply(lambda current: current, start=incident)
        return incident

    def dismiss(self, group_id: str, *, by: str, why: str) -> AlertGroup:
        """A person says the alert is not an incident: closed, with who and why, in its thread."""
        self.incidents.require_team(by, Permission.DISMISS_ALERT)
        at = self.now()

        def decide(current: AlertGroup) -> AlertGroup | None:
            if current.status is AlertStatus.DISMISSED:
                return None
            return current.dismiss(by, why, at)

        stored, changed = self._save(self.alerts.get(group_id), decide)
        if changed:
            record("AlertsDismissed", 1)
            self._tell(stored, AlertNote(NoteKind.DISMISSED, actor=by, text=stored.reason), key=f"dismissed:{at}")
        return stored

    def page_if_due(self, group: AlertGroup) -> PageState | None:
        """Page out of hours for a high-priority open alert, resolve the page once it closed: the new state."""
        return self.paging.keep_in_step(group, self.now())

    def paged_for(self, incident: Incident) -> bool:
        """Whether the alert the incident was declared from has paged already (its page then covers the incident)."""
        if incident.alarm is None:  # not declared from an alert (which always gives its alarm): no timeline read
            return False
        declared = next(
            (entry for entry in self.incidents.timeline(incident.id) if entry.kind is EntryKind.DECLARED), None
        )
        if declared is None or not declared.source_key.startswith("alert:"):
            return False
        group = self.alerts.find(declared.source_key.removeprefix("alert:"))
        return group is not None and group.page is PageState.TRIGGERED

    def incident_resolved(self, incident_id: str) -> None:
        """The incident an alert became is resolved: the alert's page (if any) resolves with it."""
        group_id = self.alerts.group_of(incident_id)
        group = self.alerts.find(group_id) if group_id else None
        if group is not None and group.page is PageState.TRIGGERED:
            self._keep_page(group, self.paging.resolve(group))

    def _save(
        self,
        group: AlertGroup,
        decide: Callable[[AlertGroup], AlertGroup | None],
        companions: Sequence[Companion] = (),
    ) -> tuple[AlertGroup, bool]:
        writes: Optimistic[AlertGroup, AlertGroup] = Optimistic(
            lambda: self.alerts.get(group.id),
            lambda decided: self.alerts.save(decided, companions=companions),
            f"{group.id} is changing fast; please try again.",
            10,
        )
        return writes.apply(decide, start=group)

    def _tell(self, group: AlertGroup, note: AlertNote, *, key: str) -> None:
        self.notifier.refresh(group)
        self.notifier.note(group, note, key=key)
        self._keep_page(group, self.page_if_due(group))

    def _keep_page(self, group: AlertGroup, page: PageState | None) -> None:
        if page is not None:
            self.alerts.settle(group, [], page=page)


def _history_entry(line: AlertLine) -> TimelineEntry:
    reason = f": {line.reason}" if line.reason else ""
    kind = {"ALARM": EntryKind.ALARM, "OK": EntryKind.RECOVERED}.get(line.state, EntryKind.NOTE)
    text = f"Alarm {line.name} went to {line.state}{reason}"
    return TimelineEntry(line.at, kind, text, ALARM_ACTOR, f"alarm:{line.key}")
