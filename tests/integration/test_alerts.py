"""Alerts before incidents through the real AlarmsFunction and Slack app: boto3 -> moto, WebClient -> stand-ins."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest

from opsdesk import entrypoints
from opsdesk.domain.alerts import AlertStatus
from opsdesk.domain.incidents import EntryKind
from opsdesk.slack.ids import Action, Callback, Field
from tests.integration.test_alarms import (
    ARN,
    RUNBOOK,
    T0,
    alarm,
    eventbridge_event,
    sns_event,
    use_routes,
)
from tests.reliability.kit import run_concurrently

if TYPE_CHECKING:
    from tests.integration.conftest import Stack

pytestmark = pytest.mark.integration


def arn_of(name: str) -> str:
    return ARN.replace("prod-api-5xx", name)


def fire(stack: Stack, name: str, state: str = "ALARM", minutes: float = 0) -> dict[str, Any]:
    return alarm(stack, sns_event(state, T0 + timedelta(minutes=minutes), arn=arn_of(name), name=name))


def team_alerts(stack: Stack) -> list[dict[str, Any]]:
    """Top-level messages in the support team's channel."""
    channel = stack.environment["TEAM_CHANNEL_ID"]
    return [
        message for message in stack.slack_api.messages(channel) if message.get("thread_ts") in (None, message["ts"])
    ]


def team_thread(stack: Stack, ts: str) -> list[str]:
    return [message.get("text", "") for message in stack.slack_api.thread(stack.environment["TEAM_CHANNEL_ID"], ts)[1:]]


def leadership_dms(stack: Stack) -> list[dict[str, Any]]:
    return [
        call for call in stack.slack_api.calls("chat.postMessage") if call["params"]["channel"].startswith("U0LEAD")
    ]


def groups() -> Any:
    return entrypoints.wiring().alerts.alerts


def incidents() -> Any:
    return entrypoints.wiring().incident_repository


def declare_from(
    stack: Stack, group_id: str, user: str = "U0ALICE", view_id: str = "", priority: str = "normal"
) -> Any:
    """Click Declare on the alert's message, then submit the modal it opened as it was prefilled."""
    [message] = [m for m in team_alerts(stack) if group_id in m.get("text", "")]
    button = next(
        element
        for block in message["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"] == Action.ALERT_DECLARE
    )
    stack.slack.click(Action.ALERT_DECLARE, button["value"], user=user)
    view = stack.slack_api.views()[-1]
    assert view["callback_id"] == Callback.ALERT_DECLARE
    title = next(block for block in view["blocks"] if block.get("block_id") == Field.TITLE)
    values: dict[str, Any] = {
        Field.TITLE: title["element"]["initial_value"],
        Field.PRIORITY: ("static_select", priority),
    }
    # A prefilled field is submitted with its value, as Slack does.
    service = next((block for block in view["blocks"] if block.get("block_id") == Field.SERVICE), None)
    if service is not None and service["element"].get("initial_value"):
        values[Field.SERVICE] = service["element"]["initial_value"]
    return stack.slack.submit(
        Callback.ALERT_DECLARE, values, private_metadata=view["private_metadata"], user=user, view_id=view_id
    )


def test_an_unrouted_alarm_posts_one_alert_to_the_team_and_nothing_to_users_or_leadership(stack: Stack) -> None:
    # GIVEN no routes; WHEN an alarm fires (twice by SNS, once by EventBridge)
    assert alarm(stack, sns_event()) == {"raised": 1}
    assert alarm(stack, sns_event()) == {"duplicate": 1}
    assert alarm(stack, eventbridge_event()) == {"duplicate": 1}
    # THEN one alert in the team channel, with what an on-call engineer needs, and its two buttons
    [message] = team_alerts(stack)
    text = json.dumps(message["blocks"])
    assert "prod-api-5xx" in text and "Threshold Crossed" in text
    assert "AWS/ApiGateway/5XXError" in text and "GreaterThanThreshold 5" in text
    assert "eu-west-2.console.aws.amazon.com/cloudwatch" in text and RUNBOOK in text
    assert Action.ALERT_DECLARE in text and Action.ALERT_DISMISS in text
    # AND nothing reaches users in the ops channel, nor leadership; no incident
    assert stack.ops_messages() == []
    assert leadership_dms(stack) == []
    assert incidents().list_open() == []


def test_raising_an_alert_costs_three_dynamodb_calls_and_a_copy_one(stack: Stack, dynamodb_calls: list[str]) -> None:
    alarm(stack, sns_event())
    assert dynamodb_calls == ["BatchGetItem", "TransactWriteItems", "TransactWriteItems"]
    dynamodb_calls.clear()
    alarm(stack, eventbridge_event())
    assert dynamodb_calls == ["BatchGetItem"]


