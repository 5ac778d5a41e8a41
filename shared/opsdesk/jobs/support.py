"""Support jobs: the triage sweep (the 15-minute rule, and pending tickets retried)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from opsdesk.flows.tickets import Tickets
from opsdesk.jobs.registry import job

if TYPE_CHECKING:
    from datetime import datetime

    from opsdesk.services import Services


@job("triage-sweep")
def triage_sweep(services: Services, now: datetime) -> dict[str, object]:
    """Every few minutes; idempotent on its own (each nudge and ticket is marked before it is posted)."""
    return dict(Tickets.from_services(services).sweep(now))
