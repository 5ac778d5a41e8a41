"""The hourly gathering of a high-priority incident, reminders to give updates on schedule, and the team's answers.

Both are driven by the schedule's time (every 5 minutes) and anchored on the incident's own grid, so a
late, missed or repeated tick never skips or doubles one. "Giving updates at regular schedules"
(support-process.md): while an incident is open, whoever handles comms (the lead when nobody does) is
reminded in the thread once per `UPDATE_MINUTES` without an update (30 high, 120 normal), normal
priority only in support hours. The question and the reminder are owed with the write that records them
(flows/followups.py): if Slack fails or the run dies before they are posted, the tick's retry (or the next
tick) finds them owed and posts each once.
"""

from __future__ import annotations

from dataclasses import replace
from enum import StrEnum
from typing import TYPE_CHECKING

from opsdesk.domain.incidents import EntryKind, Followup, Incident, Priority, TimelineEntry
from opsdesk.flows.incidents import Change
from opsdesk.flows.optimistic import Optimistic
from opsdesk.flows.permissions import Permission

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import datetime, timedelta

    from opsdesk.domain.clock import SupportHours
    from opsdesk.flows.incidents import IncidentRunner


class CheckinAnswer(StrEnum):
    MORE_PEOPLE = "more_people"
    ALL_GOOD = "all_good"
    COMMS_CURRENT = "comms_current"


# What the timeline says after the person who answered.
ANSWERS = {
    CheckinAnswer.MORE_PEOPLE: "says we need more people or skills",
    CheckinAnswer.ALL_GOOD: "says the team on it is enough",
    CheckinAnswer.COMMS_CURRENT: "confirms external comms are current",
}


# What a tick owes the thread once it has stored a check-in or a reminder.
TICK_OWES = frozenset({Followup.CHECKIN_QUESTION, Followup.UPDATE_REMINDER})


def due_boundary(incident: Incident, now: datetime, every: timedelta) -> datetime | None:
    """The latest check-in time due at `now`, on the incident's own hourly grid, if not yet held.

    Anchoring on the declaration time (not on when the last tick ran) is what makes a
    late, missed or repeated tick land on the same boundary: never skipped, never doubled.
    """
    if not incident.checkin_due(now, every):
        return None
    periods = int((now - incident.declared_at) / every)
    return incident.declared_at + periods * every


class CheckIns:
    """Posts due check-ins and reminds comms when an update is late; records the answers."""

    def __init__(
        self,
        runner: IncidentRunner,
        every: timedelta,
        update_every: Mapping[Priority, timedelta],
        hours: SupportHours,
    ) -> None:
        self.runner = runner
        self.every = every
        self.update_every = update_every
        self.hours = hours

    def run(self, now: datetime) -> dict[str, object]:
        """Hold the check-ins and send the update reminders due at `now` (only open incidents are read)."""
        incidents = self.runner.repository.list_open()
        held = reminded = 0
        followups = self.runner.flows.followups
        for listed in incidents:
            # A question or reminder a failed or crashed tick stored but never posted: its retry finishes it here.
            # Only the tick's own: what a command still owes is its redelivery's to finish, not every tick's.
            incident = followups.recover(listed) if listed.pending & TICK_OWES else listed
            boundary = due_boundary(incident, now, self.every)
            asked = self._hold(incident, boundary) if boundary is not None else None
            if asked is not None:
                held += 1
                incident = asked  # the reminder decides on what is stored now, not on a version just replaced
            if self._remind(incident, now):
                reminded += 1
        return {"open": len(incidents), "checkins": held, "update_reminders": reminded}

    def _remind(self, incident: Incident, now: datetime) -> bool:
        """Remind comms (else the lead) once for the interval without an update that `now` falls in."""
        every = self.update_every[incident.priority]
        boundary = incident.update_reminder_due(now, every)
        if boundary is None or (not incident.is_high and not self.hours.is_open(now)):
            return False

        followups = self.runner.flows.followups

        def decide(current: Incident) -> Incident | None:
            if current.priority is not incident.priority or current.update_reminder_due(now, every) != boundary:
                return None  # an update, a change of priority or another tick came first
            return replace(current, update_reminded_at=boundary).owe(Followup.UPDATE_REMINDER, followups.lease())

        repository = self.runner.repository
        writes: Optimistic[Incident, Incident] = Optimistic(
            lambda: repository.get(incident.id),
            repository.save,
            f"{incident.id} is changing fast; the update reminder waits for the next tick.",
        )
        stored, changed = writes.apply(decide, start=incident)
        if changed:
            followups.settle(stored, followups=frozenset({Followup.UPDATE_REMINDER}))
        return changed

    def _hold(self, incident: Incident, boundary: datetime) -> Incident | None:
        """Record and ask the check-in due at `boundary`: the incident as stored after, or None if not due."""
        change = Change(by="opsdesk", at=boundary, source_key=f"checkin:{boundary.isoformat()}")
        entry = change.entry(EntryKind.CHECKIN, "Hourly check-in asked")

        followups = self.runner.flows.followups

        def decide(current: Incident) -> tuple[Incident, TimelineEntry] | None:
            if not current.checkin_due(boundary, self.every) or not current.is_open:
                return None
            held = replace(current, last_checkin_at=boundary)
            return held.owe(Followup.CHECKIN_QUESTION, until=followups.lease()), entry

        stored, changed = self.runner.apply(incident.id, decide)
        if not changed:
            return None
        return followups.settle(stored, followups=frozenset({Followup.CHECKIN_QUESTION}))

    def answer(self, incident_id: str, answer: CheckinAnswer, change: Change) -> Incident:
        """Put a check-in answer on the timeline and in the thread; a call for more people goes to the channel."""
        self.runner.flows.require_team(change.by, Permission.CHECKIN)
        entry = change.entry(EntryKind.CHECKIN_ANSWER, ANSWERS[answer])
        followups = self.runner.flows.followups
        calls = False

        def decide(current: Incident) -> tuple[Incident, TimelineEntry]:
            nonlocal calls
            owing = current.owe_messages(entry, until=followups.lease())
            if answer is CheckinAnswer.MORE_PEOPLE:
                # One broadcast per check-in: the first asker calls, later ones are on the timeline and thread.
                owing = owing.call_for_help(change.at, until=followups.lease())
            calls = Followup.CALL_FOR_HELP in owing.pending - current.pending
            return owing, entry

        incident, changed = self.runner.apply(incident_id, decide)
        if not changed:
            return followups.recover(incident)  # a redelivered click: finish what its first delivery owes
        owed = frozenset({Followup.CALL_FOR_HELP}) if calls else frozenset()
        return followups.settle(incident, followups=owed, entries=[entry])
