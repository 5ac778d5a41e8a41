"""Schedule ticks: a run killed mid-job is retried by Lambda and the job still happens, once.

The slot's in-progress lock lasts the invocation's remaining time (Powertools idempotency, on the wall clock).
A run Lambda kills at its timeout has used all of it, so the test gives that run no time left: its lock has
run out by the time Lambda retries, as it has in AWS a minute later, without the test waiting.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest

from devstack.runtime import FunctionError, LambdaContext
from opsdesk.flows.day import WorkingDay

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

    # GIVEN the first run dies inside the job at its timeout, holding the slot
    with monkeypatch.context() as patch:
        patch.setattr(WorkingDay, "start", killed)
        patch.setattr(stack.runtime, "context", lambda name: LambdaContext(name, timeout_seconds=0))
        with pytest.raises((Killed, FunctionError)):
            stack.tick("start-of-day", START_OF_DAY)
    assert team_posts(stack) == []

    # WHEN Lambda retries the same tick (same scheduled time) a minute later
    stack.clock.advance(minutes=1)
    stack.tick("start-of-day", START_OF_DAY)
    stack.tick("start-of-day", START_OF_DAY + timedelta(seconds=40))  # and Scheduler repeats itself

    # THEN the day starts, once
    assert len(team_posts(stack)) == 1


def test_a_tick_arriving_while_the_run_is_live_leaves_the_slot_to_it(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    stack.clock.now = START_OF_DAY
    start = WorkingDay.start
    during: list[dict] = []

    def start_with_a_duplicate_tick(self: WorkingDay, *args: object, **kwargs: object) -> object:
        during.append(stack.tick("start-of-day", START_OF_DAY + timedelta(seconds=10)))
        return start(self, *args, **kwargs)

    # GIVEN Scheduler fires the same tick again while the first run is still working
    monkeypatch.setattr(WorkingDay, "start", start_with_a_duplicate_tick)
    first = stack.tick("start-of-day", START_OF_DAY)
    monkeypatch.undo()
    # WHEN it fires once more after the run finished
    later = stack.tick("start-of-day", START_OF_DAY + timedelta(seconds=40))

    # THEN the live run kept the slot, the later tick was answered with its result, and the day started once
    assert during == [{"job": "start-of-day", "skipped": "running now", "slot": "2026-11-30"}]
    assert first["slot"] == "2026-11-30" and "skipped" not in first
    assert later == {**first, "skipped": "already ran"}
    assert len(team_posts(stack)) == 1


def test_the_slot_record_is_keyed_on_job_and_slot_and_kept_for_two_weeks(stack: Stack) -> None:
    stack.clock.now = START_OF_DAY
    stack.tick("start-of-day", START_OF_DAY)
    items = stack.dynamodb().query(
        TableName=stack.table_name,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": "JOB#start-of-day"}},
    )["Items"]
    [item] = items
    assert item["sk"]["S"].startswith("RUN#2026-11-30#")
    assert item["status"]["S"] == "COMPLETED"
    kept = int(item["expires_at"]["N"]) - time.time()
    assert timedelta(days=13, hours=23).total_seconds() < kept <= timedelta(days=14).total_seconds()
