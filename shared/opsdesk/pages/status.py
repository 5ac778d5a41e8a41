"""The public status page: open incidents (public fields only), recent resolutions, availability."""

from __future__ import annotations

from datetime import timedelta
from html import escape
from typing import TYPE_CHECKING, Any

from opsdesk.domain.availability import as_percent, availability, impact_windows
from opsdesk.domain.postmortems import scrub
from opsdesk.pages.layout import document

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from opsdesk.domain.incidents import Incident

RECENT = timedelta(days=7)
WINDOWS = (30, 90)


def _public(incident: Incident) -> dict[str, Any]:
    # Only what users may see: no people, no Slack ids, no internal notes.
    return {
        "id": incident.id,
        "title": scrub(incident.title, {}),
        "service": incident.service,
        "priority": incident.priority.value,
        "status": incident.status.value,
        "user_impact": scrub(incident.user_impact, {}),
        "started_at": incident.started_at.isoformat(),
        "resolved_at": incident.resolved_at.isoformat() if incident.resolved_at else None,
    }


def status_data(open_incidents: Sequence[Incident], closed: Sequence[Incident], now: datetime) -> dict[str, Any]:
    """Everything the page shows, as JSON-ready data.

    Args:
        closed: incidents closed in the last 90 days' months (from the month index buckets).
    """
    everything = list({incident.id: incident for incident in [*closed, *open_incidents]}.values())
    windows = impact_windows(everything, now)
    services = {incident.service for incident in everything if incident.service}
    recent = sorted(
        (i for i in closed if i.resolved_at and now - i.resolved_at <= RECENT),
        key=lambda incident: incident.resolved_at or now,
        reverse=True,
    )
    return {
        "generated_at": now.isoformat(),
        "open": [_public(incident) for incident in sorted(open_incidents, key=lambda i: i.started_at)],
        "recently_resolved": [_public(incident) for incident in recent],
        "availability": {
            f"{days}d": availability(windows, now - timedelta(days=days), now, services) for days in WINDOWS
        },
    }


def _incident_row(item: dict[str, Any]) -> str:
    badge = "badge high" if item["priority"] == "high" else "badge"
    impact = f"<br>{escape(item['user_impact'])}" if item["user_impact"] else ""
    when = escape(item["resolved_at"] or item["started_at"])[:16].replace("T", " ")
    return (
        f'<li><span class="{badge}">{escape(item["priority"])}</span> <strong>{escape(item["title"])}</strong>'
        f" ({escape(item['service'] or 'service not named')}) <time>{when} UTC</time>{impact}</li>"
    )


def status_page(data: dict[str, Any]) -> str:
    open_items = data["open"]
    if open_items:
        headline = f'<p><span class="badge high">{len(open_items)} open incident(s)</span></p>'
        current = "<ul>" + "".join(_incident_row(item) for item in open_items) + "</ul>"
    else:
        headline = '<p><span class="badge ok">All services operating normally</span></p>'
        current = ""
    recent = "".join(_incident_row(item) for item in data["recently_resolved"])
    short, long = data["availability"]["30d"], data["availability"]["90d"]
    rows = "".join(
        f"<tr><td>{escape(name)}</td><td>{escape(as_percent(short.get(name, 1.0)))}</td>"
        f"<td>{escape(as_percent(long.get(name, 1.0)))}</td></tr>"
        for name in sorted(set(short) | set(long))
    )
    table = (
        f"<table><tr><th>Service</th><th>30 days</th><th>90 days</th></tr>{rows}</table>"
        if rows
        else "<p>No service has had a high-priority incident.</p>"
    )
    body = (
        f"<h1>Service status</h1>{headline}{current}"
        f"<h2>Resolved in the last 7 days</h2>{'<ul>' + recent + '</ul>' if recent else '<p>None.</p>'}"
        f"<h2>Availability</h2>{table}"
        f'<p><a href="postmortems">Published postmortems</a> · updated '
        f"<time>{escape(data['generated_at'][:16].replace('T', ' '))} UTC</time></p>"
    )
    return document("Service status", body)
