"""Duplicates: retries, redeliveries and double clicks change things once; a retry after a failure is not dropped."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import pytest

from opsdesk import entrypoints
from opsdesk.domain.ids import short_id
from opsdesk.domain.incidents import EntryKind
from opsdesk.slack.ids import Action
from opsdesk.slack.notifier import SlackIncidentNotifier
from opsdesk.slack.support_notifier import SlackSupportNotifier
from tests.integration.test_alarms import AUTO_DECLARE, T0, eventbridge_event, sns_event, use_routes
from tests.reliability.faults import rendezvous
from tests.reliability.kit import (
    DYNAMODB_ATTEMPTS,
    announcements,
    click_payload,
    dms_to,
    message_event,
    posted,
    run_concurrently,
    table_items,
)

if TYPE_CHECKING:
    from tests.reliability.conftest import Stack
    from tests.reliability.faults import DynamoFaults, Sleeps
    from tests.reliability.kit import Ledger

pytestmark = pytest.mark.reliability("duplicates")

OPS = "C0OPS"


def repository() -> Any:
    return entrypoints.wiring().incident_repository


def declare(stack: Stack, title: str = "high: Database down", trigger_id: str = "100.200.declare") -> str:
    response = stack.slack.command(f"declare {title}", trigger_id=trigger_id)
    assert response["statusCode"] == 200
    return short_id("INC", f"slack-command:{trigger_id}")


def thread_posts(stack: Stack, incident_id: str, needle: str) -> list[dict[str, Any]]:
    incident = repository().get(incident_id)
    assert incident.announcement is not None
    thread = stack.slack_api.thread(OPS, incident.announcement.ts)
    return [message for message in thread if needle in message.get("text", "")]


def support_requests(stack: Stack) -> list[dict[str, Any]]:
    return [item for item in table_items(stack) if item["pk"]["S"].startswith("REQUEST#") and item["sk"]["S"] == "META"]


def support_panels(stack: Stack, ts: str) -> list[dict[str, Any]]:
    return [message for message in stack.slack_api.thread(OPS, ts) if message.get("ts") != ts]


# ---------------------------------------------------------------- Slack events


def test_a_slack_event_retried_with_retry_num_opens_one_request(stack: Stack, ledger: Ledger) -> None:
    event = message_event(OPS, "U0DAVE", "The payments page shows a 500", "1764496800.000100")
    stack.slack_api.add_user_message(OPS, event["text"], user="U0DAVE")
    first = stack.slack.event(event, event_id="Ev0RETRY1")
    retries = [
        stack.slack.event(
            event, event_id="Ev0RETRY1", headers={"X-Slack-Retry-Num": str(n), "X-Slack-Retry-Reason": "http_timeout"}
        )
        for n in (1, 2, 3)
    ]
    assert [r["statusCode"] for r in (first, *retries)] == [200, 200, 200, 200]
    ledger.effects("support requests", len(support_requests(stack)), 1)
    ledger.effects("thread panels", len(support_panels(stack, event["ts"])), 1)
    ledger.effects("received reactions", len(posted(stack, "reactions.add")), 1)


def test_the_same_message_delivered_five_times_concurrently_posts_one_panel(stack: Stack, ledger: Ledger) -> None:
    event = message_event(OPS, "U0DAVE", "Reports export times out", "1764496800.000150")
    stack.slack_api.add_user_message(OPS, event["text"], user="U0DAVE")
    deliveries = [
        lambda n=n: stack.slack.event(event, event_id="Ev0CONCUR", headers={"X-Slack-Retry-Num": str(n)} if n else None)
        for n in range(5)
    ]
    # All five reach the panel step together, as a slow first ack and Slack's retries can.
    with rendezvous(SlackSupportNotifier, "post_panel", parties=5):
        answers = run_concurrently(deliveries)
    assert [answer["statusCode"] for answer in answers] == [200] * 5
    ledger.effects("support requests", len(support_requests(stack)), 1)
    ledger.effects("thread panels", len(support_panels(stack, event["ts"])), 1)


def test_a_slack_retry_after_the_first_delivery_failed_is_processed_not_dropped(
    stack: Stack, ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hand-off to the lazy invocation fails (Lambda's Invoke API throttled): Slack sees a 500 and retries."""
    event = message_event(OPS, "U0DAVE", "VPN is refusing logins", "1764496800.000200")
    runner = entrypoints.slack_ingress().app.listener_runner.lazy_listener_runner
    real_start = runner.start
    failures = iter([RuntimeError("TooManyRequestsException: Rate exceeded")])

    def start_once_failing(function: Any, request: Any) -> None:
        failure = next(failures, None)
        if failure is not None:
            raise failure
        real_start(function, request)

    monkeypatch.setattr(runner, "start", start_once_failing)
    first = stack.slack.event(event, event_id="Ev0FAILFIRST")
    assert first["statusCode"] >= 500, "Slack must be told to retry"
    assert support_requests(stack) == []
    retry = stack.slack.event(
        event, event_id="Ev0FAILFIRST", headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_error"}
    )
    assert retry["statusCode"] == 200
    ledger.lose("support requests", 1 - len(support_requests(stack)))
    ledger.effects("thread panels", len(support_panels(stack, event["ts"])), 1)


