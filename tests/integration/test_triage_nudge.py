"""The triage rule reaches a person: the nudge names who works the request and who is on support now.

GIVEN a request worked on for longer than TRIAGE_MINUTES, WHEN the triage sweep nudges it, THEN the nudge
mentions its engineer and the pair on the rota, or the cover person during their cover window.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest

from opsdesk.slack.support_ids import SupportAction
from opsdesk.slack.views.support import nudge_text
from tests.integration.support_fixtures import (  # noqa: F401  # fixtures
    ask,
    jira_api_fixture,
    request_id,
    stand_in_urls_fixture,
    utc,
)

if TYPE_CHECKING:
    from datetime import datetime

    from tests.integration.conftest import Stack

pytestmark = pytest.mark.integration
NUDGE = nudge_text(15)  # TRIAGE_MINUTES as template.yaml sets it


def nudges(stack: Stack, ts: str) -> list[dict[str, Any]]:
    thread = stack.slack_api.thread(stack.environment["OPS_CHANNEL_ID"], ts)
    return [message for message in thread if NUDGE in message.get("text", "")]


def worked_on(stack: Stack, at: datetime, engineer: str) -> str:
    """A request asked at `at` and taken by `engineer` at once; returns its ts."""
    stack.clock.now = at
    ts = ask(stack, at)
    stack.slack.click(SupportAction.TAKE, request_id(stack, ts), user=engineer)
    return ts


def sweep(stack: Stack, at: datetime) -> None:
    stack.clock.now = at
    stack.tick("triage-sweep", at)


def test_the_nudge_mentions_the_engineer_and_the_pair_on_support(stack: Stack) -> None:
    # GIVEN Alice and Bob on the rota, and Carol working on a request since 10:00
    start = utc(2026, 11, 30, 10, 0)
    stack.clock.now = start
    stack.slack.command("set <@U0ALICE> <@U0BOB>", command="/rota")
    ts = worked_on(stack, start, "U0CAROL")
    # WHEN the sweep runs after TRIAGE_MINUTES
    sweep(stack, start + timedelta(minutes=20))
    # THEN one nudge, in its text and in what Slack shows (the blocks), names Carol and the pair
    [nudge] = nudges(stack, ts)
    for shown in (nudge["text"], json.dumps(nudge["blocks"])):
        assert "<@U0CAROL>: " + NUDGE in shown
        assert "On support now: <@U0ALICE> and <@U0BOB>." in shown


def test_during_a_cover_window_the_nudge_mentions_the_cover_person_not_the_pair(stack: Stack) -> None:
    # GIVEN Alice and Bob on the rota, Dave covering 12:00-13:00, and Bob working on a request since 11:50
    start = utc(2026, 11, 30, 11, 50)
    stack.clock.now = start
    stack.slack.command("set <@U0ALICE> <@U0BOB>", command="/rota")
    stack.slack.command("cover <@U0DAVE> 12:00-13:00", command="/rota")
    ts = worked_on(stack, start, "U0BOB")
    # WHEN the sweep nudges it at 12:10, in Dave's window
    sweep(stack, utc(2026, 11, 30, 12, 10))
    # THEN the nudge names Bob (working on it) and Dave (covering), not Alice
    [nudge] = nudges(stack, ts)
    shown = json.dumps(nudge["blocks"])
    assert "<@U0BOB>: " + NUDGE in shown
    assert "<@U0DAVE> is covering support until 13:00." in shown
    assert "U0ALICE" not in shown and "On support now" not in shown


def test_with_nobody_on_the_rota_the_nudge_still_asks_the_engineer(stack: Stack) -> None:
    start = utc(2026, 11, 30, 10, 0)
    ts = worked_on(stack, start, "U0CAROL")
    sweep(stack, start + timedelta(minutes=20))
    [nudge] = nudges(stack, ts)
    assert nudge["text"] == f"<@U0CAROL>: {NUDGE}"
