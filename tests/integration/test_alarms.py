"""CloudWatch alarms to incidents through the real AlarmsFunction, boto3 -> moto, WebClient -> Slack stand-in."""

from __future__ import annotations

import copy
import json
import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest

from devstack.runtime import FunctionError
from opsdesk import entrypoints
from opsdesk.domain.incidents import EntryKind
from opsdesk.slack.ids import Action, Callback, Field
from tests.harness import fixture

if TYPE_CHECKING:
    from tests.integration.conftest import Stack

pytestmark = pytest.mark.integration

ARN = "arn:aws:cloudwatch:eu-west-2:123456789012:alarm:prod-api-5xx"
T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
RUNBOOK = "https://runbooks.example.com/api-5xx"


def stamp(moment: datetime) -> str:
    """CloudWatch's own format: milliseconds and a +0000 offset."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def sns_event(state: str = "ALARM", at: datetime = T0, *, arn: str = ARN, name: str = "prod-api-5xx") -> dict[str, Any]:
    event = copy.deepcopy(fixture("aws/sns_cloudwatch_alarm_ALARM.json"))
    message = json.loads(event["Records"][0]["Sns"]["Message"])
    message.update(
        AlarmName=name,
        AlarmArn=arn,
        AlarmDescription=f"API 5xx rate is high. Runbook: {RUNBOOK}",
        NewStateValue=state,
        NewStateReason=f"Threshold Crossed: went to {state}",
        StateChangeTime=stamp(at),
        Region="EU (London)",
    )
    message["Trigger"].update(MetricName="5XXError", Namespace="AWS/ApiGateway", Threshold=5.0)
    event["Records"][0]["Sns"]["Message"] = json.dumps(message)
    return event


def eventbridge_event(state: str = "ALARM", at: datetime = T0, *, arn: str = ARN) -> dict[str, Any]:
    event = copy.deepcopy(fixture("aws/eventbridge_cloudwatch_alarm_state_change_ALARM.json"))
    event["resources"] = [arn]
    event["region"] = "eu-west-2"
    detail = event["detail"]
    detail["alarmName"] = arn.rsplit(":", 1)[1]
    detail["configuration"]["description"] = f"API 5xx rate is high. Runbook: {RUNBOOK}"
    detail["state"].update(value=state, timestamp=stamp(at), reason=f"Threshold Crossed: went to {state}")
    return event


def use_routes(stack: Stack, routes: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch) -> None:
    # The runtime lets the developer's environment win over the template's (empty) default; the wiring
    # (rebuilt here, with the test's clock) reads the process's.
    monkeypatch.setitem(stack.runtime._developer_environment, "ALARM_ROUTES", json.dumps(routes))
    monkeypatch.setenv("ALARM_ROUTES", json.dumps(routes))
    # Only what reads the settings: DynamoDB's client (and the faults a test put on it) stays.
    entrypoints.settings.cache_clear()
    entrypoints.wiring.cache_clear()
    entrypoints.wiring().now = stack.clock


# The alarms this module sends are ones the team agreed are always incidents (a user-facing outage):
# their alerts declare by themselves, so what an alarm does to its incident is tested here;
# tests/integration/test_alerts.py tests alerts that wait for a person.
AUTO_DECLARE = [{"pattern": "prod-api-*", "service": "Civil API", "user_facing": True, "declare": "auto"}]


@pytest.fixture(autouse=True)
def auto_declare(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    use_routes(stack, AUTO_DECLARE, monkeypatch)


def alarm(stack: Stack, event: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = stack.invoke("AlarmsFunction", event)
    return result


def repository() -> Any:
    return entrypoints.wiring().incident_repository


def announcements(stack: Stack) -> list[dict[str, Any]]:
    return [message for message in stack.ops_messages() if message.get("thread_ts") in (None, message["ts"])]


def thread_texts(stack: Stack, ts: str) -> list[str]:
    return [message.get("text", "") for message in stack.slack_api.thread(stack.environment["OPS_CHANNEL_ID"], ts)]


def test_the_same_change_via_sns_twice_and_eventbridge_opens_one_incident(stack: Stack) -> None:
    # GIVEN one ALARM change, delivered twice by SNS and once by EventBridge
    first = alarm(stack, sns_event())
    second = alarm(stack, sns_event())
    third = alarm(stack, eventbridge_event())

    # THEN exactly one incident is open (its route declares by itself), announced once, and leadership told once each
    assert first == {"declared": 1}
    assert second in ({"duplicate": 1}, {"stale": 1})
    assert third == {"duplicate": 1}
    [incident] = repository().list_open()
    assert incident.source.value == "alarm" and incident.detected_at == T0
    assert len(announcements(stack)) == 1
    dms = [call for call in stack.slack_api.calls("chat.postMessage") if call["params"]["channel"].startswith("U0LEAD")]
    assert len(dms) == 2
    # AND the timeline has the alarm, then the declaration, nothing else
    assert [entry.kind for entry in repository().timeline(incident.id)] == [EntryKind.ALARM, EntryKind.DECLARED]


def test_an_auto_declared_incident_costs_seven_dynamodb_calls_and_a_copy_one(
    stack: Stack, dynamodb_calls: list[str]
) -> None:
    # The alert (its group, then its follow-ups done with the seen marker), the incident (created, announced),
    # the alarm history on its timeline, the group's "became INC-...": one read, six transactions, no other read.
    alarm(stack, sns_event())
    assert dynamodb_calls == ["BatchGetItem"] + ["TransactWriteItems"] * 6
    dynamodb_calls.clear()
    alarm(stack, sns_event("OK", T0 + timedelta(minutes=5)))
    dynamodb_calls.clear()
    alarm(stack, eventbridge_event("OK", T0 + timedelta(minutes=5)))
    assert dynamodb_calls == ["BatchGetItem"]


def test_the_announcement_shows_reason_metric_threshold_console_and_runbook(stack: Stack) -> None:
    alarm(stack, sns_event())
    [announcement] = announcements(stack)
    text = json.dumps(announcement["blocks"])
    assert "prod-api-5xx" in text and "Threshold Crossed" in text
    assert "AWS/ApiGateway/5XXError" in text and "GreaterThanThreshold 5" in text
    assert "eu-west-2.console.aws.amazon.com/cloudwatch" in text
    assert RUNBOOK in text


def test_routes_decide_service_and_priority_user_facing_is_high(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    routes = [*AUTO_DECLARE, {"pattern": "*", "service": "x", "declare": "auto", "group": "x"}]
    use_routes(stack, routes, monkeypatch)
    alarm(stack, sns_event())
    alarm(stack, sns_event(arn=ARN.replace("prod-api-5xx", "batch-lag"), name="batch-lag"))
    by_service = {incident.service: incident for incident in repository().list_open()}
    assert by_service["Civil API"].priority.value == "high"
    assert by_service["x"].priority.value == "normal"


def test_a_flapping_alarm_is_one_incident_and_ok_never_closes_it(stack: Stack) -> None:
    # GIVEN an alarm that fires, recovers and fires again
    alarm(stack, sns_event("ALARM", T0))
    assert alarm(stack, eventbridge_event("OK", T0 + timedelta(minutes=5))) == {"recovered": 1}
    assert alarm(stack, sns_event("ALARM", T0 + timedelta(minutes=9))) == {"attached": 1}

    # THEN it is one incident, still open, with the alarm firing again
    [incident] = repository().list_open()
    assert incident.alarm is not None and incident.alarm.state == "ALARM"
    kinds = [entry.kind for entry in repository().timeline(incident.id)]
    assert kinds == [EntryKind.ALARM, EntryKind.DECLARED, EntryKind.RECOVERED, EntryKind.ALARM]
    # AND the thread offered "Recovered: resolve?" with a button, then said it fired again
    assert incident.announcement is not None
    replies = stack.slack_api.thread(stack.environment["OPS_CHANNEL_ID"], incident.announcement.ts)[1:]
    recovered = next(message for message in replies if "Recovered" in message.get("text", ""))
    assert Action.RECOVERED_RESOLVE in json.dumps(recovered["blocks"])
    assert any("ALARM again" in message.get("text", "") for message in replies)
    assert len(announcements(stack)) == 1


def test_an_older_ok_arriving_late_never_marks_recovery(stack: Stack) -> None:
    # GIVEN the ALARM at 09:10 is applied, then an OK from 09:05 arrives late
    alarm(stack, sns_event("ALARM", T0 + timedelta(minutes=10)))
    assert alarm(stack, eventbridge_event("OK", T0 + timedelta(minutes=5))) == {"stale": 1}
    [incident] = repository().list_open()
    # THEN the incident still shows the alarm firing, and no recovery was recorded or offered
    assert incident.alarm is not None and incident.alarm.state == "ALARM"
    assert EntryKind.RECOVERED not in [entry.kind for entry in repository().timeline(incident.id)]
    assert incident.announcement is not None
    assert not any("Recovered" in text for text in thread_texts(stack, incident.announcement.ts))


def test_an_older_alarm_arriving_after_recovery_does_not_undo_it(stack: Stack) -> None:
    alarm(stack, sns_event("ALARM", T0))
    alarm(stack, sns_event("OK", T0 + timedelta(minutes=20)))
    assert alarm(stack, eventbridge_event("ALARM", T0 + timedelta(minutes=10))) == {"stale": 1}
    [incident] = repository().list_open()
    assert incident.alarm is not None and incident.alarm.state == "OK"


def test_insufficient_data_is_a_timeline_note(stack: Stack) -> None:
    alarm(stack, sns_event("ALARM", T0))
    assert alarm(stack, sns_event("INSUFFICIENT_DATA", T0 + timedelta(minutes=3))) == {"noted": 1}
    [incident] = repository().list_open()
    last = repository().timeline(incident.id)[-1]
    assert last.kind is EntryKind.NOTE and "insufficient data" in last.text


def test_ok_or_insufficient_data_without_an_incident_opens_nothing(stack: Stack) -> None:
    assert alarm(stack, sns_event("OK", T0)) == {"no_alert": 1}
    assert alarm(stack, eventbridge_event("INSUFFICIENT_DATA", T0 + timedelta(minutes=1))) == {"no_alert": 1}
    assert repository().list_open() == []
    assert stack.ops_messages() == []


def test_junk_is_rejected_with_a_clear_log_line_and_no_incident(stack: Stack, caplog: pytest.LogCaptureFixture) -> None:
    junk_sns = copy.deepcopy(fixture("aws/sns_cloudwatch_alarm_ALARM.json"))
    junk_sns["Records"][0]["Sns"]["Message"] = "Hello from a deploy pipeline"
    not_an_alarm = {"detail-type": "EC2 Instance State-change Notification", "source": "aws.ec2", "detail": {}}
    with caplog.at_level(logging.WARNING):
        assert alarm(stack, junk_sns) == {"rejected": 1}
        assert alarm(stack, not_an_alarm) == {"rejected": 1}
        assert alarm(stack, {"hello": "world"}) == {"rejected": 1}
    assert repository().list_open() == []
    assert stack.ops_messages() == []


def test_a_slack_outage_raises_so_lambda_retries_and_the_retry_completes(stack: Stack) -> None:
    # GIVEN Slack fails every attempt of the announcement
    stack.slack_api.fail_next("chat.postMessage", 500, times=3)
    with pytest.raises(FunctionError):
        alarm(stack, sns_event())
    # WHEN Lambda retries the same event, a minute later as it does
    stack.clock.advance(minutes=1)
    alarm(stack, sns_event())
    # THEN there is one incident and one announcement
    assert len(repository().list_open()) == 1
    assert len(announcements(stack)) == 1


def test_recovered_resolve_then_a_new_alarm_opens_a_new_incident(stack: Stack) -> None:
    alarm(stack, sns_event("ALARM", T0))
    alarm(stack, sns_event("OK", T0 + timedelta(minutes=5)))
    [incident] = repository().list_open()
    # WHEN a support engineer clicks "Resolve" under "Recovered" and submits the modal
    stack.slack.click(Action.RECOVERED_RESOLVE, incident.id)
    [form] = [view for view in stack.slack_api.views() if view.get("callback_id") == Callback.RESOLVE]
    # (an alarm's route named no service, so the form asks for one: availability is per service)
    [service] = [block for block in form["blocks"] if block.get("block_id") == Field.SERVICE]
    assert service.get("optional", False) is bool(incident.service)
    stack.slack.submit(
        Callback.RESOLVE,
        {Field.SUMMARY: "Bad deploy rolled back", Field.SERVICE: incident.service or "checkout"},
        private_metadata=incident.id,
    )
    assert repository().list_open() == []
    # AND the same alarm fires again later: it is a new incident, not the resolved one
    assert alarm(stack, sns_event("ALARM", T0 + timedelta(hours=2))) == {"declared": 1}
    [again] = repository().list_open()
    assert again.id != incident.id
    # AND a late copy of the first ALARM changes nothing
    alarm(stack, eventbridge_event("ALARM", T0))
    assert [item.id for item in repository().list_open()] == [again.id]
