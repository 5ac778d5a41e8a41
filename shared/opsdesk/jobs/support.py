"""Support jobs: the triage sweep (the 15-minute rule, and pending tickets retried)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from opsdesk.jobs.registry import job

if TYPE_CHECKING:
    from datetime import datetime

    from opsdesk.wiring import Wiring


@job("triage-sweep")
def triage_sweep(wiring: Wiring, now: datetime) -> dict[str, object]:
    """Every few minutes; idempotent on its own (each nudge and ticket is marked before it is posted)."""
    return dict(wiring.tickets.sweep(now))
