"""Incident jobs: the hourly check-ins of high-priority incidents."""

from __future__ import annotations

from typing import TYPE_CHECKING

from opsdesk.jobs.registry import job

if TYPE_CHECKING:
    from datetime import datetime

    from opsdesk.wiring import Wiring


@job("incident-checkins")
def incident_checkins(wiring: Wiring, now: datetime) -> dict[str, object]:
    """Every few minutes: hold the check-ins that are due (only open incidents are read)."""
    return wiring.checkins.run(now)
