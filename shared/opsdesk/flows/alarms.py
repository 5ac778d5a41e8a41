"""Alarm state changes to alerts (or to the incident an alarm already belongs to). Applied once, never out of order.

An ALARM raises an alert in the support team's channel, or joins the open group of its grouping key (a
storm is one conversation); a person then declares an incident from it or says it is not one, unless
its route declares by itself. An alarm that belongs to an open incident keeps today's behaviour: its
changes go to the incident, OK is noted with "Recovered: resolve?", never closing it.

Each alarm's last applied state (time and value) is kept, so a change older than it (an ALARM after a
newer OK) is stale whatever else exists. A change is stored in one transaction (the group, its history
line, the alarm's state, the key's latest group) with the follow-ups it owes (post, thread lines, page),
under a lease; the run does them, then records them done with the change's seen marker. A replay of a
change stored but not marked seen finishes the follow-ups left owed (as flows/followups.py does for
incidents), or leaves them to a live owner.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from opsdesk import deadline
from opsdesk.alarms.models import AlarmChange, AlarmState
from opsdesk.alarms.routes import route_alarm
from opsdesk.domain.alerts import (
    AlertAlarm,
    AlertGroup,
    AlertLine,
    AlertMessage,
    AlertStatus,
    Duty,
    Owed,
    alert_title,
)
from opsdesk.domain.errors import Conflict
from opsdesk.domain.ids import candidate_ids, short_id
from opsdesk.domain.incidents import AlarmInfo, EntryKind, Incident, TimelineEntry
from opsdesk.flows.alerts import ALARM_ACTOR
from opsdesk.flows.followups import LEASE
from opsdesk.flows.incidents import Change
from opsdesk.flows.optimistic import jitter
from opsdesk.observability import logger, record
from opsdesk.store.alerts import GroupIdTaken

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from datetime import datetime

    from opsdesk.alarms.routes import AlarmRoute, Routing
    from opsdesk.alarms.scope import AlarmScope
    from opsdesk.domain.ports import Posted
    from opsdesk.flows.alerts import AlertDecisions
    from opsdesk.flows.incidents import IncidentFlows, IncidentRunner
    from opsdesk.store.alarm_changes import AlarmChanges, AppliedState, Lookup
    from opsdesk.store.alerts import AlertRepository
    from opsdesk.store.dynamodb import Item

# Alarms racing for one group: each round one writer wins (see IncidentRunner.ATTEMPTS).
ATTEMPTS = 25
# How long a line waits for the message of a group another run opened a moment ago (seconds, in turn).
MESSAGE_WAITS = (0.1, 0.2, 0.4, 0.8, 0.8)


class Outcome(StrEnum):
    RAISED = "raised"  # a new alert group
    GROUPED = "grouped"  # joined an open group (or a recovered one, reopening it)
    DECLARED = "declared"  # its route declares by itself
    ALERT_UPDATED = "alert_updated"  # OK or no data on an alarm of an open group
    CLOSED = "closed"  # the group's last firing alarm recovered: closed on its own
    ATTACHED = "attached"
    RECOVERED = "recovered"
    NOTED = "noted"
    DUPLICATE = "duplicate"
    STALE = "stale"
    NO_ALERT = "no_alert"
    IGNORED = "ignored"  # not opted in


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
    """Applies alarm changes: alerts through the alert store, an incident's alarms through the incident flows."""

    flows: IncidentFlows
    runner: IncidentRunner
    changes: AlarmChanges
    decisions: AlertDecisions
    scope: AlarmScope
    window_minutes: int = 10
    routes: Sequence[AlarmRoute] = ()
    pause: Callable[[float], None] | None = None

    @property
    def alerts(self) -> AlertRepository:
        return self.decisions.alerts

    def apply(self, change: AlarmChange) -> Outcome:
        """Apply one change; a copy (redelivery, or the other path) changes nothing."""
        logger.append_keys(alarm=change.name, alarm_state=change.state.value, alarm_change=change.key[:16])
        if not self.scope.admits(change):
            logger.info("alarm not opted in (no AlarmNamePrefixes match); ignored", extra={"via": change.via})
            return Outcome.IGNORED
        routing = route_alarm(change.name, change.description, self.routes)
        for attempt in range(ATTEMPTS):
            if attempt and self.pause is not None:
                self.pause(jitter(attempt))
            try:
                outcome = self._apply_once(change, routing)
            except Conflict:
                continue  # another alarm changed the group or the key's latest group: read again
            logger.info("alarm change applied", extra={"outcome": outcome.value})
            return outcome
        raise Conflict("Alarms are changing fast; the change will be applied when it is delivered again.")

    def _apply_once(self, change: AlarmChange, routing: Routing) -> Outcome:
        lookup = self.changes.lookup(change.key, change.arn, routing.group_key)
        known = self._known(change, lookup)
        if known is not None:
            return known
        last = lookup.last
        if lookup.incident_id is not None:
            outcome = self._attach(lookup.incident_id, change)
            if outcome is not None:
                self._record_state(change, last.group_id if last else None)
                return outcome
        if change.state is AlarmState.ALARM:
            return self._raise(change, routing, lookup)
        group = self.alerts.find(last.group_id) if last and last.group_id else None
        if group is None or not group.is_open or group.alarm(change.arn) is None:
            self._record_state(change, None)
            return Outcome.NO_ALERT
        return self._update(group, change, routing)

    def _known(self, change: AlarmChange, lookup: Lookup) -> Outcome | None:
        """A copy, an older change than the one applied, or one a run stored and has not finished; else None."""
        if lookup.seen:
            return Outcome.DUPLICATE
        last = lookup.last
        if last is not None and last.changed_at > change.changed_at:
            return Outcome.STALE  # never undo a newer state, open nothing
        if last is not None and last.changed_at == change.changed_at and last.state == change.state.value:
            return self._finish(change, last)
        return None

    # ---- alerts
    def _alarm(self, change: AlarmChange, routing: Routing) -> AlertAlarm:
        return AlertAlarm(
            arn=change.arn,
            name=change.name,
            state=change.state.value,
            changed_at=change.changed_at,
            first_fired_at=change.changed_at,
            reason=change.reason,
            metric=change.metric,
            threshold=change.threshold,
            region=change.region,
            runbook_url=routing.runbook_url,
            service=routing.service,
            priority=routing.priority,
        )

    def _line(self, change: AlarmChange) -> AlertLine:
        return AlertLine(change.key, change.changed_at, change.name, change.state.value, change.reason)

    def _raise(self, change: AlarmChange, routing: Routing, lookup: Lookup) -> Outcome:
        latest = self.alerts.find(lookup.latest_group) if lookup.latest_group else None
        if latest is not None and self._joins(latest, change):
            return self._update(latest, change, routing)
        alarm = self._alarm(change, routing)
        group = AlertGroup(
            id=short_id("ALR", change.key),
            key=routing.group_key,
            title=alert_title(change.name, change.description, change.reason),
            source_key=change.key,
            opened_at=change.changed_at,
            last_alert_at=change.changed_at,
            alarms=(alarm,),
            raised=1,
            auto_declare=routing.auto_declare,
        )
        group = group.owe([Owed(f"{change.key}:post", Duty.POST, self._lease())])
        group = self._create(group, change, lookup.latest_group)
        record("AlertsRaised", 1)
        return self._follow_up(group, change, Outcome.RAISED)

    def _create(self, group: AlertGroup, change: AlarmChange, previous: str | None) -> AlertGroup:
        """Store a new group under the shortest id no other change's group holds (domain/ids.py)."""
        for candidate_id in candidate_ids("ALR", change.key):
            candidate = replace(group, id=candidate_id)
            companions = [
                self.changes.state_write(change.arn, change.name, change.state.value, change.changed_at, candidate.id),
                self.alerts.latest(group.key, candidate.id, previous),
            ]
            try:
                created = self.alerts.create(candidate, self._line(change), companions)
            except GroupIdTaken:
                record("AlertIdCollisions", 1)
                continue
            if not created:  # a copy of this change stored it: read again, and finish it (or leave it to its owner)
                raise Conflict(f"{candidate.id} was stored by another delivery of this change.")
            return candidate
        raise Conflict("Could not find a free alert id.")  # 31^12 ids: unreachable unless the hash is broken

    def _joins(self, group: AlertGroup, change: AlarmChange) -> bool:
        if not group.takes(change.arn, change.changed_at, self._window()):
            return False
        if group.status is AlertStatus.DECLARED and group.incident_id:
            incident = self.flows.repository.find(group.incident_id)
            return incident is not None and incident.is_open  # a resolved incident's storm is over
        return True

    def _update(self, group: AlertGroup, change: AlarmChange, routing: Routing) -> Outcome:
        known = group.alarm(change.arn) is not None
        updated, notes = group.record(self._alarm(change, routing))
        until = self._lease()
        owed = [Owed(f"{change.key}:{index}", Duty.NOTE, until, note=note) for index, note in enumerate(notes)]
        if updated.status is AlertStatus.DECLARED:
            owed.append(Owed(f"{change.key}:attach", Duty.ATTACH, until, line=self._line(change)))
        updated = self.alerts.save(
            updated.owe(owed),
            self._line(change),
            [self.changes.state_write(change.arn, change.name, change.state.value, change.changed_at, group.id)],
        )
        if change.state is AlarmState.ALARM and not known:
            record("AlertsGrouped", 1)
        if updated.status is AlertStatus.RECOVERED and group.status is not AlertStatus.RECOVERED:
            record("AlertsRecovered", 1)
            outcome = Outcome.CLOSED
        elif change.state is AlarmState.ALARM:
            outcome = Outcome.ATTACHED if updated.status is AlertStatus.DECLARED else Outcome.GROUPED
        else:
            outcome = Outcome.ALERT_UPDATED
        return self._follow_up(updated, change, outcome)

    def _follow_up(
        self, group: AlertGroup, change: AlarmChange, outcome: Outcome, *, recovering: bool = False
    ) -> Outcome:
        """Do what this change owes (its keys start with the change's), then record them done with its seen marker.

        Lines owed by runs that could not post them (their group had no message yet) are posted too, once
        their lease has passed; a line that still finds no message stays owed for the next change.
        """
        mine = [owed for owed in group.owed if owed.key.startswith(f"{change.key}:")]
        if group.message is None and not any(owed.duty is Duty.POST for owed in mine):
            group = self._wait_for_message(group)
        notifier = self.decisions.notifier
        if group.message is None:
            mine = [owed for owed in mine if owed.duty is not Duty.NOTE]
        else:
            left = [owed for owed in group.abandoned(self.decisions.now()) if owed.duty is Duty.NOTE]
            mine += [owed for owed in left if owed not in mine]
        for owed in mine:
            if owed.duty is Duty.POST and group.message is None:
                group = replace(group, message=posted_message(notifier.post(group, recovering=recovering)))
            elif owed.duty is Duty.NOTE and owed.note is not None:
                again = recovering or not owed.key.startswith(f"{change.key}:")
                notifier.note(group, owed.note, key=owed.key, recovering=again)
            elif owed.duty is Duty.ATTACH and owed.line is not None and group.incident_id:
                self._attach_to(group.incident_id, change)
        if group.message is not None and not any(owed.duty is Duty.POST for owed in mine):
            notifier.refresh(group)
        page = self.decisions.page_if_due(group)
        if group.auto_declare and group.is_open and change.state is AlarmState.ALARM:
            # Before the seen marker: a run that dies here leaves it owed, and the replay declares (once).
            self.decisions.declare_by_route(group)
            outcome = Outcome.DECLARED
        done = [owed.key for owed in mine]
        self.alerts.settle(group, done, message=group.message, page=page, also=self._seen(change))
        return outcome

    def _wait_for_message(self, group: AlertGroup) -> AlertGroup:
        """A group opened a moment ago by another run: wait (briefly) for its message, to thread this line under it."""
        for wait in MESSAGE_WAITS:
            if self.pause is None or not deadline.allows(wait):
                break
            self.pause(wait)
            group = self.alerts.get(group.id)
            if group.message is not None:
                break
        return group

    def _finish(self, change: AlarmChange, last: AppliedState) -> Outcome:
        """A delivery stored this change and has not marked it seen: finish its follow-ups, unless it still can."""
        group = self.alerts.find(last.group_id) if last.group_id else None
        mine = [owed for owed in group.owed if owed.key.startswith(f"{change.key}:")] if group else []
        if group is None or not mine:
            self.changes.mark_seen(self._seen(change))
            return Outcome.DUPLICATE
        if any(owed.until > self.decisions.now() for owed in mine):
            return Outcome.DUPLICATE  # the run that stored it is alive and doing them
        taken = self.alerts.save(group.owe(replace(owed, until=self._lease()) for owed in mine))
        logger.info("finishing follow-ups of a change stored by a run that died", extra={"group": group.id})
        return self._follow_up(taken, change, Outcome.DUPLICATE, recovering=True)

    def _record_state(self, change: AlarmChange, group_id: str | None) -> None:
        state = self.changes.state_write(change.arn, change.name, change.state.value, change.changed_at, group_id)
        if not self.changes.record(state, self._seen(change)):
            raise Conflict("a newer state of the alarm was stored meanwhile")

    def _seen(self, change: AlarmChange) -> Item:
        return self.changes.seen_item(
            change.key, arn=change.arn, state=change.state.value, changed_at=change.changed_at
        )

    def _lease(self) -> datetime:
        return self.decisions.now() + LEASE

    def _window(self) -> timedelta:
        return timedelta(minutes=self.window_minutes)

    # ---- an incident's alarms
    def _attach_to(self, incident_id: str, change: AlarmChange) -> None:
        """A declared group's new alarm: it goes to the incident from now on."""
        self.changes.point_to_incident(change.arn, incident_id, change.changed_at)
        self._attach(incident_id, change)

    def _attach(self, incident_id: str, change: AlarmChange) -> Outcome | None:
        """Record the change on the alarm's open incident; None when that incident is no longer open."""
        entry = Change(by=ALARM_ACTOR, at=change.changed_at, source_key=f"alarm:{change.key}").entry(
            *_entry_for(change)
        )
        closed = False

        def decide(incident: Incident) -> tuple[Incident, TimelineEntry] | None:
            nonlocal closed
            if not incident.is_open:
                closed = True
                return None
            current = incident.alarm
            if current is not None and current.arn == change.arn and current.state_changed_at >= change.changed_at:
                return None  # older (or the same) news: never undo what is stored
            if current is None or current.arn == change.arn:
                runbook = current.runbook_url if current else None
                incident = replace(incident, alarm=alarm_info(change, runbook))
            return incident, entry

        incident, changed = self.runner.apply(incident_id, decide)
        if closed:
            self.changes.forget_incident(change.arn, incident_id)  # left by an alert's other alarms
            return None
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


def posted_message(posted: Posted) -> AlertMessage:
    return AlertMessage(posted.channel, posted.ts)


def _entry_for(change: AlarmChange) -> tuple[EntryKind, str]:
    reason = f": {change.reason}" if change.reason else ""
    if change.state is AlarmState.OK:
        return EntryKind.RECOVERED, f"Alarm {change.name} recovered (OK){reason}"
    if change.state is AlarmState.ALARM:
        return EntryKind.ALARM, f"Alarm {change.name} is in ALARM again{reason}"
    return EntryKind.NOTE, f"Alarm {change.name} has insufficient data{reason}"
