"""The local scheduler's reading of EventBridge Scheduler expressions: AWS's cron dialect on cronsim, in a time zone.

Examples come from AWS's cron reference (docs.aws.amazon.com/eventbridge/latest/userguide/eb-cron-expressions.html)
and the Scheduler guide's daylight-saving rules (scheduler/latest/UserGuide/schedule-types.html).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from devstack.cron import check_expression, next_fire_times

# Thursday 1 October 2026, noon UTC.
AFTER = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        # 10:00 every day.
        ("cron(0 10 * * ? *)", [at(2026, 10, 2, 10), at(2026, 10, 3, 10)]),
        # 12:15 every day.
        ("cron(15 12 * * ? *)", [at(2026, 10, 1, 12, 15), at(2026, 10, 2, 12, 15)]),
        # 18:00 Monday to Friday: Thursday, Friday, then Monday.
        ("cron(0 18 ? * MON-FRI *)", [at(2026, 10, 1, 18), at(2026, 10, 2, 18), at(2026, 10, 5, 18)]),
        # 08:00 on the first day of every month.
        ("cron(0 8 1 * ? *)", [at(2026, 11, 1, 8), at(2026, 12, 1, 8)]),
        # Every 15 minutes.
        ("cron(0/15 * * * ? *)", [at(2026, 10, 1, 12, 15), at(2026, 10, 1, 12, 30), at(2026, 10, 1, 12, 45)]),
        # Every 10 minutes Monday to Friday.
        ("cron(0/10 * ? * MON-FRI *)", [at(2026, 10, 1, 12, 10), at(2026, 10, 1, 12, 20)]),
        # Every 5 minutes between 08:00 and 17:55, Monday to Friday.
        ("cron(0/5 8-17 ? * MON-FRI *)", [at(2026, 10, 1, 12, 5), at(2026, 10, 1, 12, 10)]),
        # 09:00 on the first Monday of each month (AWS numbers Monday 2).
        ("cron(0 9 ? * 2#1 *)", [at(2026, 10, 5, 9), at(2026, 11, 2, 9), at(2026, 12, 7, 9)]),
        # 10:15 on the last Friday of every month, 2026 to 2027 only (AWS numbers Friday 6).
        ("cron(15 10 ? * 6L 2026-2027)", [at(2026, 10, 30, 10, 15), at(2026, 11, 27, 10, 15)]),
        # The last day of the month, and L alone in day-of-week: Saturday, the week's last day.
        ("cron(0 0 L * ? *)", [at(2026, 10, 31), at(2026, 11, 30), at(2026, 12, 31)]),
        ("cron(0 6 ? * L *)", [at(2026, 10, 3, 6), at(2026, 10, 10, 6)]),
        # Day-of-week numbers 1-7 are SUN-SAT: 1 is Sunday, 7 is Saturday; names and numbers mix.
        ("cron(0 7 ? * 1,7 *)", [at(2026, 10, 3, 7), at(2026, 10, 4, 7), at(2026, 10, 10, 7)]),
        ("cron(0 7 ? * SUN,3-4 *)", [at(2026, 10, 4, 7), at(2026, 10, 6, 7), at(2026, 10, 7, 7)]),
        # Year field: a list, and a step from a start year; nothing before the first allowed year.
        ("cron(0/20 10 1 JAN ? 2027)", [at(2027, 1, 1, 10), at(2027, 1, 1, 10, 20), at(2027, 1, 1, 10, 40)]),
        ("cron(0 0 1 1 ? 2026/3)", [at(2029, 1, 1), at(2032, 1, 1)]),
        ("cron(0 0 1 1 ? 2028,2031)", [at(2028, 1, 1), at(2031, 1, 1)]),
    ],
)
def test_aws_examples_fire_when_aws_says(expression: str, expected: list[datetime]) -> None:
    assert next_fire_times(expression, "UTC", AFTER, len(expected)) == expected


def test_a_weekday_schedule_skips_the_weekend() -> None:
    friday_late = at(2026, 10, 2, 23, 45)

    assert next_fire_times("cron(0/10 * ? * MON-FRI *)", "UTC", friday_late, 2) == [
        at(2026, 10, 2, 23, 50),
        at(2026, 10, 5, 0, 0),
    ]


def test_a_schedule_whose_years_have_passed_never_fires_again() -> None:
    assert next_fire_times("cron(0 0 1 1 ? 2020-2025)", "UTC", AFTER, 3) == []
    assert next_fire_times("cron(0 0 1 1 ? 2027)", "UTC", AFTER, 3) == [at(2027, 1, 1)]


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        # Clocks go back on Sunday 25 October 2026: Monday 08:00 London is 08:00Z.
        (at(2026, 10, 23, 9), at(2026, 10, 26, 8)),
        # Clocks go forward on Sunday 29 March 2026: Monday 08:00 London is 07:00Z.
        (at(2026, 3, 27, 9), at(2026, 3, 30, 7)),
    ],
)
def test_start_of_day_follows_london_summer_time(after: datetime, expected: datetime) -> None:
    assert next_fire_times("cron(0 8 ? * MON-FRI *)", "Europe/London", after, 1) == [expected]


def test_a_time_skipped_when_the_clocks_go_forward_does_not_run() -> None:
    # 01:30 does not exist in London on Sunday 29 March 2026: Scheduler skips that day's run.
    assert next_fire_times("cron(30 1 * * ? *)", "Europe/London", at(2026, 3, 28, 2), 2) == [
        at(2026, 3, 30, 0, 30),
        at(2026, 3, 31, 0, 30),
    ]


def test_a_time_repeated_when_the_clocks_go_back_runs_once() -> None:
    # 01:00-01:59 happens twice in London on Sunday 25 October 2026 (BST, then GMT): each run happens once.
    assert next_fire_times("cron(30 1 * * ? *)", "Europe/London", at(2026, 10, 24, 12), 2) == [
        at(2026, 10, 25, 0, 30),
        at(2026, 10, 26, 1, 30),
    ]
    assert next_fire_times("cron(0/15 1 * * ? *)", "Europe/London", at(2026, 10, 24, 12), 5) == [
        at(2026, 10, 25, 0, 0),
        at(2026, 10, 25, 0, 15),
        at(2026, 10, 25, 0, 30),
        at(2026, 10, 25, 0, 45),
        at(2026, 10, 26, 1, 0),
    ]


def test_the_templates_weekday_jobs_in_london() -> None:
    friday_noon = at(2026, 10, 23, 12)

    assert next_fire_times("cron(30 17 ? * MON-FRI *)", "Europe/London", friday_noon, 2) == [
        at(2026, 10, 23, 16, 30),
        at(2026, 10, 26, 17, 30),
    ]
    assert next_fire_times("cron(0 9 ? * MON *)", "Europe/London", friday_noon, 1) == [at(2026, 10, 26, 9)]


def test_rate_and_at_expressions() -> None:
    assert next_fire_times("rate(5 minutes)", "Europe/London", at(2026, 1, 1, 10, 2), 2) == [
        at(2026, 1, 1, 10, 5),
        at(2026, 1, 1, 10, 10),
    ]
    assert next_fire_times("at(2026-07-01T09:00:00)", "Europe/London", AFTER.replace(month=1), 1) == [at(2026, 7, 1, 8)]
    assert next_fire_times("at(2026-07-01T09:00:00)", "Europe/London", AFTER, 1) == []


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        ("cron(0 8 * * MON-FRI *)", "exactly one of day-of-month and day-of-week"),
        ("cron(0 8 ? * ? *)", "exactly one of day-of-month and day-of-week"),
        ("cron(0 8 ? *)", "needs 6 fields"),
        ("cron(0 0 8 * * ? *)", "needs 6 fields"),
        ("cron(0 8 15W * ? *)", "W (the nearest weekday) is not supported"),
        ("cron(0 8 ? * 2/2 *)", "day-of-week takes no '/'"),
        ("cron(0 8 ? * 0 *)", "day-of-week '0' is not 1-7"),
        ("cron(0 8 ? * 8 *)", "day-of-week '8' is not 1-7"),
        ("cron(0 8 ? * 2#6 *)", "Bad day-of-week"),
        ("cron(0 8 1 SMARCH ? *)", "Bad month"),
        ("cron(60 8 1 * ? *)", "Bad minute"),
        ("cron(0 8 1 * ? 1969)", "year '1969' is outside 1970-2199"),
        ("cron(0 8 1 * ? next)", "year 'next' is not a year"),
        ("rate(0 minutes)", "at least 1"),
        ("rate(5 weeks)", "unsupported schedule expression"),
        ("every day", "unsupported schedule expression"),
    ],
)
def test_forms_the_local_scheduler_cannot_run_are_refused_with_the_reason(expression: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        check_expression(expression, "Europe/London")


def test_an_unknown_time_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown time zone 'Europe/Londinium'"):
        check_expression("cron(0 8 ? * MON-FRI *)", "Europe/Londinium")
