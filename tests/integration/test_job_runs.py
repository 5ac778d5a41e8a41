"""Schedule ticks: a run killed mid-job is retried by Lambda and the job still happens, once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest

from devstack.runtime import FunctionError
from opsdesk.flows.day import WorkingDay
from opsdesk.store.job_runs import JobRuns

if TYPE_CHECKING:
    from tests.integration.conftest import Stack

pytestmark = pytest.mark.integration
START_OF_DAY = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # a Monday, 08:00 London


class Killed(BaseException):
    """The function timed out: nothing after this line ran, not even the release of the claim."""


def team_posts(stack: Stack) -> list[dict]:
    return [m for m in stack.slack_api.messages("C0TEAM") if m.get("thread_ts", m["ts"]) == m["ts"]]


def test_a_job_killed_mid_run_is_done_by_lambdas_retry_a_minute_later(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    stack.clock.now = START_OF_DAY

    def killed(*_: object, **__: object) -> None:
        raise Killed

    # GIVEN the first run dies inside the job, holding its claim
    with monkeypatch.context() as patch:
        patch.setattr(WorkingDay, "start", killed)
        with pytest.raises((Killed, FunctionError)):
            stack.tick("start-of-day", START_OF_DAY)
    assert team_posts(stack) == []

    # WHEN Lambda retries the same tick (same scheduled time) a minute later
    stack.clock.advance(minutes=1)
    stack.tick("start-of-day", START_OF_DAY)
    stack.tick("start-of-day", START_OF_DAY + timedelta(seconds=40))  # and Scheduler repeats itself

    # THEN the day starts, once
    assert len(team_posts(stack)) == 1


def test_a_live_run_keeps_its_slot(stack: Stack) -> None:
    runs = JobRuns(stack.table_name)
    assert runs.claim("start-of-day", "2026-11-30", START_OF_DAY)
    assert not runs.claim("start-of-day", "2026-11-30", START_OF_DAY + timedelta(seconds=10))
    assert runs.claim("start-of-day", "2026-11-30", START_OF_DAY + timedelta(minutes=1))
