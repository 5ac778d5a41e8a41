"""The hourly check-in lands on the incident's own hourly grid: late, missed or repeated ticks change nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from opsdesk.domain.incidents import Incident, Priority, Status
from opsdesk.flows.checkins import due_boundary

DECLARED = datetime(2026, 11, 30, 10, 7, tzinfo=UTC)
HOUR = timedelta(hours=1)


def incident(priority: Priority = Priority.HIGH, **changes: object) -> Incident:
    base = Incident(
        id="INC-22222", title="Payments down", priority=priority, declared_by="U0ALICE", declared_at=DECLARED
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def held(current: Incident, at: datetime) -> Incident:
    """What the job stores when it holds a check-in at a tick."""
    boundary = due_boundary(current, at, HOUR)
    return current if boundary is None else replace(current, last_checkin_at=boundary)


def test_nothing_is_due_before_the_first_hour() -> None:
    assert due_boundary(incident(), DECLARED + timedelta(minutes=59), HOUR) is None


def test_a_late_tick_holds_the_check_in_at_its_hour() -> None:
    assert due_boundary(incident(), DECLARED + timedelta(minutes=64), HOUR) == DECLARED + HOUR


def test_a_repeated_tick_does_not_double() -> None:
    once = held(incident(), DECLARED + timedelta(minutes=61))
    assert due_boundary(once, DECLARED + timedelta(minutes=61), HOUR) is None
    assert due_boundary(once, DECLARED + timedelta(minutes=66), HOUR) is None


def test_ticks_every_five_minutes_hold_exactly_one_per_hour() -> None:
    current, boundaries = incident(), []
    for minute in range(0, 5 * 60, 5):
        before = current.last_checkin_at
        current = held(current, DECLARED + timedelta(minutes=minute, seconds=30))
        if current.last_checkin_at != before:
            boundaries.append(current.last_checkin_at)
    assert boundaries == [DECLARED + HOUR * n for n in range(1, 5)]


def test_after_missed_ticks_the_latest_hour_is_held_once_and_the_grid_is_kept() -> None:
    first = held(incident(), DECLARED + timedelta(minutes=62))
    # ticks for 2 h 10 min went missing; the next one holds the current hour's check-in, once
    after_gap = held(first, DECLARED + timedelta(hours=3, minutes=12))
    assert after_gap.last_checkin_at == DECLARED + 3 * HOUR
    assert due_boundary(after_gap, DECLARED + timedelta(hours=3, minutes=17), HOUR) is None
    assert due_boundary(after_gap, DECLARED + timedelta(hours=4, minutes=1), HOUR) == DECLARED + 4 * HOUR


def test_normal_priority_and_resolved_incidents_have_no_check_ins() -> None:
    later = DECLARED + 3 * HOUR
    assert due_boundary(incident(Priority.NORMAL), later, HOUR) is None
    assert due_boundary(incident(status=Status.RESOLVED), later, HOUR) is None
