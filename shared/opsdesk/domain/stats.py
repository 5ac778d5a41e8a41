"""The numbers the process asks for, computed from incidents (and, apart, alerts) over a period: pure functions."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from opsdesk.domain.alerts import AlertStatus
from opsdesk.domain.availability import availability, impact_windows

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from opsdesk.domain.alerts import AlertGroup
    from opsdesk.domain.clock import SupportHours
    from opsdesk.domain.incidents import Incident


class Period(StrEnum):
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"


def parse_period(text: str) -> Period:
    value = text.strip().lower() or Period.WEEK.value
    try:
        return Period(value)
    except ValueError:
        raise ValueError(f"period must be week, month or quarter, not {text!r}") from None


@dataclass(frozen=True)
class Span:
    """A stretch of time and what people call it ("November 2026", "the week of 23 November")."""

    start: datetime
    end: datetime
    label: str


def _period_start(period: Period, day: date) -> date:
    if period is Period.WEEK:
        return day - timedelta(days=day.weekday())
    if period is Period.MONTH:
        return day.replace(day=1)
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _period_label(period: Period, first: date) -> str:
    if period is Period.WEEK:
        return f"the week of {first:%-d %B %Y}"
    if period is Period.MONTH:
        return f"{first:%B %Y}"
    return f"Q{(first.month - 1) // 3 + 1} {first.year}"


def calendar_periods(period: Period, now: datetime, hours: SupportHours) -> tuple[Span, Span]:
    """This calendar week, month or quarter so far (London time), and the whole one before it to compare."""
    first = _period_start(period, hours.local(now).date())
    previous = _period_start(period, first - timedelta(days=1))

    def midnight(day: date) -> datetime:
        return datetime.combine(day, time(0), tzinfo=hours.zone)

    current = Span(midnight(first), now, f"{_period_label(period, first)} so far")
    return current, Span(midnight(previous), midnight(first), _period_label(period, previous))


def months_between(start: datetime, end: datetime) -> list[str]:
    """Every "yyyy-mm" (UTC) the period touches: the closed-incident index buckets to query."""
    months: list[str] = []
    cursor = datetime(start.astimezone(UTC).year, start.astimezone(UTC).month, 1, tzinfo=UTC)
    while cursor <= end:
        months.append(f"{cursor:%Y-%m}")
        cursor = (cursor + timedelta(days=32)).replace(day=1)
    return months


@dataclass(frozen=True)
class Summary:
    """Count, mean and median of durations or scores."""

    count: int = 0
    mean: float | None = None
    median: float | None = None


def summarise(values: Sequence[float]) -> Summary:
    if not values:
        return Summary()
    return Summary(len(values), statistics.fmean(values), float(statistics.median(values)))


@dataclass(frozen=True)
class IncidentFigures:
    """Incidents over one period: counts, times, and availability per service."""

    start: datetime
    end: datetime
    total: int = 0
    high: int = 0
    by_priority: dict[str, int] = field(default_factory=dict)
    time_to_resolve: Summary = field(default_factory=Summary)
    stages: dict[str, Summary] = field(default_factory=dict)
    availability: dict[str, float] = field(default_factory=dict)


# Stages of an incident, in the order the process runs them.
STAGES = ("detected to declared", "declared to lead", "lead to resolved")


def stage_seconds(incident: Incident) -> dict[str, float]:
    """How long an incident spent in each stage it has completed."""
    spans: dict[str, float] = {}
    if incident.detected_at is not None:
        spans[STAGES[0]] = max(0.0, (incident.declared_at - incident.detected_at).total_seconds())
    if incident.lead_at is not None:
        spans[STAGES[1]] = max(0.0, (incident.lead_at - incident.declared_at).total_seconds())
        if incident.resolved_at is not None:
            spans[STAGES[2]] = max(0.0, (incident.resolved_at - incident.lead_at).total_seconds())
    return spans


def _within(moment: datetime | None, start: datetime, end: datetime) -> bool:
    return moment is not None and start <= moment < end


def incident_figures(incidents: Iterable[Incident], start: datetime, end: datetime, now: datetime) -> IncidentFigures:
    """Figures for [start, end): counted by declaration; times by resolution within the period.

    Args:
        incidents: every incident that may touch the period (open ones and those closed in its months).
    """
    unique = list({incident.id: incident for incident in incidents}.values())
    declared = [incident for incident in unique if _within(incident.declared_at, start, end)]
    resolved = [incident for incident in unique if _within(incident.resolved_at, start, end)]
    by_priority: dict[str, int] = {}
    for incident in declared:
        by_priority[incident.priority.value] = by_priority.get(incident.priority.value, 0) + 1
    resolve_times = [t.total_seconds() for incident in resolved if (t := incident.time_to_resolve()) is not None]
    per_stage: dict[str, list[float]] = {name: [] for name in STAGES}
    for incident in resolved:
        for name, seconds in stage_seconds(incident).items():
            per_stage[name].append(seconds)
    services = {incident.service for incident in unique if incident.service}
    return IncidentFigures(
        start=start,
        end=end,
        total=len(declared),
        high=sum(1 for incident in declared if incident.is_high),
        by_priority=by_priority,
        time_to_resolve=summarise(resolve_times),
        stages={name: summarise(values) for name, values in per_stage.items()},
        availability=availability(impact_windows(unique, min(now, end)), start, end, services),
    )


@dataclass(frozen=True)
class RequestFigures:
    """Support requests finished in the period: time in each stage and the requesters' ratings."""

    done: int = 0
    stages: dict[str, Summary] = field(default_factory=dict)
    ratings: Summary = field(default_factory=Summary)


@dataclass(frozen=True)
class AlertFigures:
    """Alert groups opened in a period and what became of them; time from the first alarm to the declaration."""

    raised: int = 0  # groups opened
    grouped: int = 0  # alarm firings that joined an open group rather than opening one
    declared: int = 0
    dismissed: int = 0
    recovered: int = 0  # every alarm OK before anyone decided
    waiting: int = 0  # still open
    time_to_declare: Summary = field(default_factory=Summary)


def alert_figures(groups: Iterable[AlertGroup], start: datetime, end: datetime) -> AlertFigures:
    """Figures for the groups opened in [start, end)."""
    unique = {group.id: group for group in groups if start <= group.opened_at < end}.values()
    counts = {status: sum(1 for group in unique if group.status is status) for status in AlertStatus}
    declare_times = [t.total_seconds() for group in unique if (t := group.time_to_declare()) is not None]
    return AlertFigures(
        raised=len(unique),
        grouped=sum(max(group.raised - 1, 0) for group in unique),
        declared=counts[AlertStatus.DECLARED],
        dismissed=counts[AlertStatus.DISMISSED],
        recovered=counts[AlertStatus.RECOVERED],
        waiting=counts[AlertStatus.OPEN],
        time_to_declare=summarise(declare_times),
    )


@dataclass(frozen=True)
class Figures:
    """The numbers for one period."""

    incidents: IncidentFigures
    requests: RequestFigures | None  # None: the support-desk store is not available
    alerts: AlertFigures | None = None  # None: alerts are not counted where these figures were gathered


@dataclass(frozen=True)
class WeeklyReport:
    """Last week's numbers, with the week before's to compare."""

    start: datetime
    label: str
    current: Figures
    previous: Figures


def human_duration(seconds: float | None) -> str:
    """ "2 h 05 min", "12 min", "-" for no data."""
    if seconds is None:
        return "-"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes:02d} min"
    return f"{hours // 24} d {hours % 24} h"
