"""The support desk through the real handlers: requests, the 15-minute rule, tickets, ratings."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest

from opsdesk.domain.requests import Stage, TicketState
from opsdesk.slack.support_ids import SupportAction, SupportCallback, SupportField
from opsdesk.slack.views.support import nudge_text
from tests.integration.support_fixtures import (  # noqa: F401  # fixtures
    REQUESTER,
    ask,
    body_of,
    jira_api_fixture,
    request_id,
    stand_in_urls_fixture,
    stored,
    thread_texts,
    utc,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from devstack.standins.jira import JiraStandIn
    from tests.integration.conftest import Stack

pytestmark = pytest.mark.integration
MONDAY_10 = utc(2026, 11, 30, 10, 0)
NUDGE = nudge_text(15)  # TRIAGE_MINUTES as template.yaml sets it


def wait_until(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    """Wait for the stand-in's server thread (real concurrency, not the clock under test)."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the stand-in never got there"
        time.sleep(0.05)


def take(stack: Stack, ts: str, user: str = "U0ALICE") -> None:
    stack.slack.click(SupportAction.TAKE, request_id(stack, ts), user=user)


def test_a_message_opens_a_request_quietly_then_it_is_taken_done_and_rated_once(stack: Stack) -> None:
    stack.clock.now = MONDAY_10
    ts = ask(stack, MONDAY_10)
    request = stored(stack, ts)
    assert request.stage is Stage.TODO and request.requester == REQUESTER
    reactions = stack.slack_api.calls("reactions.add")
    assert [call["params"]["name"] for call in reactions] == ["inbox_tray"]
    assert not [message for message in stack.ops_messages() if not message.get("thread_ts")], "nothing new at top level"

    stack.clock.advance(minutes=3)
    take(stack, ts)
    assert stored(stack, ts).assignee == "U0ALICE"
    assert stored(stack, ts).stage is Stage.IN_PROGRESS

    stack.slack.click(SupportAction.DONE, request_id(stack, ts))
    assert stack.slack_api.views()[-1]["callback_id"] == SupportCallback.DONE
    stack.clock.advance(minutes=7)
    stack.slack.submit(SupportCallback.DONE, {SupportField.RESOLUTION: "Restarted the bastion"}, request_id(stack, ts))
    done = stored(stack, ts)
    assert done.stage is Stage.DONE and done.resolution == "Restarted the bastion"
    assert done.time_in_stages(stack.clock.now)[Stage.IN_PROGRESS] == timedelta(minutes=7)
    assert sum("How happy" in text for text in thread_texts(stack, ts)) == 1

    stack.slack.click(f"{SupportAction.RATE}_4", f"{request_id(stack, ts)}:4", user=REQUESTER)
    stack.slack.click(f"{SupportAction.RATE}_1", f"{request_id(stack, ts)}:1", user=REQUESTER)
    assert stored(stack, ts).rating == 4
    said = [item["text"] for item in stack.slack_api.ephemeral_messages(REQUESTER)]
    assert any("recorded" in text and "already" in text for text in said)


def test_a_reaction_takes_the_request_and_a_dm_gets_a_pointer(stack: Stack) -> None:
    stack.clock.now = MONDAY_10
    ts = ask(stack, MONDAY_10)
    channel = stack.environment["OPS_CHANNEL_ID"]
    stack.slack.event(
        {
            "type": "reaction_added",
            "user": "U0BOB",
            "reaction": "eyes",
            "item": {"type": "message", "channel": channel, "ts": ts},
        }
    )
    assert stored(stack, ts).assignee == "U0BOB"
    stack.slack.event(
        {"type": "message", "channel": "D0REQ", "channel_type": "im", "user": REQUESTER, "text": "hi", "ts": "1.2"}
    )
    assert "Please ask in" in stack.slack_api.messages("D0REQ")[-1]["text"]


def test_out_of_hours_a_request_gets_one_polite_reply(stack: Stack) -> None:
    saturday = utc(2026, 11, 28, 11, 0)
    ts = ask(stack, saturday)
    ask(stack, saturday)  # Slack redelivers: still one reply
    replies = [text for text in thread_texts(stack, ts) if "support resumes" in text]
    assert len(replies) == 1 and "Monday 30 November at 08:00" in replies[0]


