"""Failing neighbours: Slack, Jira, PagerDuty and DynamoDB refuse, throttle or time out; nothing is lost or doubled."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest

from devstack.runtime import FunctionError
from opsdesk import entrypoints
from opsdesk.domain.ids import short_id
from opsdesk.domain.requests import TicketState
from opsdesk.slack.failures import BUSY
from opsdesk.slack.ids import Action
from opsdesk.slack.support_ids import SupportAction
from opsdesk.store.requests import RequestRepository
from tests.integration.test_alarms import AUTO_DECLARE, sns_event, use_routes
from tests.reliability.kit import announcements, message_event, posted, table_items

if TYPE_CHECKING:
    from tests.reliability.conftest import Stack
    from tests.reliability.faults import DynamoFaults, Sleeps
    from tests.reliability.kit import Ledger

pytestmark = pytest.mark.reliability("failing neighbours")

OPS = "C0OPS"


def repository() -> Any:
    return entrypoints.wiring().incident_repository


def declare(stack: Stack, title: str = "high: Database down", trigger_id: str = "300.400.declare") -> str:
    assert stack.slack.command(f"declare {title}", trigger_id=trigger_id)["statusCode"] == 200
    return short_id("INC", f"slack-command:{trigger_id}")


def ephemeral_texts(stack: Stack, user: str = "U0ALICE") -> list[str]:
    texts = [str(item.get("text", "")) for item in stack.slack_api.ephemeral_messages(user)]
    texts += [str(item.get("text", "")) for item in stack.slack_api.responses() if item.get("user") == user]
    return texts


# ---------------------------------------------------------------- Slack


def test_slack_429_is_retried_after_the_ack_never_on_the_3_second_path(
    stack: Stack, ledger: Ledger, sleeps: Sleeps
) -> None:
    stack.reconfigure(OPSDESK_LAZY_MODE="thread")  # the lazy part runs apart from the ack, as on Lambda
    sleeps.gate = threading.Event()  # a retry back-off waits here until the ack is back
    stack.slack_api.fail_next("chat.postMessage", 429, headers={"Retry-After": "3"})
    response = stack.slack.command("declare Search down", trigger_id="300.400.ratelimited")
    acked_before_any_sleep_ended = not sleeps.gate.is_set()
    sleeps.gate.set()
    stack.wait_for_lazy_work()
    assert response["statusCode"] == 200 and acked_before_any_sleep_ended
    slack_sleeps = sleeps.of("slack")
    assert slack_sleeps and slack_sleeps[0] >= 3, "Retry-After is honoured"
    assert threading.main_thread().name not in sleeps.threads, "no back-off on the ack path"
    ledger.effects("announcements", len(announcements(stack)), 1)


def test_slack_429_on_the_ack_path_answers_at_once_without_sleeping(stack: Stack, sleeps: Sleeps) -> None:
    stack.slack_api.fail_next("views.open", 429, headers={"Retry-After": "30"})
    response = stack.slack.command("declare")  # opens the modal: views.open needs the trigger within 3 s
    assert sleeps.durations == [], "the ack path never sleeps for Retry-After"
    assert response["statusCode"] < 500, response


def test_slack_refusing_a_buttons_modal_tells_the_person_where_they_clicked(stack: Stack, sleeps: Sleeps) -> None:
    """Slack shows a slash command's ack text but ignores a button's: the busy answer must be a message."""
    incident_id = declare(stack, trigger_id="300.400.button-busy")
    stack.slack_api.fail_next("views.open", 429, headers={"Retry-After": "30"})
    response = stack.slack.click(Action.POST_UPDATE, incident_id, user="U0BOB")
    assert response["statusCode"] == 200 and sleeps.durations == []
    assert [text for text in ephemeral_texts(stack, "U0BOB") if "busy" in text] == [BUSY]


def test_slack_5xx_is_retried_and_the_announcement_posted_once(stack: Stack, ledger: Ledger, sleeps: Sleeps) -> None:
    stack.slack_api.fail_next("chat.postMessage", 503, times=2)
    incident_id = declare(stack, trigger_id="300.400.fivexx")
    assert repository().get(incident_id).announcement is not None
    ledger.effects("announcements", len(announcements(stack)), 1)
    ledger.effects("Slack attempts", len(stack.slack_api.calls("chat.postMessage")) >= 3, True)


def test_slack_down_through_every_retry_then_back_announces_once(stack: Stack, ledger: Ledger, sleeps: Sleeps) -> None:
    stack.reconfigure(OPSDESK_LAZY_MODE="thread")  # Lambda retries the failed async invocation
    stack.slack_api.fail_next("chat.postMessage", 500, times=3)  # the WebClient's three attempts
    incident_id = declare(stack, trigger_id="300.400.slackdown")
    stack.wait_for_lazy_work()
    ledger.lose("incidents", 1 - len(repository().list_open()))
    assert repository().get(incident_id).announcement is not None
    ledger.effects("announcements", len(announcements(stack)), 1)


# ---------------------------------------------------------------- DynamoDB


def test_dynamodb_throttling_is_retried_with_backoff_and_the_work_done_once(
    stack: Stack, ledger: Ledger, dynamo_faults: DynamoFaults, sleeps: Sleeps
) -> None:
    dynamo_faults.throttle(3)  # the client's standard mode makes four attempts
    incident_id = declare(stack, trigger_id="300.400.throttled")
    assert len(dynamo_faults.injected) == 3 and len(sleeps.of("dynamodb")) >= 3
    ledger.lose("incidents", 1 - len(repository().list_open()))
    assert repository().get(incident_id).announcement is not None
    ledger.effects("announcements", len(announcements(stack)), 1)


def test_dynamodb_throttled_for_good_tells_the_person_to_try_again(
    stack: Stack, ledger: Ledger, dynamo_faults: DynamoFaults, sleeps: Sleeps
) -> None:
    dynamo_faults.throttle(100)
    response = stack.slack.command("declare Database down", trigger_id="300.400.throttledforgood")
    assert response["statusCode"] == 200  # the ack needs no DynamoDB
    texts = ephemeral_texts(stack)
    assert any("try again" in text.lower() for text in texts), texts
    ledger.effects("announcements", len(announcements(stack)), 0)
    dynamo_faults.clear()
    ledger.effects("table items", len(table_items(stack)), 0)


def test_dynamodb_throttled_for_good_makes_the_alarm_path_raise_for_lambda_to_retry(
    stack: Stack,
    ledger: Ledger,
    dynamo_faults: DynamoFaults,
    sleeps: Sleeps,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    use_routes(stack, AUTO_DECLARE, monkeypatch)  # an alarm the team agreed is always an incident
    dynamo_faults.throttle(100)
    with pytest.raises(FunctionError) as raised:
        stack.invoke("AlarmsFunction", sns_event())
    assert "ProvisionedThroughputExceeded" in raised.value.payload["errorMessage"]
    dynamo_faults.clear()
    # Lambda's retry (or the DLQ redrive) delivers the same event again: one incident, one announcement.
    assert stack.invoke("AlarmsFunction", sns_event()) == {"declared": 1}
    ledger.lose("incidents", 1 - len(repository().list_open()))
    ledger.effects("announcements", len(announcements(stack)), 1)


def test_dynamodb_throttled_for_good_makes_a_schedule_raise_and_its_retry_run_once(
    stack: Stack, ledger: Ledger, dynamo_faults: DynamoFaults, sleeps: Sleeps
) -> None:
    at = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    dynamo_faults.throttle(100)
    with pytest.raises(FunctionError):
        stack.tick("start-of-day", at)
    dynamo_faults.clear()
    stack.tick("start-of-day", at)
    stack.tick("start-of-day", at)
    team = [message for message in stack.slack_api.messages("C0TEAM") if not message.get("thread_ts")]
    ledger.effects("start-of-day posts", len(team), 1)


# ---------------------------------------------------------------- Jira


def open_request(stack: Stack, ts: str, text: str = "Reports export is failing for the finance team") -> Any:
    stack.slack_api.add_user_message(OPS, text, user="U0DAVE")
    assert stack.slack.event(message_event(OPS, "U0DAVE", text, ts))["statusCode"] == 200
    found = RequestRepository(stack.environment["TABLE_NAME"]).find(OPS, ts)
    assert found is not None
    return found


def stored_request(stack: Stack, ts: str) -> Any:
    return RequestRepository(stack.environment["TABLE_NAME"]).get(OPS, ts)


def ticket_said(stack: Stack, ts: str, needle: str) -> list[dict[str, Any]]:
    return [message for message in stack.slack_api.thread(OPS, ts) if needle in message.get("text", "")]


def test_jira_503_then_201_files_one_ticket(stack: Stack, ledger: Ledger) -> None:
    ts = "1764496800.000400"
    request = open_request(stack, ts)
    stack.jira.fail_next("POST /rest/api/2/issue", 503)
    assert stack.slack.click(SupportAction.RAISE_TICKET, request.id, message_ts=ts)["statusCode"] == 200
    assert stored_request(stack, ts).ticket_state is TicketState.PENDING
    ledger.effects("people told Jira failed", len(ticket_said(stack, ts, "pending")), 1)
    stack.tick("triage-sweep", stack.clock.advance(minutes=5))
    ledger.effects("Jira tickets", len(stack.jira.issues()), 1)
    assert stored_request(stack, ts).ticket_state is TicketState.FILED
    ledger.effects("'Ticket raised' posts", len(ticket_said(stack, ts, "Ticket raised")), 1)


def test_jira_down_for_good_keeps_the_request_tells_people_and_retries_without_doubling(
    stack: Stack, ledger: Ledger
) -> None:
    ts = "1764496800.000500"
    request = open_request(stack, ts)
    stack.jira.fail_next("*", 503, times=1000)
    stack.slack.click(SupportAction.RAISE_TICKET, request.id, message_ts=ts)
    stack.slack.click(SupportAction.RAISE_TICKET, request.id, message_ts=ts)  # an impatient second click
    for _ in range(3):
        stack.tick("triage-sweep", stack.clock.advance(minutes=5))
    kept = stored_request(stack, ts)
    ledger.lose("support requests", 0 if kept.ticket_state is TicketState.PENDING else 1)
    assert kept.ticket_attempts == 4  # the first click and each sweep; the second click found the first's claim
    ledger.effects("threads told (by the first click, never by a sweep)", len(ticket_said(stack, ts, "pending")), 1)
    in_hand = [text for text in ephemeral_texts(stack) if "already being filed" in text]
    ledger.effects("second clicker told it is in hand", len(in_hand), 1)
    stack.jira.reset()
    stack.tick("triage-sweep", stack.clock.advance(minutes=5))
    stack.tick("triage-sweep", stack.clock.advance(minutes=5))
    ledger.effects("Jira tickets", len(stack.jira.issues()), 1)


def test_jira_times_out_after_creating_the_issue_and_no_second_ticket_is_filed(
    stack: Stack, ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("opsdesk.integrations.jira.TIMEOUT_SECONDS", 0.3)
    ts = "1764496800.000600"
    request = open_request(stack, ts)
    stack.jira.delay_next("POST /rest/api/2/issue", 0.8)  # Jira creates it, but answers too late
    stack.slack.click(SupportAction.RAISE_TICKET, request.id, message_ts=ts)
    assert stored_request(stack, ts).ticket_state is TicketState.PENDING
    stack.tick("triage-sweep", stack.clock.advance(minutes=5))
    ledger.effects("Jira tickets", len(stack.jira.issues()), 1)
    stored = stored_request(stack, ts)
    assert stored.ticket_state is TicketState.FILED and stored.ticket_key == stack.jira.issues()[0]["key"]


# ---------------------------------------------------------------- PagerDuty


def pd_calls(stack: Stack) -> list[dict[str, Any]]:
    return stack.pagerduty.calls("POST /v2/enqueue")


def test_pagerduty_500_500_202_is_one_alert_with_one_dedup_key(paging: Stack, ledger: Ledger, sleeps: Sleeps) -> None:
    paging.pagerduty.fail_next("POST /v2/enqueue", 500, times=2)
    incident_id = declare(paging, "high: Payments down", trigger_id="300.400.paged")
    calls = pd_calls(paging)
    assert [call["status"] for call in calls] == [500, 500, 202]
    assert {call["params"]["dedup_key"] for call in calls} == {incident_id}
    ledger.effects("PagerDuty alerts", len(paging.pagerduty.alerts()), 1)
    # urllib3's backoff: the first retry at once, the second after 0.5 x 2 s
    assert sleeps.of("pagerduty") == [1.0]


def test_pagerduty_400_is_not_retried_and_people_are_told(paging: Stack, ledger: Ledger) -> None:
    paging.pagerduty.fail_next("POST /v2/enqueue", 400, body={"status": "invalid event", "errors": ["bad"]})
    incident_id = declare(paging, "high: Payments down", trigger_id="300.400.refused")
    ledger.effects("PagerDuty attempts", len(pd_calls(paging)), 1)
    incident = repository().get(incident_id)
    assert incident.announcement is not None
    thread = paging.slack_api.thread(OPS, incident.announcement.ts)
    ledger.effects("'Paging failed' posts", len([m for m in thread if "Paging failed" in m.get("text", "")]), 1)


def test_leadership_and_thread_hear_once_even_when_slack_rate_limits_them(
    stack: Stack, ledger: Ledger, sleeps: Sleeps
) -> None:
    stack.slack_api.fail_next("chat.postMessage", 429, times=2, headers={"Retry-After": "1"})
    declare(stack, trigger_id="300.400.leadership")
    ledger.effects("announcements", len(announcements(stack)), 1)
    ledger.effects("leadership DMs", len([c for c in posted(stack) if c["params"]["channel"].startswith("U0LEAD")]), 2)


def _later(stack: Stack, minutes: int) -> datetime:
    return stack.clock.now + timedelta(minutes=minutes)
