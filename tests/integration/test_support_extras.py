"""The support desk's less travelled paths through SlackFunction: `/support` retried, `/support list`,
the `add_to_ticket` shortcut, and the board issue's "Take it" and priority buttons, with the Jira stand-in."""

from __future__ import annotations

import json
import time
import uuid
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest

from opsdesk.domain.requests import Stage
from opsdesk.slack.support_ids import SupportAction, SupportCallback
from opsdesk.store.requests import RequestRepository
from tests.harness import api_event
from tests.integration.support_fixtures import (  # noqa: F401  # fixtures
    REQUESTER,
    ask,
    jira_api_fixture,
    request_id,
    stand_in_urls_fixture,
    stored,
    utc,
)

if TYPE_CHECKING:
    from devstack.standins.jira import JiraStandIn
    from tests.integration.conftest import Stack

pytestmark = pytest.mark.integration
MONDAY_10 = utc(2026, 11, 30, 10, 0)


def top_level(stack: Stack) -> list[dict[str, Any]]:
    return [
        message
        for message in stack.ops_messages()
        if not message.get("thread_ts") or message["thread_ts"] == message["ts"]
    ]


def open_requests(stack: Stack) -> list[str]:
    repository = RequestRepository(stack.table_name)
    return [request.id for stage in (Stage.TODO, Stage.IN_PROGRESS) for request in repository.list_stage(stage)]


def said_to(stack: Stack, user: str) -> list[str]:
    return [str(item["text"]) for item in stack.slack_api.ephemeral_messages(user)]


def responses(stack: Stack) -> list[str]:
    return [str(response.get("text", "")) for response in stack.slack_api.responses()]


# ---- `/support <text>` is raised once per command


def test_the_same_support_command_delivered_twice_raises_one_request(stack: Stack) -> None:
    # GIVEN a person raising a request with /support
    stack.clock.now = MONDAY_10
    trigger = "1764496800.111.support"
    # WHEN the lazy part runs twice for the same command (Lambda's async retry)
    for _ in range(2):
        response = stack.slack.command(
            "Please grant me the logs role", user=REQUESTER, command="/support", trigger_id=trigger
        )
        assert response["statusCode"] == 200
    # THEN one message went to the ops channel and one request was opened, with one panel
    asked = [message for message in top_level(stack) if "Please grant me the logs role" in message["text"]]
    assert len(asked) == 1
    assert len(open_requests(stack)) == 1
    request = stored(stack, asked[0]["ts"])
    assert request.requester == REQUESTER and request.created_at == MONDAY_10
    thread = stack.slack_api.thread(stack.environment["OPS_CHANNEL_ID"], asked[0]["ts"])
    assert len([message for message in thread if message["ts"] != asked[0]["ts"]]) == 1
    # AND each run told the person where it is
    assert sum(request.id in text for text in responses(stack)) == 2


def test_a_support_command_whose_first_run_died_before_posting_is_raised_by_the_retry(stack: Stack) -> None:
    # GIVEN the first run claims the command, then Slack fails every attempt to post it
    stack.clock.now = MONDAY_10
    trigger = "1764496800.222.support"
    stack.slack_api.fail_next("chat.postMessage", 500, times=3)
    stack.slack.command("The VPN drops every hour", user=REQUESTER, command="/support", trigger_id=trigger)
    assert open_requests(stack) == []
    # WHEN a duplicate arrives while that run could still be alive, nothing is posted twice
    stack.slack.command("The VPN drops every hour", user=REQUESTER, command="/support", trigger_id=trigger)
    assert not [message for message in top_level(stack) if "VPN drops" in message["text"]]
    # AND when Lambda retries a minute later, the request is raised, once
    stack.clock.advance(minutes=1)
    stack.slack.command("The VPN drops every hour", user=REQUESTER, command="/support", trigger_id=trigger)
    stack.slack.command("The VPN drops every hour", user=REQUESTER, command="/support", trigger_id=trigger)
    assert len([message for message in top_level(stack) if "VPN drops" in message["text"]]) == 1
    assert len(open_requests(stack)) == 1


# ---- `/support list`


def test_support_list_shows_the_open_requests_and_not_the_done_ones(stack: Stack) -> None:
    # GIVEN three requests: one waiting, one taken, one done
    stack.clock.now = MONDAY_10
    waiting = ask(stack, MONDAY_10, "The printer on floor 3 is offline")
    taken = ask(stack, MONDAY_10 + timedelta(minutes=1), "Need a new staging database")
    done = ask(stack, MONDAY_10 + timedelta(minutes=2), "Reset my MFA please")
    stack.slack.click(SupportAction.TAKE, request_id(stack, taken), user="U0BOB")
    stack.slack.click(SupportAction.TAKE, request_id(stack, done))
    stack.slack.submit(SupportCallback.DONE, {"resolution": "Reset it"}, request_id(stack, done))
    # WHEN someone lists them
    stack.slack.command("list", command="/support")
    # THEN the answer shows the open two with their stage and who has them, and not the done one
    listing = responses(stack)[-1]
    assert request_id(stack, waiting) in listing and "To do" in listing and "_unassigned_" in listing
    assert request_id(stack, taken) in listing and "In progress" in listing and "<@U0BOB>" in listing
    assert request_id(stack, done) not in listing