def test_a_direct_message_retried_seven_times_is_answered_once(stack: Stack, ledger: Ledger) -> None:
    """Slack redelivers a DM's event (same event_id) until it is acknowledged in time: one pointer, not seven."""
    event = {**message_event("D0DAVE", "U0DAVE", "Hi, can you look at my VPN?", "1764496800.000250")}
    event["channel_type"] = "im"
    deliveries = [
        stack.slack.event(
            event,
            event_id="Ev0DMRETRY",
            headers={"X-Slack-Retry-Num": str(n), "X-Slack-Retry-Reason": "http_timeout"} if n else None,
        )
        for n in range(7)
    ]
    assert [answer["statusCode"] for answer in deliveries] == [200] * 7
    ledger.effects("replies to the direct message", len(dms_to(stack, "D0DAVE")), 1)


def test_a_direct_message_whose_reply_failed_is_answered_by_the_retry(
    stack: Stack, ledger: Ledger, sleeps: Sleeps
) -> None:
    """The first reply is refused (Slack 500s, retries spent): the claim is given back, so a later retry answers."""
    event = {**message_event("D0DAVE", "U0DAVE", "Hello?", "1764496800.000260"), "channel_type": "im"}
    stack.slack_api.fail_next("chat.postMessage", 500, times=9)  # three attempts of three tries each
    stack.slack.event(event, event_id="Ev0DMFAIL")
    assert dms_to(stack, "D0DAVE") == []
    stack.slack.event(
        event, event_id="Ev0DMFAIL", headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_error"}
    )
    ledger.lose("replies to the direct message", 1 - len(dms_to(stack, "D0DAVE")))
    ledger.effects("replies to the direct message", len(dms_to(stack, "D0DAVE")), 1)


def test_lazy_work_that_failed_before_storing_is_retried_like_lambda_and_not_lost(
    stack: Stack, ledger: Ledger, dynamo_faults: DynamoFaults, sleeps: Sleeps
) -> None:
    stack.reconfigure(OPSDESK_LAZY_MODE="thread")  # Lambda's async invocation: up to 3 attempts
    event = message_event(OPS, "U0DAVE", "Printer on fire", "1764496800.000300")
    dynamo_faults.fail_nth_write(
        1, code="InternalServerError", times=DYNAMODB_ATTEMPTS
    )  # the client's own retries exhausted
    assert stack.slack.event(event, event_id="Ev0LAZYFAIL")["statusCode"] == 200
    stack.wait_for_lazy_work()
    ledger.lose("support requests", 1 - len(support_requests(stack)))
    ledger.effects("thread panels", len(support_panels(stack, event["ts"])), 1)


def test_a_declare_whose_first_attempt_failed_before_storing_is_retried_and_not_lost(
    stack: Stack, ledger: Ledger, dynamo_faults: DynamoFaults, sleeps: Sleeps
) -> None:
    stack.reconfigure(OPSDESK_LAZY_MODE="thread")
    dynamo_faults.fail_nth_write(1, code="InternalServerError", times=DYNAMODB_ATTEMPTS)
    incident_id = declare(stack, trigger_id="100.200.failfirst")
    stack.wait_for_lazy_work()
    ledger.lose("incidents", 1 - len(repository().list_open()))
    assert repository().get(incident_id).announcement is not None
    ledger.effects("announcements", len(announcements(stack)), 1)


# ---------------------------------------------------------------- block actions


def _take_lead_payload(stack: Stack, incident_id: str, user: str, action_ts: str) -> dict[str, Any]:
    ts = repository().get(incident_id).announcement.ts
    return click_payload(
        OPS,
        Action.TAKE_LEAD,
        incident_id,
        user=user,
        action_ts=action_ts,
        response_url=stack.slack.response_url(user),
        message_ts=ts,
    )


def test_the_same_block_action_delivered_twice_takes_the_lead_once(stack: Stack, ledger: Ledger) -> None:
    incident_id = declare(stack)
    payload = _take_lead_payload(stack, incident_id, "U0BOB", "1764496900.000001")
    for _ in range(2):
        assert stack.slack.interaction(payload)["statusCode"] == 200
    timeline = [entry for entry in repository().timeline(incident_id) if entry.kind is EntryKind.LEAD]
    ledger.effects("lead timeline entries", len(timeline), 1)
    ledger.effects("'is leading' thread posts", len(thread_posts(stack, incident_id, "is leading")), 1)
    assert repository().get(incident_id).lead == "U0BOB"


