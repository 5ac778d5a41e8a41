"""Fixtures and helpers the support-desk, day and webhook tests share: a Jira stand-in, requests by message."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pytest

from devstack.standins.jira import JiraStandIn
from opsdesk.domain.requests import SupportRequest, request_id_for
from opsdesk.store.requests import RequestRepository
from tests.harness import api_event

if TYPE_CHECKING:
    from collections.abc import Iterator

    from devstack.standins.slack import SlackStandIn
    from tests.integration.conftest import FakeClock, Stack

REQUESTER = "U0REQ"


@pytest.fixture(scope="session", name="jira_api")
def jira_api_fixture() -> Iterator[JiraStandIn]:
    with JiraStandIn() as stand_in:
        yield stand_in


@pytest.fixture(name="stand_in_urls")
def stand_in_urls_fixture(slack_api: SlackStandIn, jira_api: JiraStandIn, clock: FakeClock) -> dict[str, str]:
    slack_api.reset()
    jira_api.reset()
    jira_api.clock = clock  # Jira Cloud's search index catches up as the test's time passes
    return {"slack": slack_api.url, "jira": jira_api.url}


def jira_webhooks_to(stack: Stack, jira_api: JiraStandIn, secret: str | None = None) -> list[tuple[bytes, Any]]:
    """Register the stack's /jira/webhook as the stand-in's admin webhook (signed with the stack's secret).

    Returns what was delivered, (raw body, opsdesk's answer), so a test can deliver one again as Jira's retry does.
    """
    delivered: list[tuple[bytes, Any]] = []

    def deliver(raw: bytes, headers: dict[str, str]) -> int:
        answer = stack.invoke("WebhooksFunction", api_event("POST", "/jira/webhook", raw.decode(), headers))
        delivered.append((raw, answer))
        return int(answer["statusCode"])

    jira_api.webhooks.register(deliver, stack.environment["JIRA_WEBHOOK_SECRET"] if secret is None else secret)
    return delivered


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def ts_at(moment: datetime, serial: int = 100) -> str:
    return f"{int(moment.timestamp())}.{serial:06d}"


def ask(stack: Stack, at: datetime, text: str = "I cannot reach the staging bastion", user: str = REQUESTER) -> str:
    """A person posts a top-level message in the ops channel at `at`; return its ts."""
    ts = ts_at(at)
    channel = stack.environment["OPS_CHANNEL_ID"]
    stack.slack.event(
        {"type": "message", "channel": channel, "user": user, "text": text, "ts": ts, "channel_type": "channel"}
    )
    return ts


def stored(stack: Stack, ts: str) -> SupportRequest:
    found = RequestRepository(stack.table_name).find(stack.environment["OPS_CHANNEL_ID"], ts)
    assert found is not None, "the message did not open a support request"
    return found


def request_id(stack: Stack, ts: str) -> str:
    return request_id_for(stack.environment["OPS_CHANNEL_ID"], ts)


def thread_texts(stack: Stack, ts: str) -> list[str]:
    return [str(message.get("text", "")) for message in stack.slack_api.thread(stack.environment["OPS_CHANNEL_ID"], ts)]


def body_of(response: Any) -> dict[str, Any]:
    body = response.get("body") or "{}"
    return json.loads(body) if body.startswith("{") else {"text": body}