def test_support_list_with_nothing_open_says_so(stack: Stack) -> None:
    stack.slack.command("list", command="/support")
    assert "No open support requests" in responses(stack)[-1]


# ---- the add_to_ticket message shortcut


def add_to_ticket(stack: Stack, message: dict[str, Any], user: str = "U0ALICE") -> Any:
    return stack.slack.message_shortcut(SupportCallback.ADD_TO_TICKET, message, user)


def test_a_thread_message_is_added_to_the_ticket_once_with_its_author_and_link(
    stack: Stack, jira_api: JiraStandIn
) -> None:
    # GIVEN a request with a ticket, and a reply in its thread
    stack.clock.now = MONDAY_10
    channel = stack.environment["OPS_CHANNEL_ID"]
    ts = ask(stack, MONDAY_10)
    stack.slack.click(SupportAction.RAISE_TICKET, request_id(stack, ts))
    key = stored(stack, ts).ticket_key
    assert key
    reply = stack.slack_api.add_user_message(channel, "It fails with error 502 since 09:40", REQUESTER, thread_ts=ts)
    # WHEN an engineer adds that reply to the ticket, twice
    add_to_ticket(stack, reply)
    add_to_ticket(stack, reply)
    # THEN the ticket has it once, with the author's name and a link back
    issue = jira_api.issue(key)
    assert issue is not None
    comments = [comment["body"] for comment in issue["fields"]["comment"]["comments"]]
    added = [body for body in comments if "error 502" in body]
    assert len(added) == 1
    assert "Req" in added[0] and f"/archives/{channel}/p" in added[0], added[0]
    assert any(f"Added to {key}" in text for text in said_to(stack, "U0ALICE"))
    assert any(f"already on {key}" in text for text in said_to(stack, "U0ALICE"))


def test_add_to_ticket_explains_when_there_is_no_ticket_or_no_request(stack: Stack) -> None:
    stack.clock.now = MONDAY_10
    channel = stack.environment["OPS_CHANNEL_ID"]
    ts = ask(stack, MONDAY_10)
    reply = stack.slack_api.add_user_message(channel, "Any news?", REQUESTER, thread_ts=ts)
    add_to_ticket(stack, reply)
    unrelated = stack.slack_api.add_user_message("C0RANDOM", "Lunch?", "U0BOB")
    add_to_ticket(stack, {**unrelated, "channel": channel})
    said = said_to(stack, "U0ALICE")
    assert any("has no Jira ticket yet" in text and f"/support ticket {request_id(stack, ts)}" in text for text in said)
    assert any("not in a support request's thread" in text for text in said)


def test_add_to_ticket_when_jira_refuses_says_so_and_can_be_tried_again(stack: Stack, jira_api: JiraStandIn) -> None:
    stack.clock.now = MONDAY_10
    channel = stack.environment["OPS_CHANNEL_ID"]
    ts = ask(stack, MONDAY_10)
    stack.slack.click(SupportAction.RAISE_TICKET, request_id(stack, ts))
    key = stored(stack, ts).ticket_key
    assert key
    reply = stack.slack_api.add_user_message(channel, "Logs attached", REQUESTER, thread_ts=ts)
    jira_api.fail_next(f"POST /rest/api/2/issue/{key}/comment", 503)
    add_to_ticket(stack, reply)
    assert any("Jira" in text for text in said_to(stack, "U0ALICE"))
    add_to_ticket(stack, reply)
    issue = jira_api.issue(key)
    assert issue is not None
    assert [comment["body"] for comment in issue["fields"]["comment"]["comments"] if "Logs attached" in comment["body"]]


# ---- issues raised on the board: "Take it" and the priority buttons


def board_issue(
    stack: Stack, jira_api: JiraStandIn, summary: str = "Rotate the TLS certs"
) -> tuple[str, dict[str, Any]]:
    """Dana raises an issue straight on the board; Jira's webhook posts it to the team channel."""
    with jira_api.lock:
        issue, errors = jira_api.tracker.create(
            {"project": {"key": "OPS"}, "issuetype": {"name": "Task"}, "summary": summary}
        )
    assert issue is not None, errors
    body = {"webhookEvent": "jira:issue_created", "issue": issue, "user": {"displayName": "Dana"}}
    event = api_event("POST", "/jira/webhook", json.dumps(body), {"Content-Type": "application/json"})
    event["headers"]["X-Opsdesk-Webhook-Secret"] = stack.environment["JIRA_WEBHOOK_SECRET"]
    assert stack.invoke("WebhooksFunction", event)["statusCode"] == 200
    team = stack.environment["TEAM_CHANNEL_ID"]
    posted = next(message for message in stack.slack_api.messages(team) if issue["key"] in message["text"])
    return str(issue["key"]), posted


