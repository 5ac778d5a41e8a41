"""Requests per operation: DynamoDB by operation name, Slack, Jira and PagerDuty from the stand-ins' records."""

from __future__ import annotations

import copy
import json
import re
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from tests.harness import fixture

from bench.env import SHARED
from bench.stack import MONDAY, stack
from opsdesk import entrypoints
from opsdesk.slack.ids import Action, Callback, Field

if TYPE_CHECKING:
    from collections.abc import Callable

    from bench.counting import DynamoDBCalls
    from bench.stack import Stack, World

# When EventBridge Scheduler fires each job (Europe/London is UTC in November); others run at 10:05.
JOB_TIMES = {
    "start-of-day": MONDAY.replace(hour=8, minute=0),
    "end-of-day": MONDAY.replace(hour=17, minute=30),
    "handover-check": MONDAY.replace(hour=18, minute=0),
    "weekly-report": MONDAY.replace(hour=9, minute=0),
    "postmortem-reminders": MONDAY.replace(hour=10, minute=0),
}
_SCAN_CALL = re.compile(r"\.scan\(")


def static_scans() -> list[str]:
    """Every `.scan(` under shared/: a Scan reads the whole table, so none may exist."""
    return [
        f"{path.relative_to(SHARED.parent)}:{number}"
        for path in sorted(SHARED.rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if _SCAN_CALL.search(line)
    ]


def tick(job: str, at: datetime) -> dict[str, Any]:
    return {
        "job": job,
        "time": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "schedule_arn": f"arn:aws:scheduler:::schedule/default/{job}",
        "execution_id": "bench",
        "attempt_number": "1",
    }


def alarm_event(name: str, state: str, at: datetime, *, via: str = "sns") -> dict[str, Any]:
    """A CloudWatch alarm state change as SNS or the EventBridge rule delivers it."""
    arn = f"arn:aws:cloudwatch:eu-west-2:123456789012:alarm:{name}"
    stamp = at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}+0000"
    if via == "sns":
        event = copy.deepcopy(fixture("aws/sns_cloudwatch_alarm_ALARM.json"))
        message = json.loads(event["Records"][0]["Sns"]["Message"])
        message.update(AlarmName=name, AlarmArn=arn, NewStateValue=state, StateChangeTime=stamp, Region="EU (London)")
        message["NewStateReason"] = f"Threshold Crossed: went to {state}"
        event["Records"][0]["Sns"]["Message"] = json.dumps(message)
        event["Records"][0]["Sns"]["MessageId"] = f"{name}-{state}-{stamp}"
        return event
    event = copy.deepcopy(fixture("aws/eventbridge_cloudwatch_alarm_state_change_ALARM.json"))
    event.update(resources=[arn], region="eu-west-2", id=f"{name}-{state}-{stamp}")
    event["detail"]["alarmName"] = name
    event["detail"]["state"].update(value=state, timestamp=stamp, reason=f"Threshold Crossed: went to {state}")
    return event


class Recorder:
    """Runs one operation and records what it cost; a missing feature is reported, not fatal."""

    def __init__(self, world: World, calls: DynamoDBCalls) -> None:
        self.world = world
        self.calls = calls
        self.results: dict[str, dict[str, Any]] = {}

    def measure(self, name: str, operation: Callable[[], object]) -> None:
        before = self.world.external_calls()
        self.calls.reset()
        try:
            outcome = operation()
        except Exception as error:  # one unfinished feature must not hide the others' figures
            self.results[name] = {"error": f"{type(error).__name__}: {error}"[:200]}
            return
        after = self.world.external_calls()
        self.results[name] = {
            "dynamodb": self.calls.total,
            "dynamodb_by_operation": self.calls.snapshot(),
            **{service: after[service] - before[service] for service in after},
        }
        status = outcome.get("statusCode") if isinstance(outcome, dict) else None
        if status not in (None, 200):
            self.results[name]["status"] = status


def _open_incident(bench: Stack) -> str:
    [incident] = entrypoints.wiring().incident_repository.list_open()
    return incident.id


def operations(world: World, calls: DynamoDBCalls) -> dict[str, Any]:
    """Each operation once, in the order a day brings them, through the real handlers (lazy work inline)."""
    world.reset_stand_ins()
    bench = stack(world, lazy="inline")
    recorder = Recorder(world, calls)
    slack = bench.slack

    recorder.measure("declare", lambda: slack.command("declare high: Database down"))
    # Looked up after the measurement: the bench's own read is not the declaration's cost.
    incident = _open_incident(bench)
    recorder.measure("take_lead", lambda: slack.click(Action.TAKE_LEAD, incident))
    recorder.measure(
        "update", lambda: slack.submit(Callback.UPDATE, {Field.UPDATE_TEXT: "Failing over"}, private_metadata=incident)
    )
    recorder.measure("alarm", lambda: bench.invoke("AlarmsFunction", alarm_event("prod-db-cpu", "ALARM", MONDAY)))
    recorder.measure(
        "resolve", lambda: slack.submit(Callback.RESOLVE, {Field.SUMMARY: "Failed over"}, private_metadata=incident)
    )
    _support(bench, recorder)
    from opsdesk.jobs.registry import JOBS
    from opsdesk.jobs.runner import run_tick  # noqa: F401  # importing the runner registers every job

    for job in sorted(JOBS):
        at = JOB_TIMES.get(job, MONDAY.replace(minute=5)) + timedelta(minutes=20)
        recorder.measure(f"job:{job}", lambda job=job, at=at: bench.invoke("SchedulesFunction", tick(job, at)))
    return recorder.results


def _support(bench: Stack, recorder: Recorder) -> None:
    from opsdesk.domain.requests import request_id_for
    from opsdesk.slack.support_ids import SupportAction

    world = bench.world
    ts = f"{MONDAY.timestamp() + 60:.6f}"

    def support_request() -> object:
        # Stored with a ts inside support hours: the message's own time decides triage and auto-replies.
        with world.slack.lock:
            world.slack.workspace.post(
                bench.channel, {"text": "Can someone restart the VPN?"}, user="U0REPORTER", ts=ts
            )
        event = {
            "type": "message",
            "channel": bench.channel,
            "user": "U0REPORTER",
            "text": "Can someone restart the VPN?",
            "ts": ts,
            "event_ts": ts,
            "channel_type": "channel",
        }
        return bench.slack.event(event)

    recorder.measure("support_request", support_request)
    request_id = request_id_for(bench.channel, ts)
    recorder.measure("ticket", lambda: bench.slack.click(SupportAction.RAISE_TICKET, request_id))
