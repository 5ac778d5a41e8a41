"""Report jobs: the Monday weekly report and the daily postmortem reminders."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from opsdesk.flows.postmortems import PostmortemFlows
from opsdesk.flows.stats import describe, emit_metrics, gather
from opsdesk.jobs.registry import job, local_day
from opsdesk.pages.chart import comparison_chart

if TYPE_CHECKING:
    from opsdesk.services import Services


def iso_week(services: Services, now: datetime) -> str:
    """One slot per ISO week in London: the report goes out once however often the tick fires."""
    year, week, _ = services.settings.hours.local(now).isocalendar()
    return f"{year}-W{week:02d}"


def last_week(services: Services, now: datetime) -> tuple[datetime, datetime]:
    """Monday 00:00 to Monday 00:00 (London) of the week before `now`'s week."""
    hours = services.settings.hours
    local = hours.local(now)
    monday = datetime.combine(local.date() - timedelta(days=local.weekday()), time(0), tzinfo=hours.zone)
    return monday - timedelta(days=7), monday


@job("weekly-report", once_per=iso_week)
def weekly_report(services: Services, now: datetime) -> dict[str, object]:
    """Post last week's numbers, compared with the week before, with a chart."""
    start, end = last_week(services, now)
    current = gather(services, start, end)
    previous = gather(services, start - timedelta(days=7), start)
    emit_metrics(current, "week")
    label = f"the week of {start:%-d %B %Y}"
    text = describe(current, label, previous)
    chart = comparison_chart(current.incidents, previous.incidents)
    # One call posts the figures with the chart: a retry after a failure cannot post the text twice.
    services.slack.files_upload_v2(
        channel=services.settings.team_channel_id,
        content=chart,
        filename=f"opsdesk-week-{start:%Y-%m-%d}.png",
        title=f"Incidents and hours to resolve: {label} (dark) vs the week before (light)",
        initial_comment=text,
    )
    return {"incidents": current.incidents.total, "high": current.incidents.high}


@job("postmortem-reminders", once_per=local_day)
def postmortem_reminders(services: Services, now: datetime) -> dict[str, object]:
    """Working days: nudge leads to hold sessions and owners of overdue action items."""
    return dict(PostmortemFlows(services).remind(now))