def test_the_same_block_action_delivered_five_times_concurrently_takes_the_lead_once(
    stack: Stack, ledger: Ledger
) -> None:
    incident_id = declare(stack)
    payload = _take_lead_payload(stack, incident_id, "U0BOB", "1764496900.000002")
    answers = run_concurrently([lambda: stack.slack.interaction(payload)] * 5)
    assert [answer["statusCode"] for answer in answers] == [200] * 5
    timeline = [entry for entry in repository().timeline(incident_id) if entry.kind is EntryKind.LEAD]
    ledger.effects("lead timeline entries", len(timeline), 1)
    ledger.effects("'is leading' thread posts", len(thread_posts(stack, incident_id, "is leading")), 1)
    ledger.effects("'already leading' refusals", len(posted(stack, "chat.postEphemeral")), 0)
    assert repository().get(incident_id).lead == "U0BOB"


def test_the_same_slash_command_delivered_five_times_concurrently_declares_once(stack: Stack, ledger: Ledger) -> None:
    form = {
        "team_id": "T111",
        "channel_id": OPS,
        "user_id": "U0ALICE",
        "command": "/incident",
        "text": "declare high: Search is down",
        "response_url": stack.slack.response_url("U0ALICE"),
        "trigger_id": "100.200.concurrent",
    }
    body = urlencode(form)
    with rendezvous(SlackIncidentNotifier, "announce", parties=5):
        answers = run_concurrently([lambda: stack.slack.post("/slack/commands", body)] * 5)
    assert [answer["statusCode"] for answer in answers] == [200] * 5
    ledger.effects("incidents", len(repository().list_open()), 1)
    ledger.effects("announcements", len(announcements(stack)), 1)
    ledger.effects("leadership DMs", len(dms_to(stack, "U0LEAD")), 2)


# ---------------------------------------------------------------- alarms and schedules


def test_the_same_alarm_change_via_sns_twice_and_eventbridge_is_one_incident(
    stack: Stack, ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_routes(stack, AUTO_DECLARE, monkeypatch)  # an alarm the team agreed is always an incident
    outcomes = [stack.invoke("AlarmsFunction", event) for event in (sns_event(), sns_event(), eventbridge_event())]
    assert outcomes[0] == {"declared": 1}
    ledger.effects("incidents", len(repository().list_open()), 1)
    ledger.effects("announcements", len(announcements(stack)), 1)
    ledger.effects("leadership DMs", len(dms_to(stack, "U0LEAD")), 2)
    [incident] = repository().list_open()
    ledger.effects("timeline entries (the alarm, the declaration)", len(repository().timeline(incident.id)), 2)


def test_the_same_alarm_change_via_sns_and_eventbridge_at_the_same_moment_is_one_announcement(
    stack: Stack,
    ledger: Ledger,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    use_routes(stack, AUTO_DECLARE, monkeypatch)
    events = [sns_event(), eventbridge_event(), sns_event()]
    with rendezvous(SlackIncidentNotifier, "announce", parties=len(events)):
        run_concurrently([lambda event=event: stack.invoke("AlarmsFunction", event) for event in events])
    ledger.effects("incidents", len(repository().list_open()), 1)
    ledger.effects("announcements", len(announcements(stack)), 1)
    ledger.effects("leadership DMs", len(dms_to(stack, "U0LEAD")), 2)


def test_the_same_recovery_via_both_paths_is_recorded_once(
    stack: Stack, ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_routes(stack, AUTO_DECLARE, monkeypatch)
    stack.invoke("AlarmsFunction", sns_event())
    later = T0 + timedelta(minutes=7)
    for event in (eventbridge_event("OK", later), sns_event("OK", later), eventbridge_event("OK", later)):
        stack.invoke("AlarmsFunction", event)
    [incident] = repository().list_open()
    recovered = [entry for entry in repository().timeline(incident.id) if entry.kind is EntryKind.RECOVERED]
    ledger.effects("recovery timeline entries", len(recovered), 1)
    ledger.effects("'Recovered' thread posts", len(thread_posts(stack, incident.id, "Recovered")), 1)


def test_the_same_schedule_tick_twice_posts_the_start_of_day_once(stack: Stack, ledger: Ledger) -> None:
    at = T0.replace(hour=8, minute=0)  # Monday 30 November 2026, 08:00 London (UTC in winter)
    first = stack.tick("start-of-day", at)
    second = stack.tick("start-of-day", at + timedelta(seconds=40))  # Scheduler fires within a minute
    assert second.get("skipped") == "already ran", (first, second)
    team = [message for message in stack.slack_api.messages("C0TEAM") if not message.get("thread_ts")]
    ledger.effects("start-of-day posts", len(team), 1)


def test_the_same_checkin_tick_twice_asks_once(stack: Stack, ledger: Ledger) -> None:
    incident_id = declare(stack, "high: Checkout failing")
    declared = repository().get(incident_id).declared_at
    at = declared + timedelta(minutes=61)
    stack.tick("incident-checkins", at)
    stack.tick("incident-checkins", at)
    stack.tick("incident-checkins", at + timedelta(minutes=4))  # the next tick, same boundary
    checkins = [entry for entry in repository().timeline(incident_id) if entry.kind is EntryKind.CHECKIN]
    ledger.effects("check-in timeline entries", len(checkins), 1)
    ledger.effects("check-in thread posts", len(thread_posts(stack, incident_id, "Hourly check-in")), 1)
