"""Jira's webhook through WebhooksFunction: authenticated, moving stages, posting board issues once."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from opsdesk.domain.requests import Stage
from opsdesk.slack.support_ids import SupportAction
from tests.harness import api_event
from tests.integration.support_fixtures import (  # noqa: F401  # fixtures
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


def deliver(stack: Stack, body: dict[str, Any], secret: str | None = None, *, query: bool = False) -> Any:
    headers = {"Content-Type": "application/json"}
    event = api_event("POST", "/jira/webhook", json.dumps(body), headers)
    if secret is not None and query:
        event["queryStringParameters"] = {"secret": secret}
    elif secret is not None:
        event["headers"]["X-Opsdesk-Webhook-Secret"] = secret
    return stack.invoke("WebhooksFunction", event)


def test_the_webhook_refuses_a_missing_or_wrong_secret(stack: Stack) -> None:
    body = {"webhookEvent": "jira:issue_updated", "issue": {"key": "OPS-1", "fields": {}}}
    assert deliver(stack, body)["statusCode"] == 401
    assert deliver(stack, body, "wrong")["statusCode"] == 401
    assert deliver(stack, body, "wrong", query=True)["statusCode"] == 401
    assert deliver(stack, body, stack.environment["JIRA_WEBHOOK_SECRET"], query=True)["statusCode"] == 200


def test_moving_the_ticket_on_the_board_moves_the_request(stack: Stack, jira_api: JiraStandIn) -> None:
    stack.clock.now = MONDAY_10
    ts = ask(stack, MONDAY_10)
    stack.slack.click(SupportAction.RAISE_TICKET, request_id(stack, ts))
    key = stored(stack, ts).ticket_key
    assert key and stored(stack, ts).stage is Stage.TODO
    secret = stack.environment["JIRA_WEBHOOK_SECRET"]
    for status, stage in (("In Progress", Stage.IN_PROGRESS), ("Done", Stage.DONE)):
        issue = jira_api.transition(key, status)
        body = {
            "webhookEvent": "jira:issue_updated",
            "issue": issue,
            "user": {"displayName": "Dana"},
            "changelog": {"items": [{"field": "status", "toString": status}]},
        }
        assert deliver(stack, body, secret)["statusCode"] == 200
        deliver(stack, body, secret)  # Jira retries: nothing moves twice
        assert stored(stack, ts).stage is stage
    thread = stack.slack_api.thread(stack.environment["OPS_CHANNEL_ID"], ts)
    assert sum("How happy" in message.get("text", "") for message in thread) == 1


def test_a_slack_stage_change_moves_the_ticket(stack: Stack, jira_api: JiraStandIn) -> None:
    stack.clock.now = MONDAY_10
    ts = ask(stack, MONDAY_10)
    stack.slack.click(SupportAction.RAISE_TICKET, request_id(stack, ts))
    stack.slack.click(SupportAction.TAKE, request_id(stack, ts))
    key = stored(stack, ts).ticket_key
    assert key
    issue = jira_api.issue(key)
    assert issue is not None and issue["fields"]["status"]["name"] == "In Progress"


def test_an_issue_raised_on_the_board_is_posted_for_triage_once(stack: Stack) -> None:
    body = {
        "webhookEvent": "jira:issue_created",
        "issue": {
            "key": "OPS-77",
            "fields": {"summary": "Rotate the TLS certs", "labels": [], "reporter": {"displayName": "Dana"}},
        },
    }
    secret = stack.environment["JIRA_WEBHOOK_SECRET"]
    deliver(stack, body, secret)
    deliver(stack, body, secret)
    posted = [
        message
        for message in stack.slack_api.messages(stack.environment["TEAM_CHANNEL_ID"])
        if "OPS-77" in message["text"]
    ]
    assert len(posted) == 1
    actions = [
        element["action_id"]
        for block in posted[0]["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    ]
    assert SupportAction.BOARD_TAKE in actions and any(
        action.startswith(SupportAction.BOARD_PRIORITY) for action in actions
    )
