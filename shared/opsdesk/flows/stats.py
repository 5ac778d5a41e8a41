"""Gathering the numbers for `/ops stats` and the weekly report, by key and index queries only."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from opsdesk.domain.stats import (
    AlertFigures,
    Figures,
    Period,
    RequestFigures,
    WeeklyReport,
    alert_figures,
    calendar_periods,
    incident_figures,
    months_between,
    summarise,
)
from opsdesk.observability import MetricUnit, record

if TYPE_CHECKING:
    from collections.abc import Callable

    from opsdesk.domain.clock import SupportHours
    from opsdesk.domain.ports import DayNotifier
    from opsdesk.domain.stats import Span
    from opsdesk.store.alerts import AlertRepository
    from opsdesk.store.incidents import IncidentRepository
    from opsdesk.store.requests import RequestRepository


class Stats:
    """The figures of a period from the incident and request indexes; the weekly report to the team."""

    def __init__(
        self,
        incidents: IncidentRepository,
        requests: RequestRepository | None,
        notifier: DayNotifier,
        hours: SupportHours,
        now: Callable[[], datetime],
        *,
        alerts: AlertRepository | None = None,
    ) -> None:
        self.alerts = alerts
        self.incidents = incidents
        self.requests = requests
        self.notifier = notifier
        self.hours = hours
        self.now = now

    def gather(self, start: datetime, end: datetime) -> Figures:
        now = max(self.now(), end)
        repository = self.incidents
        incidents = [incident for month in months_between(start, end) for incident in repository.list_closed_in(month)]
        incidents += repository.list_open()
        return Figures(
            incident_figures(incidents, start, end, now), self._request_figures(start, end), self._alerts(start, end)
        )

    def _alerts(self, start: datetime, end: datetime) -> AlertFigures | None:
        if self.alerts is None:
            return None
        groups = [group for month in months_between(start, end) for group in self.alerts.list_closed_in(month)]
        return alert_figures(groups + self.alerts.list_open(), start, end)

    def this_period(self, period: Period) -> tuple[tuple[Span, Figures], tuple[Span, Figures]]:
        """This calendar week, month or quarter so far (`/ops stats`), and the whole one before it to compare."""
        current, previous = calendar_periods(period, self.now(), self.hours)
        return (current, self.gather(current.start, current.end)), (previous, self.gather(previous.start, previous.end))

    def _request_figures(self, start: datetime, end: datetime) -> RequestFigures | None:
        if self.requests is None:
            return None
        done = [
            request
            for month in months_between(start, end)
            for request in self.requests.list_done_in(month)
            if request.done_at is not None and start <= request.done_at < end and request.counted
        ]
        per_stage: dict[str, list[float]] = {}
        for request in done:
            for stage, spent in request.time_in_stages(request.done_at or end).items():
                per_stage.setdefault(stage.label, []).append(spent.total_seconds())
        ratings = [float(request.rating) for request in done if request.rating is not None]
        return RequestFigures(len(done), {name: summarise(v) for name, v in per_stage.items()}, summarise(ratings))

    def weekly_report(self, now: datetime) -> dict[str, object]:
        """Post last week's numbers (Monday to Monday, London), compared with the week before, with a chart."""
        _, last_week = calendar_periods(Period.WEEK, now, self.hours)
        start, end = last_week.start, last_week.end
        current = self.gather(start, end)
        previous = self.gather(start - timedelta(days=7), start)
        emit_metrics(current, "week")
        self.notifier.post_weekly_report(WeeklyReport(start, last_week.label, current, previous))
        return {"incidents": current.incidents.total, "high": current.incidents.high}


def emit_metrics(figures: Figures, period: str) -> None:
    """The period's figures as EMF metrics, for the dashboard."""
    incidents = figures.incidents
    record("PeriodIncidents", incidents.total, period=period)
    record("PeriodHighPriorityIncidents", incidents.high, period=period)
    # One value per service in one metric (service names come from users: never a dimension); the dashboard's
    # Minimum is the worst service, and /ops stats and the weekly report name each one.
    for fraction in incidents.availability.values():
        record("Availability", fraction * 100, MetricUnit.Percent, period=period)
    alerts = figures.alerts
    if alerts is not None:
        record("PeriodAlerts", alerts.raised, period=period)
        record("PeriodAlertsDeclared", alerts.declared, period=period)
        if alerts.time_to_declare.mean is not None:
            record("MeanTimeToDeclare", alerts.time_to_declare.mean, MetricUnit.Seconds, period=period)
    if figures.requests is not None:
        # Withdrawn requests and ones closed as not a request are not in these figures.
        record("PeriodRequestsDone", figures.requests.done, period=period)
    if figures.requests and figures.requests.ratings.mean is not None:
        record("MeanRating", figures.requests.ratings.mean, MetricUnit.Count, period=period)
