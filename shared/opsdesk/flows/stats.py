"""Gathering the numbers for `/ops stats` and the weekly report, by key and index queries only."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from opsdesk.domain.availability import as_percent
from opsdesk.domain.stats import IncidentFigures, Summary, human_duration, incident_figures, months_between, summarise
from opsdesk.observability import MetricUnit, record

if TYPE_CHECKING:
    from datetime import datetime

    from opsdesk.services import Services


@dataclass(frozen=True)
class RequestFigures:
    """Support requests finished in the period: time in each stage and the requesters' ratings."""

    done: int = 0
    stages: dict[str, Summary] = field(default_factory=dict)
    ratings: Summary = field(default_factory=Summary)


@dataclass(frozen=True)
class Figures:
    incidents: IncidentFigures
    requests: RequestFigures | None  # None: the support-desk store is not available


def _request_figures(services: Services, start: datetime, end: datetime) -> RequestFigures | None:
    try:
        from opsdesk.store.requests import RequestRepository  # noqa: PLC0415  # the support desk is optional
    except ImportError:
        return None
    repository = RequestRepository(services.settings.table_name)
    done = [
        request
        for month in months_between(start, end)
        for request in repository.list_done_in(month)
        if request.done_at is not None and start <= request.done_at < end and not request.withdrawn
    ]
    per_stage: dict[str, list[float]] = {}
    for request in done:
        for stage, spent in request.time_in_stages(request.done_at or end).items():
            per_stage.setdefault(stage.label, []).append(spent.total_seconds())
    ratings = [float(request.rating) for request in done if request.rating is not None]
    return RequestFigures(len(done), {name: summarise(v) for name, v in per_stage.items()}, summarise(ratings))


def gather(services: Services, start: datetime, end: datetime) -> Figures:
    repository = services.incident_repository
    now = services.now() if services.now() > end else end
    incidents = [incident for month in months_between(start, end) for incident in repository.list_closed_in(month)]
    incidents += repository.list_open()
    return Figures(incident_figures(incidents, start, end, now), _request_figures(services, start, end))


def emit_metrics(figures: Figures, period: str) -> None:
    """The period's figures as EMF metrics, for the dashboard."""
    incidents = figures.incidents
    record("PeriodIncidents", incidents.total, period=period)
    record("PeriodHighPriorityIncidents", incidents.high, period=period)
    # One value per service in one metric (service names come from users: never a dimension); the dashboard's
    # Minimum is the worst service, and /ops stats and the weekly report name each one.
    for fraction in incidents.availability.values():
        record("Availability", fraction * 100, MetricUnit.Percent, period=period)
    if figures.requests and figures.requests.ratings.mean is not None:
        record("MeanRating", figures.requests.ratings.mean, MetricUnit.Count, period=period)


def _change(now: float | None, before: float | None) -> str:
    if now is None or before is None:
        return ""
    return f" (week before: {before:g})" if now != before else " (same as the week before)"


def describe(figures: Figures, label: str, previous: Figures | None = None) -> str:
    """The figures as Slack mrkdwn, with the previous period alongside when given."""
    incidents = figures.incidents
    before = previous.incidents if previous else None
    priorities = ", ".join(f"{count} {name}" for name, count in sorted(incidents.by_priority.items())) or "none"
    lines = [
        f"*Numbers for {label}*",
        f"• Incidents: *{incidents.total}* ({priorities})" + (_change(incidents.total, before.total) if before else ""),
        f"• High priority: *{incidents.high}*" + (_change(incidents.high, before.high) if before else ""),
        f"• Time to resolve: mean {human_duration(incidents.time_to_resolve.mean)}, "
        f"median {human_duration(incidents.time_to_resolve.median)}",
    ]
    stages = "; ".join(
        f"{name} {human_duration(summary.mean)}" for name, summary in incidents.stages.items() if summary.count
    )
    if stages:
        lines.append(f"• Incident stages (mean): {stages}")
    if incidents.availability:
        lines.append(
            "• Availability: "
            + ", ".join(f"{name} {as_percent(value)}" for name, value in sorted(incidents.availability.items()))
        )
    else:
        lines.append("• Availability: 100% (no high-priority incident touched a service)")
    requests = figures.requests
    if requests is None:
        lines.append("_Support requests are not counted here yet (the support-desk store is not available)._")
    else:
        stage_text = "; ".join(f"{name} {human_duration(s.mean)}" for name, s in requests.stages.items()) or "-"
        rating = f"{requests.ratings.mean:.1f}/5 from {requests.ratings.count}" if requests.ratings.mean else "none"
        lines.append(f"• Requests done: *{requests.done}*; time in each stage (mean): {stage_text}")
        lines.append(f"• Ratings: {rating}")
    return "\n".join(lines)
