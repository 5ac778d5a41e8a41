"""Issue 14's rules in the domain: calendar periods for stats, out-of-hours periods, untaken raises, who is on duty,
not-a-request and requests linked to incidents."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from pydantic import ValidationError

from opsdesk.domain.clock import SupportHours
from opsdesk.domain.errors import Conflict
from opsdesk.domain.ports import AfterHours
from opsdesk.domain.requests import Raise, Stage, SupportRequest
from opsdesk.domain.rota import Cover, Pair, RotaToday
from opsdesk.domain.stats import Period, calendar_periods
from opsdesk.settings import Settings
from opsdesk.slack.views.support import nudge_text, out_of_hours_notice

HOURS = SupportHours()
MONDAY_10 = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
TEN, THIRTY = timedelta(minutes=10), timedelta(minutes=30)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def new(at: datetime = MONDAY_10) -> SupportRequest:
    return SupportRequest("C0OPS", "1764496800.000100", "U0REQ", "Cannot reach the bastion", at, stage_since=at)


# ---- /ops stats: calendar periods


@pytest.mark.parametrize(
    ("period", "now", "current", "previous"),
    [
        # A month is compared with the calendar month before, not "the week before" or 30 days
        (Period.MONTH, utc(2026, 3, 10, 9), ("March 2026 so far", utc(2026, 3, 1)), ("February 2026", utc(2026, 2, 1))),
        (Period.MONTH, utc(2026, 1, 5, 9), ("January 2026 so far", utc(2026, 1, 1)),
         ("December 2025", utc(2025, 12, 1))),
        (Period.WEEK, utc(2026, 12, 2, 9), ("the week of 30 November 2026 so far", utc(2026, 11, 30)),
         ("the week of 23 November 2026", utc(2026, 11, 23))),
        (Period.QUARTER, utc(2026, 5, 20, 9), ("Q2 2026 so far", utc(2026, 4, 1) - timedelta(hours=1)),
         ("Q1 2026", utc(2026, 1, 1))),
    ],
)  # fmt: skip
def test_stats_compare_a_calendar_period_with_the_whole_one_before(
    period: Period, now: datetime, current: tuple[str, datetime], previous: tuple[str, datetime]
) -> None:
    this, before = calendar_periods(period, now, HOURS)
    assert (this.label, this.start, this.end) == (*current, now)
    assert (before.label, before.start, before.end) == (*previous, this.start)


def test_periods_start_at_london_midnight_in_summer_time() -> None:
    this, _ = calendar_periods(Period.MONTH, utc(2026, 7, 15, 12), HOURS)
    assert this.start == utc(2026, 6, 30, 23)  # 1 July 00:00 BST


# ---- out-of-hours periods


@pytest.mark.parametrize(
    ("moment", "closed"),
    [
        (utc(2026, 11, 28, 11, 0), utc(2026, 11, 27, 18, 0)),  # Saturday: since Friday 18:00
        (utc(2026, 11, 30, 7, 30), utc(2026, 11, 27, 18, 0)),  # Monday before 08:00: the same period
        (utc(2026, 11, 30, 19, 0), utc(2026, 11, 30, 18, 0)),  # Monday evening: a new one
        (utc(2026, 12, 28, 12, 0), utc(2026, 12, 24, 18, 0)),  # Christmas: bank holidays are out of hours
    ],
)
def test_an_out_of_hours_period_is_named_by_when_support_last_closed(moment: datetime, closed: datetime) -> None:
    assert HOURS.last_closing(moment) == closed


def test_support_hours_read_as_words() -> None:
    assert HOURS.describe() == "08:00-18:00 UK time, Monday to Friday (not bank holidays)"
    assert HOURS.describe_next_opening(utc(2026, 11, 28, 11)) == "Monday 30 November at 08:00 (UK time)"


# ---- untaken requests


def test_an_untaken_request_is_raised_to_who_is_on_duty_then_to_the_team_once_each() -> None:
    request = new()
    assert request.raise_due(MONDAY_10 + timedelta(minutes=9), HOURS, on_duty=TEN, team=THIRTY) is None
    assert request.raise_due(MONDAY_10 + TEN, HOURS, on_duty=TEN, team=THIRTY) is Raise.ON_DUTY
    raised = request.mark_raised(Raise.ON_DUTY, MONDAY_10 + TEN)
    assert raised.raise_due(MONDAY_10 + timedelta(minutes=20), HOURS, on_duty=TEN, team=THIRTY) is None
    assert raised.raise_due(MONDAY_10 + THIRTY, HOURS, on_duty=TEN, team=THIRTY) is Raise.TEAM
    escalated = raised.mark_raised(Raise.TEAM, MONDAY_10 + THIRTY)
    assert escalated.raise_due(MONDAY_10 + timedelta(hours=3), HOURS, on_duty=TEN, team=THIRTY) is None
    # a request first seen at 30 minutes (sweeps missed) goes straight to the team, and is then raised
    assert request.raise_due(MONDAY_10 + THIRTY, HOURS, on_duty=TEN, team=THIRTY) is Raise.TEAM


def test_a_request_someone_took_is_never_raised() -> None:
    taken = new().take("U0ALICE", MONDAY_10 + timedelta(minutes=1))
    assert taken.raise_due(MONDAY_10 + timedelta(hours=1), HOURS, on_duty=TEN, team=THIRTY) is None


def test_waiting_time_counts_support_hours_only() -> None:
    friday = new(utc(2026, 11, 27, 17, 55))
    assert friday.raise_due(utc(2026, 11, 30, 8, 4), HOURS, on_duty=TEN, team=THIRTY) is None
    assert friday.raise_due(utc(2026, 11, 30, 8, 5), HOURS, on_duty=TEN, team=THIRTY) is Raise.ON_DUTY


def test_the_team_is_raised_after_whoever_is_on_support() -> None:
    with pytest.raises(ValidationError, match="UNTAKEN_TEAM_MINUTES"):
        Settings(table_name="t", ops_channel_id="C1", team_channel_id="C2", untaken_minutes=30, untaken_team_minutes=30)


# ---- lunch cover


def test_the_cover_person_is_on_duty_in_their_window_and_the_pair_otherwise() -> None:
    day = date(2026, 11, 30)
    cover = Cover("U0CAROL", day, time(12), time(13))
    rota = RotaToday(day, Pair(("U0ALICE", "U0BOB"), day), (cover,), None)
    assert rota.on_duty(time(11, 59)).engineers == ("U0ALICE", "U0BOB")
    assert rota.on_duty(time(12, 0)).cover == cover
    assert rota.on_duty(time(12, 59)).engineers == ("U0CAROL",)
    assert rota.on_duty(time(13, 0)).cover is None


# ---- not a request, and requests linked to incidents


def test_not_a_request_is_done_without_counting_and_cannot_close_a_done_request() -> None:
    closed = new().close_as_not_a_request("U0BOB", MONDAY_10 + TEN)
    assert closed.stage is Stage.DONE and not closed.counted and closed.resolution == "Not a request."
    assert closed.close_as_not_a_request("U0ALICE", MONDAY_10 + THIRTY) is closed  # a double click
    done = new().take("U0ALICE", MONDAY_10).move_to(Stage.DONE, MONDAY_10 + TEN)
    with pytest.raises(Conflict):
        done.close_as_not_a_request("U0BOB", MONDAY_10 + THIRTY)


def test_a_request_linked_to_an_incident_is_done_when_that_incident_is_resolved() -> None:
    linked = new().link_incident("INC-AAAAA", "U0ALICE", MONDAY_10 + TEN)
    assert (linked.stage, linked.assignee, linked.incident_id) == (Stage.IN_PROGRESS, "U0ALICE", "INC-AAAAA")
    assert linked.link_incident("INC-BBBBB", "U0BOB", MONDAY_10 + THIRTY) is linked  # linked once
    assert linked.resolved_with("INC-BBBBB", "other", MONDAY_10 + THIRTY) is linked  # not its incident
    done = linked.resolved_with("INC-AAAAA", "Restarted the workers", MONDAY_10 + THIRTY)
    assert done.stage is Stage.DONE and done.resolution == "Resolved with incident INC-AAAAA: Restarted the workers"
    assert linked.resolved_with("INC-AAAAA", "", MONDAY_10 + THIRTY).resolution == "Resolved with incident INC-AAAAA"


# ---- how it reads


@pytest.mark.parametrize(
    ("paging", "said"),
    [
        ("", None),
        ("weekends", "pages the on-call engineer at weekends."),
        ("weeknights", "pages the on-call engineer at weekends, on weeknights and on bank holidays."),
    ],
)
def test_the_out_of_hours_reply_says_when_someone_is_paged_and_never_a_command(paging: str, said: str | None) -> None:
    text = out_of_hours_notice(AfterHours("Monday 30 November at 08:00 (UK time)", HOURS.describe()), paging)
    assert "support resumes Monday 30 November at 08:00 (UK time)" in text
    assert "`" not in text and "/incident" not in text
    assert (said in text) if said else ("pages" not in text)


def test_the_triage_nudge_reads_the_setting() -> None:
    assert nudge_text(25) == "This has taken over 25 minutes: raise a Jira ticket?"
