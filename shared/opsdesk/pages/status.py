"""The public status page: published incidents (public title and updates only), recent resolutions, availability."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from opsdesk.domain.availability import as_percent, availability, impact_windows
from opsdesk.domain.postmortems import scrub
from opsdesk.pages.layout import document
from opsdesk.pages.text import clean, escape

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from opsdesk.domain.incidents import Incident

RECENT = timedelta(days=7)
WINDOWS = (30, 90)


def _public(incident: Incident, services: frozenset[str]) -> dict[str, Any]:
    """The incident as published: its public title and updates, never the internal ones (domain/public_status.py)."""
    notice = incident.public
    assert notice is not None
    updates = reversed(notice.updates)  # newest first: they are kept in the order they were posted
    return {
        "id": incident.id,
        "title": clean(scrub(notice.title, {})),
        "service": incident.service if incident.service in services else None,
        "status": incident.status.value,
        "started_at": notice.published_at.isoformat(),
        "resolved_at": incident.resolved_at.isoformat() if incident.resolved_at else None,
        "updates": [{"at": update.at.isoformat(), "text": clean(scrub(update.text, {}))} for update in updates],
    }


def status_data(
    open_incidents: Sequence[Incident], closed: Sequence[Incident], now: datetime, services: Sequence[str] = ()
) -> dict[str, Any]:
    """Everything the page shows, as JSON-ready data: published incidents only, public fields only.

    Args:
        closed: incidents closed in the last 90 days' months (from the month index buckets).
        services: the public service names the operator allows on the page (PUBLIC_SERVICES); no other
            service is named, and availability is given for these alone.
    """
    public = frozenset(services)
    published = [incident for incident in {i.id: i for i in [*closed, *open_incidents]}.values() if incident.is_public]
    windows = impact_windows([incident for incident in published if incident.service in public], now)
    recent = sorted(
        (i for i in published if not i.is_open and i.resolved_at and now - i.resolved_at <= RECENT),
        key=lambda incident: incident.resolved_at or now,
        reverse=True,
    )
    ongoing = sorted((i for i in published if i.is_open), key=lambda i: i.public.published_at if i.public else now)
    return {
        "generated_at": now.isoformat(),
        "open": [_public(incident, public) for incident in ongoing],
        "recently_resolved": [_public(incident, public) for incident in recent],
        "availability": {
            f"{days}d": availability(windows, now - timedelta(days=days), now, public) for days in WINDOWS
        },
    }


def _incident_row(item: dict[str, Any]) -> str:
    state = "badge ok" if item["status"] == "resolved" else "badge high"
    service = f" ({escape(item['service'])})" if item["service"] else ""
    when = escape(item["resolved_at"] or item["started_at"])[:16].replace("T", " ")
    updates = "".join(
        f"<li><time>{escape(update['at'][:16].replace('T', ' '))} UTC</time> {escape(update['text'])}</li>"
        for update in item["updates"]
    )
    return (
        f'<li><span class="{state}">{escape(item["status"])}</span> <strong>{escape(item["title"])}</strong>'
        f"{service} <time>{when} UTC</time>{f'<ul>{updates}</ul>' if updates else ''}</li>"
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
        else "<p>No public service has had a high-priority incident.</p>"
    )
    body = (
        f"<h1>Service status</h1>{headline}{current}"
        f"<h2>Resolved in the last 7 days</h2>{'<ul>' + recent + '</ul>' if recent else '<p>None.</p>'}"
        f"<h2>Availability</h2>{table}"
        f'<p><a href="postmortems">Published postmortems</a> · updated '
        f"<time>{escape(data['generated_at'][:16].replace('T', ' '))} UTC</time></p>"
    )
    return document("Service status", body)
