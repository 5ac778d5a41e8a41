"""Only opted-in alarms reach opsdesk through EventBridge: the deployed pattern, judged by moto's EventBridge matcher.

The rule's pattern is rendered from the deployed template with devstack's intrinsic resolver, then put on a rule
on the moto server with an SQS target; CloudWatch's alarm events are sent with PutEvents and whatever the rule
lets through lands in the queue. (Real EventBridge refuses PutEvents with an `aws.` source; moto accepts it,
which is what lets its pattern matcher judge the real event shape here.)
"""

from __future__ import annotations

import copy
import json
import re
import uuid
from typing import TYPE_CHECKING, Any

import pytest

from devstack.aws import client
from devstack.intrinsics import Resolver
from tests.harness import fixture

if TYPE_CHECKING:
    from collections.abc import Callable

    from devstack.aws import LocalAws

    Transformed = Callable[..., dict[str, Any]]

pytestmark = pytest.mark.integration

OPTED_IN = "prod-,db-"
AUTO_SCALING = "TargetTracking-table/opsdesk-orders-AlarmHigh-5c1f7a3e-0b4d-4a5e-9f1e-2a6b1c9d8e7f"


def rendered_pattern(template: dict[str, Any], prefixes: str) -> str:
    resolver = Resolver(template, {"AlarmNamePrefixes": prefixes})
    assert resolver.condition("AlarmRuleOn")
    pattern = resolver.resolve(template["Resources"]["AlarmStateRule"]["Properties"]["EventPattern"])
    assert isinstance(pattern, str)
    return pattern


def alarm_event(name: str) -> dict[str, Any]:
    """CloudWatch's own "Alarm State Change" event (AWS documentation sample), renamed."""
    event = copy.deepcopy(fixture("aws/eventbridge_cloudwatch_alarm_state_change_ALARM.json"))
    event["detail"]["alarmName"] = name
    event["resources"] = [f"arn:aws:cloudwatch:eu-west-2:123456789012:alarm:{name}"]
    return event


def delivered(local_aws: LocalAws, pattern: str, names: list[str]) -> list[str]:
    """Alarm names that a rule with this pattern passes on, out of one state change per name."""
    events, sqs = client("events", local_aws.endpoint_url), client("sqs", local_aws.endpoint_url)
    suffix = uuid.uuid4().hex[:8]
    queue_url = sqs.create_queue(QueueName=f"alarm-scope-{suffix}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name=f"alarm-scope-{suffix}", EventPattern=pattern, State="ENABLED")
    events.put_targets(Rule=f"alarm-scope-{suffix}", Targets=[{"Id": "queue", "Arn": queue_arn}])
    entries = [
        {"Source": event["source"], "DetailType": event["detail-type"], "Detail": json.dumps(event["detail"])}
        for event in map(alarm_event, names)
    ]
    result = events.put_events(Entries=entries)
    assert result["FailedEntryCount"] == 0, result
    received = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
    return sorted(json.loads(message["Body"])["detail"]["alarmName"] for message in received)


def test_opted_in_alarms_pass_and_auto_scaling_alarms_do_not(local_aws: LocalAws, transformed: Transformed) -> None:
    # GIVEN a deploy with AlarmNamePrefixes=prod-,db-
    pattern = rendered_pattern(transformed(AlarmNamePrefixes=OPTED_IN), OPTED_IN)
    # WHEN alarms of every kind change state
    names = ["prod-orders-5xx", "db-replica-lag", AUTO_SCALING, "staging-prod-latency", "Prod-uppercase"]
    # THEN only the ones whose names start with an opted-in prefix (exactly, case included) reach opsdesk
    assert delivered(local_aws, pattern, names) == ["db-replica-lag", "prod-orders-5xx"]


def test_one_prefix_renders_one_filter(local_aws: LocalAws, transformed: Transformed) -> None:
    pattern = rendered_pattern(transformed(AlarmNamePrefixes="payments-"), "payments-")
    assert json.loads(pattern)["detail"] == {"alarmName": [{"prefix": "payments-"}]}
    assert delivered(local_aws, pattern, ["payments-declined", AUTO_SCALING]) == ["payments-declined"]


def test_by_default_eventbridge_takes_no_alarm(transformed: Transformed) -> None:
    template = transformed()
    resolver = Resolver(template)
    # The rule and its permission exist only with prefixes; the SNS topic stays the explicit opt-in.
    assert not resolver.condition("AlarmRuleOn")
    conditional = {
        name for name, resource in template["Resources"].items() if resource.get("Condition") == "AlarmRuleOn"
    }
    assert conditional == {"AlarmStateRule", "AlarmStateRulePermission"}
    rules = [resource for resource in template["Resources"].values() if resource["Type"] == "AWS::Events::Rule"]
    assert all(rule.get("Condition") == "AlarmRuleOn" for rule in rules)


@pytest.mark.parametrize(
    ("value", "accepted"),
    [
        ("", True),
        ("prod-", True),
        ("prod-,db-", True),
        ("High CPU on web,db-", True),
        ("prod-,,db-", False),  # an empty prefix would match every alarm
        (",prod-", False),
        ("prod-, db-", False),  # a space would become part of the prefix
        ('prod-"}]}', False),  # quotes would break the rendered JSON pattern
        ("prod\\", False),
    ],
)
def test_the_parameter_refuses_lists_that_would_widen_the_pattern(
    transformed: Transformed, value: str, accepted: bool
) -> None:
    allowed = transformed()["Parameters"]["AlarmNamePrefixes"]["AllowedPattern"]
    # CloudFormation matches AllowedPattern against the whole value (Java regex; this one is also valid Python).
    assert (re.fullmatch(allowed, value) is not None) is accepted
