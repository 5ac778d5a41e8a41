"""Fixtures for the Slack contract tests: the stand-in on 127.0.0.1 and a real slack_sdk WebClient pointed at it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from slack_sdk import WebClient

from devstack.standins.slack import SlackStandIn
from devstack.standins.slack_access import manifest_scopes

if TYPE_CHECKING:
    from collections.abc import Iterator

TOKEN = "xoxb-contract-token"
OPS = "C0OPS"  # a public channel the app was invited to
ELSEWHERE = "C0RANDOM"  # a public channel it was not
PRIVATE = "C0SECRET"  # a private channel it was not invited to


@pytest.fixture(scope="module", name="stand_in")
def stand_in_fixture() -> Iterator[SlackStandIn]:
    with SlackStandIn(token=TOKEN) as stand_in:
        yield stand_in


@pytest.fixture(name="slack")
def slack_fixture(stand_in: SlackStandIn) -> SlackStandIn:
    """A fresh workspace: the app is in OPS only; PRIVATE is private."""
    stand_in.reset()
    stand_in.scopes = manifest_scopes()
    stand_in.invite(OPS)
    stand_in.make_private(PRIVATE)
    return stand_in


@pytest.fixture(name="web")
def web_fixture(slack: SlackStandIn) -> WebClient:
    """The real client, with no retries: each answer is exactly what the stand-in said."""
    return WebClient(token=TOKEN, base_url=f"{slack.url}/api/", timeout=5)