def test_twenty_alarms_in_a_minute_are_one_alert_group_edited_in_place(stack: Stack) -> None:
    # WHEN a bad deploy trips 20 alarms within a minute
    for index in range(20):
        fire(stack, f"prod-alarm-{index:02d}", minutes=index * 3 / 60)
    # THEN one group, one top-level message showing all 20, each later alarm a line in its thread
    [group] = groups().list_open()
    assert len(group.alarms) == 20 and group.raised == 20
    [message] = team_alerts(stack)
    assert "20 firing" in message["text"]
    thread = team_thread(stack, message["ts"])
    assert len(thread) == 19 and "prod-alarm-19" in thread[-1]
    assert stack.ops_messages() == []


def test_a_route_with_its_own_group_key_does_not_merge_with_other_services(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_routes(stack, [{"pattern": "prod-db-*", "service": "Database", "group": "database"}], monkeypatch)
    fire(stack, "prod-db-cpu")
    fire(stack, "prod-api-latency", minutes=1)
    fire(stack, "prod-db-connections", minutes=2)
    by_key = {group.key: group for group in groups().list_open()}
    assert sorted(by_key) == ["", "database"]
    assert [alarm.name for alarm in by_key["database"].alarms] == ["prod-db-cpu", "prod-db-connections"]


def test_an_alarm_after_the_grouping_window_opens_a_new_alert(stack: Stack) -> None:
    fire(stack, "prod-a")
    fire(stack, "prod-b", minutes=9)
    fire(stack, "prod-c", minutes=9 + 10.5)
    assert len(groups().list_open()) == 2
    assert len(team_alerts(stack)) == 2


def test_declaring_from_the_alert_announces_one_incident_with_the_alarm_history(stack: Stack) -> None:
    # GIVEN an alert with two alarms, one of which flapped
    fire(stack, "prod-api-5xx")
    fire(stack, "prod-api-latency", minutes=1)
    fire(stack, "prod-api-5xx", "OK", minutes=2)
    fire(stack, "prod-api-5xx", minutes=3)
    [group] = groups().list_open()
    # WHEN a support engineer clicks Declare and submits the prefilled modal
    stack.clock.advance(minutes=6)
    declare_from(stack, group.id)
    # THEN one incident, announced once in the ops channel, whose timeline starts with the alarm history
    [incident] = incidents().list_open()
    assert incident.title.startswith("prod-api-5xx") and incident.declared_by == "U0ALICE"
    assert len(stack.ops_messages()) == 1
    kinds = [entry.kind for entry in incidents().timeline(incident.id)]
    assert kinds == [EntryKind.ALARM, EntryKind.ALARM, EntryKind.RECOVERED, EntryKind.ALARM, EntryKind.DECLARED]
    # AND the alert says which incident it became, in its message and its thread
    stored = groups().get(group.id)
    assert stored.status is AlertStatus.DECLARED and stored.incident_id == incident.id
    [message] = team_alerts(stack)
    assert incident.id in json.dumps(message["blocks"]) and Action.ALERT_DISMISS not in json.dumps(message["blocks"])
    assert any(incident.id in line for line in team_thread(stack, message["ts"]))
    # AND later changes of either alarm go to the incident, never closing it
    stack.clock.advance(minutes=5)
    assert fire(stack, "prod-api-latency", "OK", minutes=12) == {"recovered": 1}
    recovered = [entry for entry in incidents().timeline(incident.id) if entry.kind is EntryKind.RECOVERED]
    assert "prod-api-latency recovered" in recovered[-1].text
    assert incidents().get(incident.id).is_open


def test_two_people_declaring_from_the_same_alert_at_once_make_one_incident(stack: Stack) -> None:
    fire(stack, "prod-api-5xx")
    [group] = groups().list_open()
    run_concurrently(
        [
            lambda: declare_from(stack, group.id, user="U0ALICE"),
            lambda: declare_from(stack, group.id, user="U0BOB"),
        ]
    )
    [incident] = incidents().list_open()
    assert len(stack.ops_messages()) == 1
    assert groups().get(group.id).incident_id == incident.id


def test_only_the_support_team_may_declare_from_an_alert(stack: Stack) -> None:
    fire(stack, "prod-api-5xx")
    [group] = groups().list_open()
    stack.slack.submit(
        Callback.ALERT_DECLARE,
        {Field.TITLE: "Api down", Field.PRIORITY: ("static_select", "normal")},
        private_metadata=group.id,
        user="U0MALLORY",
    )
    assert incidents().list_open() == []
    assert groups().get(group.id).is_open


def test_not_an_incident_closes_the_alert_with_who_and_why(stack: Stack) -> None:
    fire(stack, "prod-api-5xx")
    [group] = groups().list_open()
    stack.slack.click(Action.ALERT_DISMISS, group.id, user="U0BOB")
    assert stack.slack_api.views()[-1]["callback_id"] == Callback.ALERT_DISMISS
    stack.slack.submit(
        Callback.ALERT_DISMISS, {Field.DISMISS_REASON: "Load test"}, private_metadata=group.id, user="U0BOB"
    )
    stored = groups().get(group.id)
    assert (stored.status, stored.decided_by, stored.reason) == (AlertStatus.DISMISSED, "U0BOB", "Load test")
    assert groups().list_open() == []
    [message] = team_alerts(stack)
    assert any("<@U0BOB>" in line and "Load test" in line for line in team_thread(stack, message["ts"]))
    # AND the same alarm firing again later is a new alert, not the dismissed one
    stack.clock.advance(minutes=3)
    assert fire(stack, "prod-api-5xx", "OK", minutes=2) == {"no_alert": 1}
    assert fire(stack, "prod-api-5xx", minutes=3) == {"raised": 1}


def test_an_alert_whose_alarms_all_recover_closes_on_its_own(stack: Stack) -> None:
    fire(stack, "prod-a")
    fire(stack, "prod-b", minutes=1)
    assert fire(stack, "prod-a", "OK", minutes=4) == {"alert_updated": 1}
    assert fire(stack, "prod-b", "OK", minutes=5) == {"closed": 1}
    assert groups().list_open() == []
    [group] = groups().list_closed_in("2026-11")
    assert group.status is AlertStatus.RECOVERED
    [message] = team_alerts(stack)
    assert "recovered on its own" in team_thread(stack, message["ts"])[-1]
    assert incidents().list_open() == [] and stack.ops_messages() == []


def test_a_stale_alarm_after_a_newer_ok_opens_nothing(stack: Stack) -> None:
    # GIVEN an OK at 09:20 applied (no alert was open)
    assert fire(stack, "prod-api-5xx", "OK", minutes=20) == {"no_alert": 1}
    # WHEN the ALARM from 09:10 arrives late
    assert fire(stack, "prod-api-5xx", "ALARM", minutes=10) == {"stale": 1}
    # THEN nothing opens and nothing is posted
    assert groups().list_open() == [] and team_alerts(stack) == []


def test_an_auto_declare_route_declares_by_itself(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    use_routes(
        stack, [{"pattern": "prod-api-*", "service": "Civil API", "user_facing": True, "declare": "auto"}], monkeypatch
    )
    assert fire(stack, "prod-api-5xx") == {"declared": 1}
    [incident] = incidents().list_open()
    assert incident.service == "Civil API" and incident.priority.value == "high"
    assert len(stack.ops_messages()) == 1
    # AND the high-priority incident reaches leadership (two contacts)
    assert len(leadership_dms(stack)) == 2


def test_an_eventbridge_alarm_not_opted_in_is_ignored_with_one_log_line(
    stack: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    event = eventbridge_event(arn=arn_of("staging-api-5xx"))
    with caplog.at_level(logging.INFO):
        assert alarm(stack, event) == {"ignored": 1}
    assert len([record for record in caplog.records if "not opted in" in record.getMessage()]) == 1
    assert team_alerts(stack) == []


def test_ops_stats_and_the_weekly_report_count_alerts_apart_from_incidents(stack: Stack) -> None:
    # GIVEN last week: a storm of three alarms declared 5 minutes after the first, one dismissed, one recovered
    for index, name in enumerate(("prod-a", "prod-b", "prod-c")):
        fire(stack, name, minutes=index)
    [storm] = groups().list_open()
    stack.clock.now = T0 + timedelta(minutes=5)
    declare_from(stack, storm.id)
    fire(stack, "prod-d", minutes=30)
    [noise] = groups().list_open()
    stack.slack.submit(Callback.ALERT_DISMISS, {Field.DISMISS_REASON: "Load test"}, private_metadata=noise.id)
    fire(stack, "prod-e", minutes=60)
    fire(stack, "prod-e", "OK", minutes=62)
    # WHEN someone asks for the week's numbers, and the weekly report runs the Monday after
    stack.clock.now = T0 + timedelta(days=1)
    stack.slack.command("stats week", command="/ops")
    answer = stack.slack_api.responses()[-1]["text"]
    # THEN alerts are counted apart from incidents, with the time from the first alarm to the declaration
    [alerts] = [line for line in answer.splitlines() if line.startswith("• Alerts:")]
    assert "*3*" in alerts and "(2 more alarms grouped into them)" in alerts
    assert "declared 1, not an incident 1, recovered on their own 1, waiting 0" in alerts
    assert "Time to declare (first alarm to incident): mean 5 min" in answer
    assert "Incidents: *1*" in answer
    stack.clock.now = T0 + timedelta(days=7)
    stack.tick("weekly-report", stack.clock.now)
    team = stack.slack_api.messages(stack.environment["TEAM_CHANNEL_ID"])
    assert any("Alerts: *3*" in message.get("text", "") for message in team)