@pytest.mark.parametrize(
    ("asked", "quiet", "due"),
    [
        # Across 18:00: 10 minutes on Monday evening count, the night does not.
        (utc(2026, 11, 30, 17, 50), utc(2026, 12, 1, 8, 4), utc(2026, 12, 1, 8, 6)),
        # Across a weekend: Friday 17:50 to Monday 08:06.
        (utc(2026, 11, 27, 17, 50), utc(2026, 11, 30, 8, 4), utc(2026, 11, 30, 8, 6)),
    ],
)
def test_the_fifteen_minute_nudge_counts_support_hours_only_and_posts_once(stack: Stack, asked, quiet, due) -> None:  # type: ignore[no-untyped-def]
    stack.clock.now = asked
    ts = ask(stack, asked)
    take(stack, ts)
    stack.tick("triage-sweep", asked + timedelta(hours=3))
    stack.tick("triage-sweep", quiet)
    assert not any(NUDGE in text for text in thread_texts(stack, ts))
    stack.tick("triage-sweep", due)
    stack.tick("triage-sweep", due + timedelta(minutes=5))
    assert sum(NUDGE in text for text in thread_texts(stack, ts)) == 1


def test_jira_down_then_back_files_exactly_one_ticket(stack: Stack, jira_api: JiraStandIn) -> None:
    stack.clock.now = MONDAY_10
    ts = ask(stack, MONDAY_10)
    take(stack, ts)
    jira_api.fail_next("POST /rest/api/2/issue", 503)
    stack.slack.click(SupportAction.RAISE_TICKET, request_id(stack, ts))
    pending = stored(stack, ts)
    assert pending.ticket_state is TicketState.PENDING and pending.stage is Stage.IN_PROGRESS
    assert any("pending" in text for text in thread_texts(stack, ts))
    assert jira_api.issues() == []

    stack.tick("triage-sweep", MONDAY_10 + timedelta(minutes=5))
    stack.tick("triage-sweep", MONDAY_10 + timedelta(minutes=10))
    filed = stored(stack, ts)
    assert filed.ticket_state is TicketState.FILED
    issues = jira_api.issues()
    assert len(issues) == 1 and filed.label in issues[0]["fields"]["labels"]
    assert "U0REQ" in str(issues[0]["fields"]["description"]) or "Req" in str(issues[0]["fields"]["description"])
    assert any(filed.ticket_key and filed.ticket_key in text for text in thread_texts(stack, ts))
    assert any(filed.ticket_key in message["text"] for message in stack.slack_api.messages("D0PAM"))


def test_a_timeout_after_jira_created_the_issue_never_files_a_second(
    stack: Stack, jira_api: JiraStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("opsdesk.integrations.jira.TIMEOUT_SECONDS", 0.5)
    stack.clock.now = MONDAY_10
    ts = ask(stack, MONDAY_10)
    take(stack, ts)
    jira_api.delay_next("POST /rest/api/2/issue", 1.5)
    response = stack.slack.command(f"ticket {request_id(stack, ts)}", command="/support")
    assert response["statusCode"] == 200
    assert stored(stack, ts).ticket_state is TicketState.PENDING
    wait_until(lambda: len(jira_api.issues()) == 1)  # the slow create lands after opsdesk gave up on it
    stack.tick("triage-sweep", stack.clock.advance(minutes=5))  # by then Jira's search index shows it
    assert stored(stack, ts).ticket_state is TicketState.FILED
    assert len(jira_api.issues()) == 1


def test_support_command_raises_a_request_and_bad_input_is_explained(stack: Stack) -> None:
    stack.clock.now = MONDAY_10
    stack.slack.command("Please grant me access to the logs", user=REQUESTER, command="/support")
    top = [
        message
        for message in stack.ops_messages()
        if not message.get("thread_ts") or message["thread_ts"] == message["ts"]
    ]
    assert any("Please grant me access" in message["text"] for message in top)
    answer = body_of(stack.slack.command("ticket nonsense!", command="/support"))
    assert "REQ-" in answer.get("text", "")
