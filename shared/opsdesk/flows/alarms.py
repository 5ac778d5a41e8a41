"""Alarm state changes to incidents: open, attach, recover. Applied once, never out of order."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TYPE_CHECKING

from opsdesk.alarms.models import AlarmChange, AlarmState
from opsdesk.alarms.routes import route_alarm
from opsdesk.domain.incidents import AlarmInfo, EntryKind, Incident, Source, TimelineEntry
from opsdesk.flows.incidents import Change, Declaration, IncidentFlows, IncidentRunner
from opsdesk.observability import logger

if TYPE_CHECKING:
    from collections.abc import Sequence

    from opsdesk.alarms.routes import AlarmRoute
    from opsdesk.store.alarm_changes import AlarmChanges

ALARM_ACTOR = "CloudWatch"


class Outcome(StrEnum):
    DECLARED = "declared"
    ATTACHED = "attached"
    RECOVERED = "recovered"
    NOTED = "noted"
    DUPLICATE = "duplicate"
    STALE = "stale"
    NO_INCIDENT = "no_incident"


def alarm_info(change: AlarmChange, runbook_url: str | None) -> AlarmInfo:
    return AlarmInfo(
        arn=change.arn,
        name=change.name,
        state=change.state.value,
        state_changed_at=change.changed_at,
        reason=change.reason,
        metric=change.metric,
        threshold=change.threshold,
        region=change.region,
        runbook_url=runbook_url,
    )


@dataclass
class AlarmFlows:
    """Applies alarm changes through the incident flows, with the alarm's routing."""

    flows: IncidentFlows
    runner: IncidentRunner
    changes: AlarmChanges
    routes: Sequence[AlarmRoute] = ()

    def apply(self, change: AlarmChange) -> Outcome:
        """Apply one change; a copy (redelivery, or the other path) changes nothing."""
        key = change.key
        logger.append_keys(alarm=change.name, alarm_state=change.state.value, alarm_change=key[:16])
        lookup = self.changes.lookup(key, change.arn)
        if lookup.seen:
            logger.info("alarm change already applied")
            return Outcome.DUPLICATE
        if lookup.incident_id is None:
            if change.state is not AlarmState.ALARM:
                outcome = Outcome.NO_INCIDENT
            else:
                # The incident's id derives from this change's key, so the incident is the
                # record that it was applied: no separate seen marker, one write fewer.
                self._declare(change)
                return Outcome.DECLARED
        else:
            outcome = self._attach(lookup.incident_id, change)
        self.changes.mark_seen(key, arn=change.arn, state=change.state.value, changed_at=change.changed_at)
        logger.info("alarm change applied", extra={"outcome": outcome.value})
        return outcome

    def _declare(self, change: AlarmChange) -> Incident:
        routing = route_alarm(change.name, change.description, self.routes)
        summary = change.description.splitlines()[0] if change.description else change.reason
        title = f"{change.name}: {summary}" if summary else change.name
        incident = self.flows.declare(
            Declaration(
                title=title,
                priority=routing.priority,
                declared_by=ALARM_ACTOR,
                at=change.changed_at,
                source_key=f"alarm:{change.key}",
                service=routing.service,
                source=Source.ALARM,
                alarm=alarm_info(change, routing.runbook_url),
            )
        )
        logger.info("alarm opened an incident", extra={"incident": incident.id, "outcome": Outcome.DECLARED.value})
        return incident

    def _attach(self, incident_id: str, change: AlarmChange) -> Outcome:
        """Record the change on the alarm's open incident, unless a newer state is already there."""
        entry = Change(by=ALARM_ACTOR, at=change.changed_at, source_key=f"alarm:{change.key}").entry(
            *_entry_for(change)
        )

        def decide(incident: Incident) -> tuple[Incident, TimelineEntry] | None:
            current = incident.alarm
            if current is not None and current.state_changed_at >= change.changed_at:
                return None  # older (or the same) news: never undo what is stored
            runbook = current.runbook_url if current else None
            return replace(incident, alarm=alarm_info(change, runbook)), entry

        incident, changed = self.runner.apply(incident_id, decide)
        if incident.pending:
            # An earlier delivery stored the incident but died before announcing it: finish that.
            incident = self.flows.followups.recover(incident)
        if not changed:
            logger.info("alarm change older than the incident's alarm state; ignored", extra={"incident": incident_id})
            return Outcome.STALE
        notifier = self.flows.notifier
        notifier.refresh(incident)
        if change.state is AlarmState.OK:
            notifier.offer_resolve_after_recovery(incident, change.name)
            return Outcome.RECOVERED
        if change.state is AlarmState.ALARM:
            notifier.recorded(incident, entry)
            return Outcome.ATTACHED
        return Outcome.NOTED


def _entry_for(change: AlarmChange) -> tuple[EntryKind, str]:
    reason = f": {change.reason}" if change.reason else ""
    if change.state is AlarmState.OK:
        return EntryKind.RECOVERED, f"Alarm {change.name} recovered (OK){reason}"
    if change.state is AlarmState.ALARM:
        return EntryKind.ALARM, f"Alarm {change.name} is in ALARM again{reason}"
    return EntryKind.NOTE, f"Alarm {change.name} has insufficient data{reason}"
