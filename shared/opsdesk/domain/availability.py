"""Availability per service from incident impact windows: pure arithmetic over known intervals."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime

    from opsdesk.domain.incidents import Incident

UNNAMED_SERVICE = "unnamed service"


@dataclass(frozen=True)
class ImpactWindow:
    """When a service was out or degraded: from first detection to resolution."""

    service: str
    start: datetime
    end: datetime


def impact_windows(incidents: Iterable[Incident], now: datetime) -> list[ImpactWindow]:
    """The windows of high-priority incidents (only those count as outage or degradation).

    An incident still open is impacting until `now`.
    """
    windows = []
    for incident in incidents:
        if not incident.is_high:
            continue
        end = incident.resolved_at or now
        if end > incident.started_at:
            windows.append(ImpactWindow(incident.service or UNNAMED_SERVICE, incident.started_at, end))
    return windows


def _merged(windows: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    # Two incidents overlapping on one service are one outage, not double the downtime.
    merged: list[tuple[datetime, datetime]] = []
    for start, end in sorted(windows):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def downtime_seconds(windows: Iterable[ImpactWindow], start: datetime, end: datetime) -> dict[str, float]:
    """Seconds of impact per service inside [start, end)."""
    clipped: dict[str, list[tuple[datetime, datetime]]] = {}
    for window in windows:
        lo, hi = max(window.start, start), min(window.end, end)
        if hi > lo:
            clipped.setdefault(window.service, []).append((lo, hi))
    return {service: sum((hi - lo).total_seconds() for lo, hi in _merged(spans)) for service, spans in clipped.items()}


def availability(
    windows: Iterable[ImpactWindow], start: datetime, end: datetime, services: Iterable[str] = ()
) -> dict[str, float]:
    """Fraction of the period each service was available (1.0 = no impact), by service name.

    Args:
        services: names to report even when they had no incident (they show 100%).
    """
    total = (end - start).total_seconds()
    if total <= 0:
        raise ValueError("the period must end after it starts")
    down = downtime_seconds(windows, start, end)
    names = sorted(set(down) | set(services))
    return {name: 1.0 - down.get(name, 0.0) / total for name in names}


def as_percent(fraction: float) -> str:
    """99.95% style: two decimals, since 0.01% of 30 days is about 4 minutes."""
    return f"{fraction * 100:.2f}%"
