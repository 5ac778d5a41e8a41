"""The hourly gathering of a high-priority incident, driven by the schedule's time, and the team's answers."""

from __future__ import annotations

from dataclasses import replace
from enum import StrEnum
from typing import TYPE_CHECKING

from opsdesk.domain.incidents import EntryKind, Incident, TimelineEntry
from opsdesk.flows.incidents import Change
from opsdesk.flows.permissions import Permission

if TYPE_CHECKING:
    from datetime import datetime, timedelta

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
    """Posts due check-ins and nudges comms when no update went out since the last one; records the answers."""

    def __init__(self, runner: IncidentRunner, every: timedelta) -> None:
        self.runner = runner
        self.every = every

    def run(self, now: datetime) -> dict[str, object]:
        """Hold the check-ins due at `now` (only open incidents are read)."""
        incidents = self.runner.repository.list_open()
        held = 0
        for incident in incidents:
            boundary = due_boundary(incident, now, self.every)
            if boundary is not None and self._hold(incident, boundary):
                held += 1
        return {"open": len(incidents), "checkins": held}

    def _hold(self, incident: Incident, boundary: datetime) -> bool:
        previous = incident.last_checkin_at or incident.declared_at
        change = Change(by="opsdesk", at=boundary, source_key=f"checkin:{boundary.isoformat()}")
        entry = change.entry(EntryKind.CHECKIN, "Hourly check-in asked")

        def decide(current: Incident) -> tuple[Incident, TimelineEntry] | None:
            if not current.checkin_due(boundary, self.every) or not current.is_open:
                return None
            return replace(current, last_checkin_at=boundary), entry

        stored, changed = self.runner.apply(incident.id, decide)
        if not changed:
            return False
        notifier = self.runner.notifier
        notifier.ask_checkin(stored)
        if stored.last_update_at is None or stored.last_update_at < previous:
            notifier.update_overdue(stored, stored.comms or stored.lead)
        return True

    def answer(self, incident_id: str, answer: CheckinAnswer, change: Change) -> Incident:
        """Put a check-in answer on the timeline and in the thread; a call for more people goes to the channel."""
        self.runner.flows.require_team(change.by, Permission.CHECKIN)
        entry = change.entry(EntryKind.CHECKIN_ANSWER, ANSWERS[answer])
        incident, changed = self.runner.apply(incident_id, lambda current: (current, entry))
        if not changed:
            return incident  # a redelivered click
        notifier = self.runner.notifier
        notifier.recorded(incident, entry)
        if answer is CheckinAnswer.MORE_PEOPLE:
            notifier.call_for_help(incident, change.by)
        return incident
