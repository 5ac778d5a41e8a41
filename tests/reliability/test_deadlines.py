"""Failing neighbours against the clock: no retry sleeps past the invocation's deadline, and what is owed survives.

A Slack 429 with `Retry-After: 30` used to make one run sleep about 61 s (two retries) in a 20 s function: Lambda
killed it mid-sleep. Now a back-off the invocation has no time for is declined, the invocation fails, Lambda's
retry does the work, and after Lambda's last retry the dead-letter queue holds a real failure, with the work still
recorded as owed. Jira's waits and each request's timeout are sized by the same deadline, its work kept owed
for the next run. PagerDuty's refusals are logged for an operator, and people are told what failed and what to do.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pytest

from devstack.runtime import FunctionError
from opsdesk import deadline, entrypoints
from opsdesk.domain.incidents import Followup
from opsdesk.domain.paging import Alert
from opsdesk.domain.requests import TicketState
from opsdesk.integrations import jira
from opsdesk.slack.support_ids import SupportAction
from tests.reliability.conftest import PAGING_SATURDAY
from tests.reliability.kit import announcements
from tests.reliability.test_neighbours import open_request, stored_request, ticket_said

if TYPE_CHECKING:
    from tests.reliability.conftest import Stack
    from tests.reliability.faults import Sleeps
    from tests.reliability.kit import Ledger

pytestmark = pytest.mark.reliability("failing neighbours")

START_OF_DAY = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
FUNCTION_TIMEOUT = 20  # template.yaml's Globals.Function.Timeout
LONG_WAIT = {"Retry-After": "30"}
# What PagerDuty answers an event it refuses: about 200 characters of its own words, for an operator.
PAGERDUTY_REFUSAL = {
    "status": "invalid event",
    "message": "Event object is invalid",
    "errors": ["Length of 'routing_key' is incorrect (should be 32 characters)", "'payload.source' is missing"],
}


def team_posts(stack: Stack) -> list[dict[str, Any]]:
    return [m for m in stack.slack_api.messages(stack.environment["TEAM_CHANNEL_ID"]) if not m.get("thread_ts")]


def lazy_runner(stack: Stack) -> Any:
    return entrypoints.slack_ingress().app.listener_runner.lazy_listener_runner


@pytest.mark.reliability("owed messages")  # issue 16: what is owed is left for the retry
def test_a_slack_429_asking_30_s_fails_the_tick_at_once_and_lambdas_retry_posts_once(
    stack: Stack, ledger: Ledger, sleeps: Sleeps, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN Slack rate limits the start-of-day post, asking for 30 s, longer than the function's 20 s
    stack.slack_api.fail_next("chat.postMessage", 429, headers=LONG_WAIT)
    # WHEN the tick runs
    with pytest.raises(FunctionError) as failed:
        stack.tick("start-of-day", START_OF_DAY)
    # THEN it slept not at all (it would have slept past its timeout) and failed, so Lambda retries it
    assert sleeps.of("slack") == [], "a back-off longer than the time left was taken"
    assert "ratelimited" in failed.value.payload["errorMessage"]
    assert any("not retrying Slack" in record.getMessage() for record in caplog.records)
    ledger.effects("start-of-day posts before the retry", len(team_posts(stack)), 0)
    # AND Lambda's retry, a minute later, finds the slot free (the failed run gave it back) and posts once
    stack.clock.advance(minutes=1)
    stack.tick("start-of-day", START_OF_DAY)
    stack.tick("start-of-day", START_OF_DAY)  # and Scheduler's duplicate changes nothing
    ledger.effects("start-of-day posts", len(team_posts(stack)), 1)


def test_a_short_retry_after_still_fits_and_is_honoured(stack: Stack, ledger: Ledger, sleeps: Sleeps) -> None:
    stack.slack_api.fail_next("chat.postMessage", 429, headers={"Retry-After": "2"})
    stack.tick("start-of-day", START_OF_DAY)
    assert [round(seconds) for seconds in sleeps.of("slack")] in ([2], [3]), sleeps.of("slack")  # 2 s + jitter
    ledger.effects("start-of-day posts", len(team_posts(stack)), 1)


@pytest.mark.reliability("owed messages")  # issue 16: what is owed is left for the retry
def test_slack_rate_limiting_a_declaration_past_every_retry_leaves_it_owed_for_the_dead_letter_queue(
    stack: Stack, ledger: Ledger, sleeps: Sleeps
) -> None:
    # GIVEN Slack answers 429 with Retry-After 30 to every post of the announcement (Lambda tries three times)
    stack.slack_api.fail_next("chat.postMessage", 429, times=3, headers=LONG_WAIT)
    # WHEN someone declares an incident
    assert stack.slack.command("declare high: Payments down", trigger_id="300.400.owed")["statusCode"] == 200
    # THEN no attempt slept, the work reached the dead-letter queue, and the incident is kept with its
    # announcement still owed: a real failure an operator sees, nothing lost
    assert sleeps.of("slack") == []
    runner = lazy_runner(stack)
    ledger.effects("dead letters", len(runner.dead_letters), 1)
    [incident] = entrypoints.wiring().incident_repository.list_open()
    assert Followup.ANNOUNCE in incident.pending
    ledger.lose("incidents", 0 if incident.announcement is None else 1)
    ledger.effects("announcements while Slack refuses", len(announcements(stack)), 0)
    # AND redriving the dead letter once Slack is back announces it, once
    stack.clock.advance(minutes=5)
    stack.invoke("SlackFunction", runner.dead_letters[0])
    ledger.effects("announcements", len(announcements(stack)), 1)
    assert entrypoints.wiring().incident_repository.get(incident.id).pending == frozenset()


def paging_failed_posts(stack: Stack) -> list[str]:
    return [
        str(message.get("text"))
        for message in stack.slack_api.messages(stack.environment["OPS_CHANNEL_ID"])
        if "Paging failed" in str(message.get("text"))
    ]


def test_pagerdutys_refusal_is_logged_and_people_are_told_what_to_do_not_its_words(
    paging: Stack, ledger: Ledger, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN PagerDuty refuses the event with its ~200-character explanation
    paging.pagerduty.fail_next("POST /v2/enqueue", 400, body=PAGERDUTY_REFUSAL)
    # WHEN a high-priority incident is declared on a Saturday
    paging.slack.command("declare high: Payments down", trigger_id="300.400.refusedpage")
    # THEN the thread says paging failed, that nobody was paged, and what to do, without PagerDuty's words
    [told] = paging_failed_posts(paging)
    assert "nobody was paged" in told and "phone the on-call engineer" in told
    assert "HTTP 400" in told and "log" in told
    pagerdutys_words = (PAGERDUTY_REFUSAL["message"], *PAGERDUTY_REFUSAL["errors"], "invalid event")
    ledger.leak("PagerDuty's words in the thread", sum(words in told for words in pagerdutys_words))
    # AND the log holds PagerDuty's answer for an operator
    logged = [record for record in caplog.records if getattr(record, "body", None)]
    assert logged and all(words in logged[0].body for words in PAGERDUTY_REFUSAL["errors"])
    assert logged[0].levelno == logging.WARNING
    ledger.effects("'Paging failed' posts", len(paging_failed_posts(paging)), 1)
    ledger.effects("PagerDuty attempts (a 400 is never retried)", len(paging.pagerduty.calls("POST /v2/enqueue")), 1)


def test_pagerduty_down_through_every_retry_says_how_to_page_again(
    paging: Stack, ledger: Ledger, sleeps: Sleeps
) -> None:
    paging.pagerduty.fail_next("POST /v2/enqueue", 503, times=4)
    paging.slack.command("declare high: Payments down", trigger_id="300.400.pdown")
    [incident] = entrypoints.wiring().incident_repository.list_open()
    [told] = paging_failed_posts(paging)
    assert f"/incident page {incident.id} tries again" in told and "HTTP 503" in told
    ledger.effects("PagerDuty attempts", len(paging.pagerduty.calls("POST /v2/enqueue")), 4)
    assert sleeps.of("pagerduty") == [1.0, 2.0]  # urllib3's backoff: at once, then 0.5 x 2^(n-1) s


def test_a_pagerduty_429_asking_30_s_is_not_waited_for_and_people_are_told_at_once(
    paging: Stack, ledger: Ledger, sleeps: Sleeps
) -> None:
    paging.pagerduty.fail_next("POST /v2/enqueue", 429, headers=LONG_WAIT)
    paging.slack.command("declare high: Payments down", trigger_id="300.400.pdslow")
    assert sleeps.of("pagerduty") == []
    ledger.effects("PagerDuty attempts", len(paging.pagerduty.calls("POST /v2/enqueue")), 1)
    ledger.effects("'Paging failed' posts", len(paging_failed_posts(paging)), 1)


def test_the_resolve_that_pagerduty_refuses_says_to_resolve_it_there(paging: Stack) -> None:
    events = entrypoints.wiring().integrations.pagerduty
    paging.pagerduty.fail_next("POST /v2/enqueue", 400, body=PAGERDUTY_REFUSAL)
    with pytest.raises(Exception, match="resolve INC-7K3QF in PagerDuty") as refused:
        events.resolve("INC-7K3QF")
    assert "invalid event" not in str(refused.value)
    paging.pagerduty.fail_next("POST /v2/enqueue", 400, body=PAGERDUTY_REFUSAL)
    with pytest.raises(Exception, match="nobody was paged"):
        events.trigger(Alert("INC-7K3QF", "Database down", "opsdesk", PAGING_SATURDAY))


def test_a_jira_429_the_invocation_has_no_time_for_is_not_waited_and_the_ticket_stays_owed(
    stack: Stack, ledger: Ledger, sleeps: Sleeps, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    entrypoints.wiring().integrations.jira.sleep = sleeps.module("jira").sleep
    ts = "1764496800.004100"
    request = open_request(stack, ts)
    # GIVEN a click that reaches Jira with 10 s of its invocation left (the rest spent before it), and Jira rate
    # limiting the create with a wait opsdesk would take with time in hand (Retry-After within MAX_RETRY_AFTER)
    slack_function = stack.runtime.functions["SlackFunction"]
    monkeypatch.setitem(stack.runtime.functions, "SlackFunction", replace(slack_function, timeout=10))
    stack.jira.fail_next("POST /rest/api/2/issue", 429, headers={"Retry-After": f"{jira.MAX_RETRY_AFTER_SECONDS:g}"})
    # WHEN the person asks for the ticket
    assert stack.slack.click(SupportAction.RAISE_TICKET, request.id, message_ts=ts)["statusCode"] == 200
    # THEN Jira was asked once, no wait was taken (it would end inside the margin left to record what is owed),
    # and the ticket is kept pending: owed, with the thread told it will be filed
    assert [call["status"] for call in stack.jira.calls("POST /rest/api/2/issue")] == [429]
    assert sleeps.of("jira") == [], "a Jira back-off longer than the invocation has left was taken"
    assert any("not retrying Jira" in record.getMessage() for record in caplog.records)
    assert stored_request(stack, ts).ticket_state is TicketState.PENDING
    ledger.effects("Jira tickets before the next run", len(stack.jira.issues()), 0)
    ledger.effects("'kept pending' notes", len(ticket_said(stack, ts, "marked pending")), 1)
    # AND the next sweep, with its whole invocation ahead, files it once
    monkeypatch.setitem(stack.runtime.functions, "SlackFunction", slack_function)
    stack.tick("triage-sweep", stack.clock.advance(minutes=5))
    ledger.effects("Jira tickets", len(stack.jira.issues()), 1)
    ledger.effects("'Ticket raised' posts", len(ticket_said(stack, ts, "Ticket raised")), 1)


def test_each_jira_request_waits_no_longer_than_the_invocation_has_left(stack: Stack) -> None:
    tracker = entrypoints.wiring().integrations.jira
    assert tracker.request_timeout() == jira.TIMEOUT_SECONDS  # outside an invocation: Jira's own bound
    with deadline.until(9):
        assert tracker.request_timeout() <= 9 - deadline.MARGIN_SECONDS
    # With less than the margin left, nothing is sent: the work stays owed for Lambda's retry
    before = len(stack.jira.calls())
    with deadline.until(deadline.MARGIN_SECONDS), pytest.raises(Exception, match="no time left"):
        tracker.find_by_label("opsdesk-req-none")
    assert len(stack.jira.calls()) == before
