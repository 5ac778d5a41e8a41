"""The hourly gathering of a high-priority incident, driven by the schedule's time."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from opsdesk.domain.incidents import EntryKind, Incident, TimelineEntry
from opsdesk.flows.incidents import Change, IncidentRunner

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime, timedelta


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
    """Posts due check-ins and nudges comms when no update went out since the last one."""

    def __init__(self, runner: IncidentRunner, every: timedelta) -> None:
        self.runner = runner
        self.every = every

    def run(self, incidents: Sequence[Incident], now: datetime) -> int:
        held = 0
        for incident in incidents:
            boundary = due_boundary(incident, now, self.every)
            if boundary is not None and self._hold(incident, boundary):
                held += 1
        return held

    def _hold(self, incident: Incident, boundary: datetime) -> bool:
        previous = incident.last_checkin_at or incident.declared_at
        change = Change(by="opsdesk", at=boundary, source_key=f"checkin:{boundary.isoformat()}")

        def decide(current: Incident) -> tuple[Incident, TimelineEntry] | None:
            if not current.checkin_due(boundary, self.every) or not current.is_open:
                return None
            entry = TimelineEntry(boundary, EntryKind.CHECKIN, "Hourly check-in asked", "opsdesk", change.source_key)
            return replace(current, last_checkin_at=boundary), entry

        stored, changed = self.runner.apply(incident.id, change, decide)
        if not changed:
            return False
        notifier = self.runner.notifier
        notifier.ask_checkin(stored)
        quiet = stored.last_update_at is None or stored.last_update_at < previous
        if quiet:
            person = stored.comms or stored.lead
            who = f"<@{person}>" if person else "Comms"
            notifier.post_in_thread(
                stored,
                f":bell: {who}, no update has gone out since the last check-in. Please post one (`Post update`).",
            )
        return True
