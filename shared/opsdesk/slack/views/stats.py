"""The numbers in Slack: `/ops stats` and the weekly report's text, and the report's chart."""

from __future__ import annotations

from typing import TYPE_CHECKING

from opsdesk.domain.availability import as_percent
from opsdesk.domain.stats import human_duration

if TYPE_CHECKING:
    from opsdesk.domain.stats import Figures, WeeklyReport


def report_text(report: WeeklyReport) -> str:
    return describe(report.current, report.label, report.previous)


def report_chart(report: WeeklyReport) -> bytes:
    return weekly_chart(report.current, report.previous, report.label)


def _change(now: float | None, before: float | None) -> str:
    if now is None or before is None:
        return ""
    return f" (week before: {before:g})" if now != before else " (same as the week before)"


def _alert_lines(figures: Figures, previous: Figures | None) -> list[str]:
    """Alerts apart from incidents: what the support team triaged, and how fast they declared."""
    alerts = figures.alerts
    if alerts is None:
        return []
    before = previous.alerts if previous else None
    lines = [
        f"• Alerts: *{alerts.raised}*"
        + (_change(alerts.raised, before.raised) if before else "")
        + f" ({alerts.grouped} more alarms grouped into them); declared {alerts.declared}, "
        f"not an incident {alerts.dismissed}, recovered on their own {alerts.recovered}, waiting {alerts.waiting}"
    ]
    if alerts.time_to_declare.count:
        summary = alerts.time_to_declare
        lines.append(
            f"• Time to declare (first alarm to incident): mean {human_duration(summary.mean)}, "
            f"median {human_duration(summary.median)}"
        )
    return lines


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
    lines += _alert_lines(figures, previous)
    requests = figures.requests
    if requests is None:
        lines.append("_Support requests are not counted here yet (the support-desk store is not available)._")
    else:
        stage_text = "; ".join(f"{name} {human_duration(s.mean)}" for name, s in requests.stages.items()) or "-"
        rating = f"{requests.ratings.mean:.1f}/5 from {requests.ratings.count}" if requests.ratings.mean else "none"
        lines.append(f"• Requests done: *{requests.done}*; time in each stage (mean): {stage_text}")
        lines.append(f"• Ratings: {rating}")
    return "\n".join(lines)


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