def click_on(stack: Stack, message: dict[str, Any], action_id: str, value: str, user: str) -> Any:
    team = stack.environment["TEAM_CHANNEL_ID"]
    return stack.slack.interaction(
        {
            "type": "block_actions",
            "user": {"id": user},
            "team": {"id": "T111"},
            "channel": {"id": team},
            "container": {"type": "message", "message_ts": message["ts"], "channel_id": team},
            "message": message,
            "trigger_id": f"{time.time():.6f}.{uuid.uuid4().hex[:8]}",
            "response_url": stack.slack.response_url(user),
            "actions": [
                {"type": "button", "action_id": action_id, "block_id": "b", "value": value, "action_ts": "1.2"}
            ],
        }
    )


def test_taking_a_board_issue_moves_it_notes_it_and_edits_the_post(stack: Stack, jira_api: JiraStandIn) -> None:
    # GIVEN an issue raised on the board and posted for triage
    key, post = board_issue(stack, jira_api)
    # WHEN Alice takes it
    click_on(stack, post, SupportAction.BOARD_TAKE, key, "U0ALICE")
    # THEN it is In Progress on the board, with a note naming her
    issue = jira_api.issue(key)
    assert issue is not None and issue["fields"]["status"]["name"] == "In Progress"
    notes = [comment["body"] for comment in issue["fields"]["comment"]["comments"]]
    assert len(notes) == 1 and "Alice" in notes[0] and "U0ALICE" not in notes[0], notes
    # AND the triage post says who has it, keeps what it was, and has no buttons left
    team = stack.environment["TEAM_CHANNEL_ID"]
    edited = next(message for message in stack.slack_api.messages(team) if message["ts"] == post["ts"])
    assert "taken by <@U0ALICE>" in edited["text"]
    assert "Rotate the TLS certs" in json.dumps(edited["blocks"]) and "Taken by <@U0ALICE>" in json.dumps(
        edited["blocks"]
    )
    assert not [block for block in edited["blocks"] if block["type"] == "actions"]

    # WHEN Bob clicks the stale button too
    click_on(stack, post, SupportAction.BOARD_TAKE, key, "U0BOB")
    # THEN he is told Alice has it, and the board is not touched again
    assert any(f"{key} is already taken by <@U0ALICE>" in text for text in said_to(stack, "U0BOB"))
    issue = jira_api.issue(key)
    assert issue is not None and len(issue["fields"]["comment"]["comments"]) == 1


def test_only_the_support_team_takes_board_issues_or_sets_their_priority(stack: Stack, jira_api: JiraStandIn) -> None:
    key, post = board_issue(stack, jira_api)
    click_on(stack, post, SupportAction.BOARD_TAKE, key, "U0DAVE")
    click_on(stack, post, f"{SupportAction.BOARD_PRIORITY}_highest", f"{key}:Highest", "U0DAVE")
    issue = jira_api.issue(key)
    assert issue is not None and issue["fields"]["status"]["name"] == "To Do"
    assert issue["fields"]["priority"]["name"] == "Medium"
    assert sum("Only the support team" in text for text in said_to(stack, "U0DAVE")) == 2


def test_a_priority_button_sets_the_priority_on_the_board(stack: Stack, jira_api: JiraStandIn) -> None:
    key, post = board_issue(stack, jira_api)
    click_on(stack, post, f"{SupportAction.BOARD_PRIORITY}_high", f"{key}:High", "U0BOB")
    issue = jira_api.issue(key)
    assert issue is not None and issue["fields"]["priority"]["name"] == "High"
    assert any(f"{key} is now High priority" in text for text in said_to(stack, "U0BOB"))


def test_a_take_that_jira_refused_leaves_the_issue_free_to_take(stack: Stack, jira_api: JiraStandIn) -> None:
    key, post = board_issue(stack, jira_api)
    jira_api.fail_next(f"GET /rest/api/2/issue/{key}/transitions", 503)
    click_on(stack, post, SupportAction.BOARD_TAKE, key, "U0ALICE")
    assert any("Jira" in text for text in said_to(stack, "U0ALICE"))
    click_on(stack, post, SupportAction.BOARD_TAKE, key, "U0BOB")
    issue = jira_api.issue(key)
    assert issue is not None and issue["fields"]["status"]["name"] == "In Progress"
    assert "Bob" in issue["fields"]["comment"]["comments"][-1]["body"]
