"""Jira's webhook through WebhooksFunction: signed by the stand-in as Jira signs it, moving stages, posting once."""

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
    jira_webhooks_to,
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
    """Deliver by the documented fallback: the secret in the URL (or the X-Opsdesk-Webhook-Secret header)."""
    headers = {"Content-Type": "application/json"}
    event = api_event("POST", "/jira/webhook", json.dumps(body), headers)
    if secret is not None and query:
        event["queryStringParameters"] = {"secret": secret}
    elif secret is not None:
        event["headers"]["X-Opsdesk-Webhook-Secret"] = secret
    return stack.invoke("WebhooksFunction", event)


def test_the_webhook_takes_jiras_signature_or_the_secret_and_refuses_the_rest(
    stack: Stack, jira_api: JiraStandIn
) -> None:
    body = {"webhookEvent": "jira:issue_updated", "issue": {"key": "OPS-1", "fields": {}}}
    assert deliver(stack, body)["statusCode"] == 401
    assert deliver(stack, body, "wrong")["statusCode"] == 401
    assert deliver(stack, body, "wrong", query=True)["statusCode"] == 401
    assert deliver(stack, body, stack.environment["JIRA_WEBHOOK_SECRET"], query=True)["statusCode"] == 200
    # Jira's admin webhook signs the body with the secret: accepted; signed with another secret: refused
    signed = jira_webhooks_to(stack, jira_api)
    forged = jira_webhooks_to(stack, jira_api, secret="not-the-secret")
    jira_api.raise_on_board("Rotate the TLS certs")
    jira_api.webhooks.deliver()
    assert [answer["statusCode"] for _, answer in signed] == [200]
    assert [answer["statusCode"] for _, answer in forged] == [401]


def test_moving_the_ticket_on_the_board_moves_the_request(stack: Stack, jira_api: JiraStandIn) -> None:
    stack.clock.now = MONDAY_10
    ts = ask(stack, MONDAY_10)
    stack.slack.click(SupportAction.RAISE_TICKET, request_id(stack, ts))
    key = stored(stack, ts).ticket_key
    assert key and stored(stack, ts).stage is Stage.TODO
    delivered = jira_webhooks_to(stack, jira_api)
    for status, stage in (("In Progress", Stage.IN_PROGRESS), ("Done", Stage.DONE)):
        jira_api.transition(key, status)  # a person moves it on the board; Jira sends its signed webhook
        assert jira_api.webhooks.deliver() == [200]
        raw, _ = delivered[-1]
        signature = jira_api.webhooks.delivered[-1]["headers"]["X-Hub-Signature"]
        replay = api_event("POST", "/jira/webhook", raw.decode(), {"X-Hub-Signature": signature})
        assert stack.invoke("WebhooksFunction", replay)["statusCode"] == 200  # Jira retries: nothing moves twice
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


def test_an_issue_raised_on_the_board_is_posted_for_triage_once(stack: Stack, jira_api: JiraStandIn) -> None:
    delivered = jira_webhooks_to(stack, jira_api)
    issue = jira_api.raise_on_board("Rotate the TLS certs")
    jira_api.webhooks.deliver()
    raw, _ = delivered[0]
    signature = jira_api.webhooks.delivered[0]["headers"]["X-Hub-Signature"]
    stack.invoke("WebhooksFunction", api_event("POST", "/jira/webhook", raw.decode(), {"X-Hub-Signature": signature}))
    posted = [
        message
        for message in stack.slack_api.messages(stack.environment["TEAM_CHANNEL_ID"])
        if issue["key"] in message["text"]
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


def test_opsdesks_own_tickets_come_back_by_webhook_and_change_nothing(stack: Stack, jira_api: JiraStandIn) -> None:
    # GIVEN Jira's webhook is set up, as `make run` does: every change opsdesk makes comes back to it
    delivered = jira_webhooks_to(stack, jira_api)
    stack.clock.now = MONDAY_10
    ts = ask(stack, MONDAY_10)
    stack.slack.click(SupportAction.RAISE_TICKET, request_id(stack, ts))
    stack.slack.click(SupportAction.TAKE, request_id(stack, ts))
    # WHEN Jira delivers the created and updated events for opsdesk's own ticket
    assert set(jira_api.webhooks.deliver()) == {200}
    # THEN nothing is posted for triage and the request stays where Slack put it
    assert len(delivered) >= 2
    assert not any(
        "New on the board" in str(m["text"]) for m in stack.slack_api.messages(stack.environment["TEAM_CHANNEL_ID"])
    )
    assert stored(stack, ts).stage is Stage.IN_PROGRESS
