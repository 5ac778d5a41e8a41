"""Incident jobs: the hourly check-ins of high-priority incidents."""

from __future__ import annotations

from typing import TYPE_CHECKING

from opsdesk.flows.checkins import CheckIns
from opsdesk.flows.incidents import IncidentRunner
from opsdesk.jobs.registry import job

if TYPE_CHECKING:
    from datetime import datetime

    from opsdesk.services import Services


@job("incident-checkins")
def incident_checkins(services: Services, now: datetime) -> dict[str, object]:
    """Every few minutes: hold the check-ins that are due (only open incidents are read)."""
    open_incidents = services.incident_repository.list_open()
    held = CheckIns(IncidentRunner(services.incidents), services.settings.checkin_every).run(open_incidents, now)
    return {"open": len(open_incidents), "checkins": held}
