"""opsdesk's own alarms reach the operator (OperatorTopic, e-mail), never opsdesk's alarm intake, and watch it all."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from devstack.intrinsics import Resolver
from tests.deploy.conftest import EVERYTHING_ON

if TYPE_CHECKING:
    from collections.abc import Callable

    Transformed = Callable[..., dict[str, Any]]

pytestmark = pytest.mark.integration

OPERATOR = [{"Ref": "OperatorTopic"}]
# The README's cost table counts these alarm metrics (the first 10 of an account are free, then $0.10 each).
ALARM_METRICS = {"defaults": 14, "everything on": 15}


def alarms(template: dict[str, Any], parameters: dict[str, str] | None = None) -> dict[str, dict[str, Any]]:
    """The alarms a deploy with these parameter values creates (their Condition holds)."""
    resolver = Resolver(template, parameters)
    return {
        name: resource["Properties"]
        for name, resource in template["Resources"].items()
        if resource["Type"] == "AWS::CloudWatch::Alarm"
        and ("Condition" not in resource or resolver.condition(resource["Condition"]))
    }


def of_type(template: dict[str, Any], kind: str) -> list[str]:
    return [name for name, resource in template["Resources"].items() if resource["Type"] == kind]


def dimension(alarm: dict[str, Any], name: str) -> Any:
    return next((item["Value"] for item in alarm.get("Dimensions", []) if item["Name"] == name), None)


@pytest.mark.parametrize("name", ["defaults", "everything on"])
def test_every_own_alarm_goes_to_the_operator_and_none_to_opsdesk(transformed: Transformed, name: str) -> None:
    parameters = EVERYTHING_ON if name == "everything on" else {}
    found = alarms(transformed(**parameters), parameters)
    assert len(found) == ALARM_METRICS[name]
    for alarm_name, alarm in found.items():
        assert alarm["AlarmActions"] == OPERATOR, alarm_name
        assert alarm["OKActions"] == OPERATOR, alarm_name
        assert "AlarmTopic" not in str(alarm), f"{alarm_name} would report opsdesk's failure through opsdesk"
        assert "Metrics" not in alarm, f"{alarm_name}: one metric per alarm keeps the alarm-metric count honest"


def test_every_dead_letter_queue_and_every_function_is_watched(transformed: Transformed) -> None:
    template = transformed(**EVERYTHING_ON)
    found = alarms(template, EVERYTHING_ON).values()
    queues = {dimension(alarm, "QueueName")["Fn::GetAtt"][0] for alarm in found if dimension(alarm, "QueueName")}
    assert queues == set(of_type(template, "AWS::SQS::Queue"))
    functions = of_type(template, "AWS::Lambda::Function")
    assert len(functions) == 5
    for metric in ("Errors", "Throttles"):
        watched = {dimension(alarm, "FunctionName")["Ref"] for alarm in found if alarm["MetricName"] == metric}
        assert watched == set(functions), metric  # synchronous functions (API Gateway) included


def test_slow_slack_runs_alarm_before_the_timeout_cuts_them_off(transformed: Transformed) -> None:
    template = transformed()
    timeout_ms = template["Resources"]["SlackFunction"]["Properties"]["Timeout"] * 1000
    [duration] = [alarm for alarm in alarms(template).values() if alarm["MetricName"] == "Duration"]
    assert dimension(duration, "FunctionName") == {"Ref": "SlackFunction"}
    assert duration["Statistic"] == "Maximum"
    assert timeout_ms / 2 <= duration["Threshold"] < timeout_ms


def test_the_operator_email_is_subscribed_when_given(transformed: Transformed) -> None:
    template = transformed(OperatorEmail="ops@example.com")
    subscription = template["Resources"]["OperatorEmailSubscription"]
    resolver = Resolver(template, {"OperatorEmail": "ops@example.com"})
    assert resolver.condition(subscription["Condition"])
    assert resolver.resolve(subscription["Properties"]) == {
        "TopicArn": resolver.resolve({"Ref": "OperatorTopic"}),
        "Protocol": "email",
        "Endpoint": "ops@example.com",
    }
    # Without an address the topic still collects the alarms (other endpoints can subscribe), no e-mail is sent.
    assert not Resolver(transformed()).condition(subscription["Condition"])
