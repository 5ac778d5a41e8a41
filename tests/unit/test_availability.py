"""Availability and stage times on known data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from opsdesk.domain.availability import availability, impact_windows
from opsdesk.domain.incidents import Incident, Priority, Status
from opsdesk.domain.stats import incident_figures, months_between, stage_seconds

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def incident(
    ident: str, service: str, start_h: float, end_h: float | None, priority: Priority = Priority.HIGH
) -> Incident:
    start = T0 + timedelta(hours=start_h)
    return Incident(
        id=ident,
        title=ident,
        priority=priority,
        declared_by="U0ALICE",
        declared_at=start + timedelta(minutes=10),
        detected_at=start,
        lead_at=start + timedelta(minutes=25),
        service=service,
        status=Status.RESOLVED if end_h is not None else Status.OPEN,
        resolved_at=T0 + timedelta(hours=end_h) if end_h is not None else None,
    )


def test_availability_merges_overlaps_and_ignores_normal_priority() -> None:
    # GIVEN 10 days; "api" is down 2 h and 1 h overlapping by 30 min (2.5 h), "web" 1 h; a normal one ignored
    incidents = [
        incident("A", "api", 24, 26),
        incident("B", "api", 25.5, 26.5),
        incident("C", "web", 48, 49),
        incident("D", "web", 60, 70, Priority.NORMAL),
    ]
    end = T0 + timedelta(days=10)
    # WHEN
    result = availability(impact_windows(incidents, end), T0, end, services=["db"])
    # THEN
    assert result["api"] == pytest.approx(1 - 2.5 / 240)
    assert result["web"] == pytest.approx(1 - 1 / 240)
    assert result["db"] == 1.0


def test_open_incident_counts_until_now_and_windows_are_clipped() -> None:
    now = T0 + timedelta(hours=10)
    result = availability(impact_windows([incident("A", "api", -5, None)], now), T0, now)
    assert result["api"] == 0.0


def test_stage_times_and_figures_on_known_data() -> None:
    one = incident("A", "api", 24, 26)
    assert stage_seconds(one) == {
        "detected to declared": 600.0,
        "declared to lead": 900.0,
        "lead to resolved": 2 * 3600 - 25 * 60.0,
    }
    two = incident("B", "web", 48, 52)
    normal = incident("C", "web", 60, 61, Priority.NORMAL)
    end = T0 + timedelta(days=7)
    figures = incident_figures([one, two, normal, one], T0, end, end)
    assert (figures.total, figures.high) == (3, 2)
    assert figures.by_priority == {"high": 2, "normal": 1}
    assert figures.time_to_resolve.mean == pytest.approx((2 + 4 + 1) / 3 * 3600)
    assert figures.time_to_resolve.median == pytest.approx(2 * 3600)
    assert figures.stages["declared to lead"].mean == 900.0
    assert figures.availability["web"] == pytest.approx(1 - 4 / 168)


def test_months_between_covers_every_bucket() -> None:
    assert months_between(datetime(2026, 10, 30, tzinfo=UTC), datetime(2027, 1, 2, tzinfo=UTC)) == [
        "2026-10",
        "2026-11",
        "2026-12",
        "2027-01",
    ]
