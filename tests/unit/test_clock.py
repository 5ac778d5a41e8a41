from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from opsdesk.domain.clock import SupportHours, parse_hours

HOURS = SupportHours()


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("moment", "open_"),
    [
        (utc(2026, 11, 27, 8, 0), True),  # Friday 08:00 London = 08:00 UTC in winter
        (utc(2026, 11, 27, 7, 59), False),
        (utc(2026, 11, 27, 17, 59), True),
        (utc(2026, 11, 27, 18, 0), False),
        (utc(2026, 11, 28, 12, 0), False),  # Saturday
        (utc(2026, 12, 28, 12, 0), False),  # Monday 28 Dec 2026: Boxing Day substitute
        (utc(2026, 7, 1, 7, 30), True),  # 08:30 BST
        (utc(2026, 7, 1, 17, 0), False),  # 18:00 BST
    ],
)
def test_is_open_follows_london_time_and_bank_holidays(moment: datetime, open_: bool) -> None:
    assert HOURS.is_open(moment) is open_


def test_next_opening_skips_the_weekend_and_bank_holiday() -> None:
    # GIVEN Thursday 24 Dec 2026 after hours; Fri 25 and Mon 28 are bank holidays
    assert HOURS.next_opening(utc(2026, 12, 24, 18, 30)) == utc(2026, 12, 29, 8, 0)


def test_support_time_counts_only_working_hours_across_a_weekend() -> None:
    # Friday 17:50 to Monday 08:10 London: 10 minutes Friday + 10 minutes Monday
    start, end = utc(2026, 11, 27, 17, 50), utc(2026, 11, 30, 8, 10)
    assert HOURS.support_time_between(start, end) == timedelta(minutes=20)


def test_support_time_is_zero_for_reversed_interval() -> None:
    assert HOURS.support_time_between(utc(2026, 11, 27, 12), utc(2026, 11, 27, 11)) == timedelta(0)


def test_describe_next_opening_reads_naturally() -> None:
    assert HOURS.describe_next_opening(utc(2026, 11, 27, 19, 0)) == "Monday 30 November at 08:00 (UK time)"
    assert HOURS.describe_next_opening(utc(2026, 11, 26, 19, 0)) == "tomorrow at 08:00 (UK time)"


@pytest.mark.parametrize("text", ["8-18", "18:00-08:00", "nonsense"])
def test_parse_hours_rejects_bad_text(text: str) -> None:
    with pytest.raises(ValueError, match="support hours"):
        parse_hours(text)
