"""Alerts before incidents: alarms that fire are grouped into one conversation until a person decides.

An ALARM raises an alert. Alerts that fire while a group is still open, within the grouping window of
its last alert, join that group, so a storm of alarms is one conversation for the support team, who
then declare an incident from it or say it is not one. A group whose alarms all return to OK before
anyone decides closes by itself ("recovered on its own"), and opens again if one of them fires within
the window. A group that became an incident takes later alerts of its window onto that incident.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from opsdesk.domain.errors import Conflict
from opsdesk.domain.incidents import AlarmInfo, Priority

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime

# A group keeps each alarm's latest state in one item: past this many alarms a storm opens a second group.
MAX_ALARMS = 100
ALARM = "ALARM"
OK = "OK"


class AlertStatus(StrEnum):
    OPEN = "open"  # waiting for the support team
    DECLARED = "declared"  # became an incident
    DISMISSED = "dismissed"  # not an incident, said by a person
    RECOVERED = "recovered"  # every alarm OK again before anyone decided


class PageState(StrEnum):
    NONE = "none"
    TRIGGERED = "triggered"
    RESOLVED = "resolved"


@dataclass(frozen=True)
class AlertAlarm:
    """One alarm of a group as it was last seen, with what its route suggests."""

    arn: str
    name: str
    state: str
    changed_at: datetime
    first_fired_at: datetime
    reason: str = ""
    metric: str = ""
    threshold: str = ""
    region: str = ""
    runbook_url: str | None = None
    service: str = ""
    priority: Priority = Priority.NORMAL

    def info(self) -> AlarmInfo:
        """The alarm as an incident records it."""
        return AlarmInfo(
            arn=self.arn,
            name=self.name,
            state=self.state,
            state_changed_at=self.changed_at,
            reason=self.reason,
            metric=self.metric,
            threshold=self.threshold,
            region=self.region,
            runbook_url=self.runbook_url,
        )


@dataclass(frozen=True)
class AlertLine:
    """One alarm state change applied to a group: together, the alarm history an incident's timeline starts with."""

    key: str  # the alarm change's own key (ARN + state time + state)
    at: datetime
    name: str
    state: str
    reason: str = ""


class NoteKind(StrEnum):
    JOINED = "joined"  # an alarm fired and joined the group
    FIRED_AGAIN = "fired_again"
    ALARM_OK = "alarm_ok"
    NO_DATA = "no_data"
    RECOVERED = "recovered"  # every alarm OK: closed on its own
    DECLARED = "declared"
    DISMISSED = "dismissed"
    PAGED = "paged"
    PAGE_FAILED = "page_failed"
    PAGE_RESOLVED = "page_resolved"


@dataclass(frozen=True)
class AlertNote:
    """A line the group's thread is owed: what happened, to which alarm, by whom (people stay ids)."""

    kind: NoteKind
    alarm: str = ""
    reason: str = ""
    actor: str | None = None
    text: str = ""  # why it was dismissed; why paging failed
    incident_id: str = ""
    reopened: bool = False
    firing: int = 0  # how many alarms were firing after the change
    alarms: int = 0  # how many alarms the group had


class Duty(StrEnum):
    POST = "post"  # the group's message in the team channel
    NOTE = "note"  # a line in its thread
    PAGE = "page"  # trigger the out-of-hours page
    UNPAGE = "unpage"  # resolve it
    ATTACH = "attach"  # put an alarm change on the incident the group became


@dataclass(frozen=True)
class Owed:
    """One follow-up a stored change owes, held by the run whose lease ends `until` (see flows/alert_followups.py)."""

    key: str
    duty: Duty
    until: datetime
    note: AlertNote | None = None
    line: AlertLine | None = None  # ATTACH: the change to record on the incident


@dataclass(frozen=True)
class AlertMessage:
    """Where the group's message lives in Slack, so it can be edited in place."""

    channel: str
    ts: str


