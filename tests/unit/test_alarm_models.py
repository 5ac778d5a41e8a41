"""Alarm state changes from SNS and EventBridge normalise to one change with one key; routes pick priority."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from opsdesk.alarms.models import AlarmChange, AlarmState, Rejected, parse_event
from opsdesk.alarms.routes import parse_routes, route_alarm
from opsdesk.domain.incidents import Priority
from tests.harness import fixture


def sns_from(eventbridge: dict[str, Any]) -> dict[str, Any]:
    """The SNS copy of an EventBridge alarm change (the same ARN, time and state)."""
    event = copy.deepcopy(fixture("aws/sns_cloudwatch_alarm_ALARM.json"))
    message = json.loads(event["Records"][0]["Sns"]["Message"])
    detail = eventbridge["detail"]
    message.update(
        AlarmName=detail["alarmName"],
        AlarmArn=eventbridge["resources"][0],
        NewStateValue=detail["state"]["value"],
        StateChangeTime=detail["state"]["timestamp"],
        Region="US East (N. Virginia)",
    )
    event["Records"][0]["Sns"]["Message"] = json.dumps(message)
    return event


def only_change(event: Any) -> AlarmChange:
    [parsed] = parse_event(event)
    assert isinstance(parsed, AlarmChange), parsed
    return parsed


def test_sns_alarm_is_parsed_from_the_json_string() -> None:
    change = only_change(fixture("aws/sns_cloudwatch_alarm_ALARM.json"))
    assert change.name == "EXAMPLE" and change.state is AlarmState.ALARM
    assert change.changed_at == datetime(2015, 6, 3, 17, 43, 27, 123000, tzinfo=UTC)
    assert change.metric == "AWS/EC2/NetworkOut" and change.threshold == "GreaterThanThreshold 0"
    assert change.reason.startswith("Threshold Crossed")


def test_eventbridge_alarm_is_parsed() -> None:
    change = only_change(fixture("aws/eventbridge_cloudwatch_alarm_state_change_ALARM.json"))
    assert change.arn == "arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServerCpuTooHigh"
    assert change.region == "us-east-1" and change.metric == "AWS/EC2/CPUUtilization"
    assert change.threshold == "50" and "too high" in change.description


def test_the_same_change_has_the_same_key_on_both_paths() -> None:
    eventbridge = fixture("aws/eventbridge_cloudwatch_alarm_state_change_ALARM.json")
    via_eventbridge, via_sns = only_change(eventbridge), only_change(sns_from(eventbridge))
    assert via_sns.key == via_eventbridge.key
    # AND the region is the code from the ARN, not SNS's display name
    assert via_sns.region == "us-east-1"


def test_a_different_state_or_time_is_a_different_key() -> None:
    eventbridge = fixture("aws/eventbridge_cloudwatch_alarm_state_change_ALARM.json")
    base = only_change(eventbridge)
    ok = copy.deepcopy(eventbridge)
    ok["detail"]["state"]["value"] = "OK"
    later = copy.deepcopy(eventbridge)
    later["detail"]["state"]["timestamp"] = "2019-10-02T17:09:40.989+0000"
    assert len({base.key, only_change(ok).key, only_change(later).key}) == 3


@pytest.mark.parametrize(
    "event",
    [
        {"Records": [{"EventSource": "aws:sns", "Sns": {"Message": "deploy finished"}}]},
        {"Records": [{"EventSource": "aws:sns", "Sns": {"Message": json.dumps({"AlarmName": "x"})}}]},
        {"Records": [{"EventSource": "aws:sqs", "body": "{}"}]},
        {"Records": [{"EventSource": "aws:sns", "Sns": None}]},
        {"Records": [{"EventSource": "aws:sns", "Sns": 5}]},
        {"Records": []},
        {"detail-type": "EC2 Instance State-change Notification", "source": "aws.ec2", "detail": {}},
        {"hello": "world"},
        ["not", "an", "object"],
    ],
)
def test_anything_else_is_rejected_never_raised(event: Any) -> None:
    parsed = parse_event(event)
    assert parsed and all(isinstance(item, Rejected) for item in parsed)
    assert all(item.reason for item in parsed if isinstance(item, Rejected))


def test_one_junk_record_does_not_hide_a_good_one() -> None:
    good = fixture("aws/sns_cloudwatch_alarm_ALARM.json")
    batch = {"Records": [{"EventSource": "aws:sns", "Sns": {"Message": "junk"}}, good["Records"][0]]}
    kinds = [type(item) for item in parse_event(batch)]
    assert kinds == [Rejected, AlarmChange]


def test_routes_user_facing_is_high_default_is_normal_and_runbooks() -> None:
    routes = parse_routes(
        json.dumps(
            [
                {"pattern": "prod-api-*", "service": "Civil API", "user_facing": True},
                {"pattern": "batch-*", "service": "Batch", "priority": "P1", "runbook": "https://rb/batch"},
            ]
        )
    )
    api = route_alarm("prod-api-5xx", "5xx high. See https://rb/api for what to do.", routes)
    assert (api.service, api.priority, api.runbook_url) == ("Civil API", Priority.HIGH, "https://rb/api")
    batch = route_alarm("batch-lag", "", routes)
    assert (batch.service, batch.priority, batch.runbook_url) == ("Batch", Priority.HIGH, "https://rb/batch")
    other = route_alarm("dev-thing", "", routes)
    assert (other.service, other.priority, other.runbook_url) == ("dev-thing", Priority.NORMAL, None)


def test_routes_accept_the_template_object_form_and_empty() -> None:
    assert parse_routes("") == ()
    [route] = parse_routes('{"prod-db-*": {"service": "database", "priority": "P1"}}')
    assert route.pattern == "prod-db-*" and route.priority is Priority.HIGH
