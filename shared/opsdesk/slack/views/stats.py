"""The numbers in Slack: `/ops stats` and the weekly report's text, and the report's chart."""

from __future__ import annotations

from typing import TYPE_CHECKING

from opsdesk.domain.availability import as_percent
from opsdesk.domain.stats import human_duration
from opsdesk.slack.views.mrkdwn import literal

if TYPE_CHECKING:
    from opsdesk.domain.stats import Figures, WeeklyReport


def report_text(report: WeeklyReport) -> str:
    return describe(report.current, report.label, report.previous, "the week before")


def report_chart(report: WeeklyReport) -> bytes:
    return weekly_chart(report.current, report.previous, report.label)


def _compared(now: float | None, before: float | None, previous_label: str, shown: str) -> str:
    """ " (November 2026: 3)", " (same as November 2026)", or nothing when either side has no figure."""
    if now is None or before is None or not previous_label:
        return ""
    return f" ({previous_label}: {shown})" if now != before else f" (same as {previous_label})"


def _alert_lines(figures: Figures, previous: Figures | None, previous_label: str) -> list[str]:
    """Alerts apart from incidents: what the support team triaged, and how fast they declared."""
    alerts = figures.alerts
    if alerts is None:
        return []
    before = previous.alerts if previous else None
    raised = _compared(
        alerts.raised, before.raised if before else None, previous_label, f"{before.raised if before else ''}"
    )
    lines = [
        f"• Alerts: *{alerts.raised}*{raised} ({alerts.grouped} more alarms grouped into them); "
        f"declared {alerts.declared}, not an incident {alerts.dismissed}, recovered on their own {alerts.recovered}, "
        f"waiting {alerts.waiting}"
    ]
    if alerts.time_to_declare.count:
        summary = alerts.time_to_declare
        lines.append(
            f"• Time to declare (first alarm to incident): mean {human_duration(summary.mean)}, "
            f"median {human_duration(summary.median)}"
        )
    return lines


def describe(figures: Figures, label: str, previous: Figures | None = None, previous_label: str = "") -> str:
    """The figures as Slack mrkdwn, with the previous period (called `previous_label`) alongside when given."""
    incidents = figures.incidents
    before = previous.incidents if previous else None
    then = previous_label if previous else ""

    def count(now: int, earlier: int | None) -> str:
        return _compared(now, earlier, then, f"{earlier}")

    def duration(now: float | None, earlier: float | None) -> str:
        return _compared(now, earlier, then, human_duration(earlier))

    priorities = ", ".join(f"{number} {name}" for name, number in sorted(incidents.by_priority.items())) or "none"
    resolve = incidents.time_to_resolve
    lines = [
        f"*Numbers for {label}*" + (f", compared with {then}" if then else ""),
        f"• Incidents: *{incidents.total}* ({priorities})" + count(incidents.total, before.total if before else None),
        f"• High priority: *{incidents.high}*" + count(incidents.high, before.high if before else None),
        f"• Time to resolve: mean {human_duration(resolve.mean)}, median {human_duration(resolve.median)}"
        + duration(resolve.mean, before.time_to_resolve.mean if before else None),
    ]
    stages = "; ".join(
        f"{name} {human_duration(summary.mean)}" for name, summary in incidents.stages.items() if summary.count
    )
    if stages:
        lines.append(f"• Incident stages (mean): {stages}")
    if incidents.availability:
        lines.append(
            "• Availability: "
            + ", ".join(
                f"{literal(name)} {as_percent(value)}" for name, value in sorted(incidents.availability.items())
            )
        )
    else:
        lines.append("• Availability: 100% (no high-priority incident touched a service)")
    lines += _alert_lines(figures, previous, then)
    requests = figures.requests
    if requests is None:
        lines.append("_Support requests are not counted here yet (the support-desk store is not available)._")
        return "\n".join(lines)
    earlier = previous.requests if previous else None
    stage_text = "; ".join(f"{name} {human_duration(s.mean)}" for name, s in requests.stages.items()) or "-"
    lines.append(
        f"• Requests done: *{requests.done}*"
        + count(requests.done, earlier.done if earlier else None)
        + f"; time in each stage (mean): {stage_text}"
    )
    ratings = requests.ratings
    rating = f"{ratings.mean:.1f}/5 from {ratings.count}" if ratings.mean else "none"
    before_rating = earlier.ratings.mean if earlier else None
    shown = f"{before_rating:.1f}/5" if before_rating is not None else ""
    lines.append(f"• Ratings (user happiness): {rating}" + _compared(ratings.mean, before_rating, then, shown))
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