@dataclass(frozen=True)
class AlertGroup:
    """Alerts grouped into one conversation, and what the support team decided about them."""

    id: str
    key: str  # the grouping key: the route's `group`, or "" for the default
    title: str
    source_key: str  # the change that opened it: tells a replay from an id collision
    opened_at: datetime
    last_alert_at: datetime
    status: AlertStatus = AlertStatus.OPEN
    alarms: tuple[AlertAlarm, ...] = ()
    raised: int = 0  # ALARMs that opened or joined the group, re-fires included
    auto_declare: bool = False
    incident_id: str | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None
    reason: str = ""  # why it is not an incident
    closed_at: datetime | None = None
    message: AlertMessage | None = None
    page: PageState = PageState.NONE
    owed: tuple[Owed, ...] = ()
    version: int = 0

    @property
    def is_open(self) -> bool:
        return self.status is AlertStatus.OPEN

    @property
    def priority(self) -> Priority:
        """What the routes suggest: high when any alarm's route says so."""
        return Priority.HIGH if any(alarm.priority is Priority.HIGH for alarm in self.alarms) else Priority.NORMAL

    @property
    def service(self) -> str:
        return next((alarm.service for alarm in self.alarms if alarm.service), "")

    @property
    def firing(self) -> tuple[AlertAlarm, ...]:
        return tuple(alarm for alarm in self.alarms if alarm.state == ALARM)

    @property
    def suggested_title(self) -> str:
        others = len(self.alarms) - 1
        return f"{self.title} (+{others} more alarm{'s' if others > 1 else ''})" if others > 0 else self.title

    def alarm(self, arn: str) -> AlertAlarm | None:
        return next((alarm for alarm in self.alarms if alarm.arn == arn), None)

    def primary(self) -> AlertAlarm:
        """The alarm the group is named after: the first to fire."""
        return self.alarms[0]

    def takes(self, arn: str, at: datetime, window: timedelta) -> bool:
        """Whether an alert of this group's key, firing at `at`, joins it rather than opening a new group."""
        if self.status is AlertStatus.DISMISSED:
            return False  # a person closed it; what fires next deserves its own look
        if self.alarm(arn) is None and len(self.alarms) >= MAX_ALARMS:
            return False
        return self.opened_at - window <= at <= self.last_alert_at + window

    def record(self, alarm: AlertAlarm) -> tuple[AlertGroup, list[AlertNote]]:
        """Apply an alarm's new state; the notes its thread is owed (a recovery of the whole group among them)."""
        known = self.alarm(alarm.arn)
        first = known.first_fired_at if known else alarm.first_fired_at
        alarm = replace(alarm, first_fired_at=first)
        alarms = tuple(alarm if item.arn == alarm.arn else item for item in self.alarms)
        group = replace(self, alarms=alarms if known else (*self.alarms, alarm))
        reopened = False
        if alarm.state == ALARM:
            reopened = self.status is AlertStatus.RECOVERED
            group = replace(
                group,
                raised=self.raised + 1,
                last_alert_at=max(self.last_alert_at, alarm.changed_at),
                status=AlertStatus.OPEN if reopened else self.status,
                closed_at=None if reopened else self.closed_at,
            )
        kind = _note_kind(alarm.state, known)
        firing, count = len(group.firing), len(group.alarms)
        notes = [AlertNote(kind, alarm=alarm.name, reason=alarm.reason, reopened=reopened, firing=firing, alarms=count)]
        if group.is_open and not group.firing and all(item.state == OK for item in group.alarms):
            group = replace(group, status=AlertStatus.RECOVERED, closed_at=alarm.changed_at)
            notes.append(AlertNote(NoteKind.RECOVERED, firing=firing, alarms=count))
        return group, notes

    def declare(self, incident_id: str, by: str, at: datetime) -> AlertGroup:
        if self.incident_id:
            return self
        return replace(
            self, status=AlertStatus.DECLARED, incident_id=incident_id, decided_by=by, decided_at=at, closed_at=None
        )

    def dismiss(self, by: str, why: str, at: datetime) -> AlertGroup:
        if self.status is AlertStatus.DECLARED:
            raise Conflict(f"{self.id} became {self.incident_id}: resolve the incident instead.")
        return replace(
            self, status=AlertStatus.DISMISSED, decided_by=by, decided_at=at, reason=why.strip(), closed_at=at
        )

    def time_to_declare(self) -> timedelta | None:
        if self.status is not AlertStatus.DECLARED or self.decided_at is None:
            return None
        return max(self.decided_at - self.opened_at, timedelta(0))

    # ---- follow-ups owed
    def owe(self, duties: Iterable[Owed]) -> AlertGroup:
        added = {owed.key: owed for owed in duties}
        kept = tuple(owed for owed in self.owed if owed.key not in added)
        return replace(self, owed=(*kept, *added.values()))

    def settle(self, done: Iterable[str]) -> AlertGroup:
        finished = set(done)
        return replace(self, owed=tuple(owed for owed in self.owed if owed.key not in finished))

    def abandoned(self, now: datetime) -> tuple[Owed, ...]:
        """Follow-ups owed by runs that can no longer be alive."""
        return tuple(owed for owed in self.owed if owed.until <= now)


def _note_kind(state: str, known: AlertAlarm | None) -> NoteKind:
    if state == ALARM:
        return NoteKind.FIRED_AGAIN if known else NoteKind.JOINED
    return NoteKind.ALARM_OK if state == OK else NoteKind.NO_DATA


def alert_title(name: str, description: str, reason: str) -> str:
    """What an alarm's alert (and the incident it may become) is called: its name and what it says."""
    summary = description.strip().splitlines()[0] if description.strip() else reason
    return f"{name}: {summary}" if summary else name
