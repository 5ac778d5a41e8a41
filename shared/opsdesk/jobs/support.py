"""Support jobs: the triage sweep (nobody left waiting, the triage rule, pending tickets retried)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from opsdesk.jobs.registry import job

if TYPE_CHECKING:
    from datetime import datetime

    from opsdesk.wiring import Wiring


@job("triage-sweep")
def triage_sweep(wiring: Wiring, now: datetime) -> dict[str, object]:
    """Every few minutes; idempotent on its own (each raise, nudge and ticket is marked before it is posted).

    People first: untaken requests are raised (and cover reminded) before Jira is tried, so a slow Jira
    never delays them.
    """
    return {**wiring.waiting.sweep(now), **wiring.tickets.sweep(now)}
