"""Report jobs: the Monday weekly report and the daily postmortem reminders."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from opsdesk.flows.postmortems import PostmortemFlows
from opsdesk.flows.stats import describe, emit_metrics, gather
from opsdesk.jobs.registry import job, local_day

if TYPE_CHECKING:
    from opsdesk.flows.stats import Figures
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
    chart = weekly_chart(current, previous, label)
    # One call posts the figures with the chart: a retry after a failure cannot post the text twice.
    services.slack.files_upload_v2(
        channel=services.settings.team_channel_id,
        content=chart,
        filename=f"opsdesk-week-{start:%Y-%m-%d}.png",
        title=f"Incidents, requests and hours to resolve: {label} (dark) vs the week before (light)",
        initial_comment=text,
    )
    return {"incidents": current.incidents.total, "high": current.incidents.high}


def weekly_chart(current: Figures, previous: Figures, label: str) -> bytes:
    """Counts on one axis, hours on another: the week against the week before."""
    # Pillow loads here, in the weekly job, not on every schedule tick's cold start.
    from opsdesk.pages.chart import Bar, Panel, comparison_chart  # noqa: PLC0415

    def hours(seconds: float | None) -> float | None:
        return None if seconds is None else seconds / 3600

    def requests_done(figures: Figures) -> float | None:
        return None if figures.requests is None else float(figures.requests.done)

    counts = Panel(
        "How many",
        [
            Bar("Incidents", current.incidents.total, previous.incidents.total),
            Bar("High priority", current.incidents.high, previous.incidents.high),
            Bar("Requests done", requests_done(current), requests_done(previous)),
        ],
    )
    durations = Panel(
        "Hours to resolve an incident",
        [
            Bar("Mean", hours(current.incidents.time_to_resolve.mean), hours(previous.incidents.time_to_resolve.mean)),
            Bar(
                "Median",
                hours(current.incidents.time_to_resolve.median),
                hours(previous.incidents.time_to_resolve.median),
            ),
        ],
        decimals=1,
    )
    return comparison_chart("opsdesk weekly report", [counts, durations], label, "the week before")


@job("postmortem-reminders", once_per=local_day)
def postmortem_reminders(services: Services, now: datetime) -> dict[str, object]:
    """Working days: nudge leads to hold sessions and owners of overdue action items."""
    return dict(PostmortemFlows(services).remind(now))
