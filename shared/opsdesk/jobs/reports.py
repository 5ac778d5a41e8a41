"""Report jobs: the Monday weekly report and the daily postmortem reminders."""

from __future__ import annotations

from typing import TYPE_CHECKING

from opsdesk.jobs.registry import job, local_day

if TYPE_CHECKING:
    from datetime import datetime

    from opsdesk.wiring import Wiring


def iso_week(wiring: Wiring, now: datetime) -> str:
    """One slot per ISO week in London: the report goes out once however often the tick fires."""
    year, week, _ = wiring.settings.hours.local(now).isocalendar()
    return f"{year}-W{week:02d}"


@job("weekly-report", once_per=iso_week)
def weekly_report(wiring: Wiring, now: datetime) -> dict[str, object]:
    """Post last week's numbers, compared with the week before, with a chart."""
    return wiring.stats.weekly_report(now)


@job("postmortem-reminders", once_per=local_day)
def postmortem_reminders(wiring: Wiring, now: datetime) -> dict[str, object]:
    """Working days: nudge leads to hold sessions and owners of overdue action items."""
    return dict(wiring.postmortems.remind(now))
