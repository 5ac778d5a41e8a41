"""Issue 14, "nobody left waiting", through the real handlers and the triage-sweep schedule: untaken requests
raised to whoever is on support then to the whole team, lunch cover, the triage rule's wording."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest

from opsdesk.domain.requests import Stage
from opsdesk.slack.support_ids import SupportAction
from opsdesk.slack.views.support import nudge_text
from tests.integration.support_fixtures import (  # noqa: F401  # fixtures
    REQUESTER,
    ask,
    jira_api_fixture,
    request_id,
    stand_in_urls_fixture,
    stored,
    thread_texts,
    utc,
)

if TYPE_CHECKING:
    from tests.integration.conftest import Stack

pytestmark = pytest.mark.integration
MONDAY_10 = utc(2026, 11, 30, 10, 0)  # London is on UTC in winter
# Asked half a minute before a 5-minute schedule slot (a message's ts has microseconds too): at 10:10 it has
# waited just over 10 minutes.
ASKED = MONDAY_10 - timedelta(seconds=30)
SWEEP = "triage-sweep"


def team_posts(stack: Stack) -> list[dict[str, Any]]:
    return stack.slack_api.messages(stack.environment["TEAM_CHANNEL_ID"])


def raises_about(stack: Stack, ts: str) -> list[dict[str, Any]]:
    return [post for post in team_posts(stack) if request_id(stack, ts) in post.get("text", "")]


def dms_to(stack: Stack, user: str) -> list[str]:
    return [
        str(call["params"].get("text", ""))
        for call in stack.slack_api.calls("chat.postMessage")
        if call["params"]["channel"] == user
    ]


def sweep(stack: Stack, at: Any) -> Any:
    stack.clock.now = at
    return stack.tick(SWEEP, at)


def test_an_untaken_request_is_raised_to_the_pair_once_then_to_the_team_once(stack: Stack) -> None:
    # GIVEN Alice and Bob on support, and a request nobody takes
    stack.clock.now = MONDAY_10
    stack.slack.command("set <@U0ALICE> <@U0BOB>", command="/rota")
    ts = ask(stack, ASKED, "Please restore my home directory")
    # THEN its panel names who is on support now
    assert any("On support now: <@U0ALICE> and <@U0BOB>" in text for text in thread_texts(stack, ts))

    # WHEN the sweep runs before UNTAKEN_MINUTES (10), then after it, twice at once (overlapping schedules)
    sweep(stack, MONDAY_10 + timedelta(minutes=5))
    assert raises_about(stack, ts) == []
    assert sweep(stack, MONDAY_10 + timedelta(minutes=10))["raised"] == 1
    stack.tick(SWEEP, MONDAY_10 + timedelta(minutes=10) + timedelta(seconds=1))
    sweep(stack, MONDAY_10 + timedelta(minutes=15))
    # THEN the pair was asked once, in the team channel, with a Take it button
    [first] = raises_about(stack, ts)
    assert "<@U0ALICE> and <@U0BOB>" in first["text"] and "waited 10 minutes" in first["text"]
    assert SupportAction.TAKE in str(first["blocks"])
    assert stored(stack, ts).raised_at == MONDAY_10 + timedelta(minutes=10)

    # WHEN it still waits at 30 minutes
    assert sweep(stack, MONDAY_10 + timedelta(minutes=30))["raised_to_team"] == 1
    sweep(stack, MONDAY_10 + timedelta(minutes=35))
    # THEN the whole support team was asked, once
    posts = raises_about(stack, ts)
    assert len(posts) == 2
    assert all(f"<@{user}>" in posts[1]["text"] for user in ("U0ALICE", "U0BOB", "U0CAROL"))

    # WHEN Carol takes it from the raise
    stack.slack.click(SupportAction.TAKE, request_id(stack, ts), user="U0CAROL")
    # THEN both raises say so and lose their button; no more raises
    assert stored(stack, ts).stage is Stage.IN_PROGRESS
    for post in raises_about(stack, ts):
        assert "<@U0CAROL>" in post["text"] and SupportAction.TAKE not in str(post.get("blocks"))
    sweep(stack, MONDAY_10 + timedelta(hours=2))
    assert len(raises_about(stack, ts)) == 2


def test_waiting_counts_support_hours_only_and_nothing_is_raised_out_of_hours(stack: Stack) -> None:
    # GIVEN a request on Friday at 17:55
    friday = utc(2026, 11, 27, 17, 54, 30)
    stack.clock.now = friday
    stack.slack.command("set <@U0ALICE> <@U0BOB>", command="/rota")
    ts = ask(stack, friday)
    # WHEN the sweep runs through the weekend and Monday's first minutes
    for at in (utc(2026, 11, 27, 18, 30), utc(2026, 11, 28, 12, 0), utc(2026, 11, 30, 8, 0)):
        sweep(stack, at)
    assert raises_about(stack, ts) == []
    # THEN it is raised at Monday 08:05 (5.5 minutes on Friday, 5 on Monday)
    sweep(stack, utc(2026, 11, 30, 8, 5))
    [raised] = raises_about(stack, ts)
    assert "waited 10 minutes" in raised["text"]


def test_a_raise_slack_refused_is_made_by_the_next_sweep(stack: Stack) -> None:
    stack.clock.now = ASKED
    ts = ask(stack, ASKED)
    team = stack.environment["TEAM_CHANNEL_ID"]
    # GIVEN the team channel is private and opsdesk was removed from it
    stack.slack_api.remove(team)
    stack.slack_api.make_private(team)
    with pytest.raises(Exception, match="channel_not_found"):  # the run fails, so the scheduler retries it
        sweep(stack, MONDAY_10 + timedelta(minutes=10))
    assert stored(stack, ts).raised_at is None  # given back: not marked as raised
    # WHEN someone invites it back, THEN the next sweep raises it, once
    stack.slack_api.invite(team)
    sweep(stack, MONDAY_10 + timedelta(minutes=15))
    sweep(stack, MONDAY_10 + timedelta(minutes=20))
    assert len(raises_about(stack, ts)) == 1


def test_lunch_cover_gets_new_requests_raises_and_one_reminder(stack: Stack) -> None:
    # GIVEN Alice and Bob on support, and Carol covering 12:00-13:00
    stack.clock.now = MONDAY_10
    stack.slack.command("set <@U0ALICE> <@U0BOB>", command="/rota")
    stack.slack.command("cover <@U0CAROL> 12:00-13:00", command="/rota")
    noon = utc(2026, 11, 30, 12, 0)
    # WHEN the sweep runs before the window, at its start, and again within it
    sweep(stack, noon - timedelta(minutes=5))
    assert dms_to(stack, "U0CAROL") == []
    sweep(stack, noon)
    sweep(stack, noon + timedelta(minutes=5))
    # THEN Carol was reminded once, when her window started
    [reminder] = dms_to(stack, "U0CAROL")
    assert "covering support 12:00-13:00" in reminder and "until 13:00" in reminder

    # WHEN a request arrives during her window and waits
    asked = noon + timedelta(minutes=9, seconds=30)
    stack.clock.now = asked
    ts = ask(stack, asked, "Is the CI runner down?")
    # THEN its panel mentions Carol (not the pair), and so does the raise
    [notice] = [text for text in thread_texts(stack, ts) if "covering support" in text]
    assert "<@U0CAROL> is covering support until 13:00" in notice and "U0ALICE" not in notice
    sweep(stack, noon + timedelta(minutes=20))
    [raised] = raises_about(stack, ts)
    assert "<@U0CAROL>" in raised["text"] and "U0ALICE" not in raised["text"] and "U0BOB" not in raised["text"]

    # AND after the window, a new request goes to the pair again
    later = utc(2026, 11, 30, 13, 5)
    stack.clock.now = later
    after = ask(stack, later, "Another question")
    assert any("On support now: <@U0ALICE> and <@U0BOB>" in text for text in thread_texts(stack, after))


@pytest.fixture
def triage_minutes(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setenv("TRIAGE_MINUTES", "25")
    return 25


def test_the_triage_nudge_says_the_minutes_the_team_set(triage_minutes: int, stack: Stack) -> None:
    # GIVEN TRIAGE_MINUTES is 25 and a request taken at 10:00
    stack.clock.now = MONDAY_10
    ts = ask(stack, MONDAY_10)
    stack.slack.click(SupportAction.TAKE, request_id(stack, ts), user="U0ALICE")
    # WHEN the sweep runs at 20 minutes, then after 25
    sweep(stack, MONDAY_10 + timedelta(minutes=20))
    assert not any("raise a Jira ticket?" in text for text in thread_texts(stack, ts))
    sweep(stack, MONDAY_10 + timedelta(minutes=26))
    # THEN the nudge speaks of 25 minutes, never 15
    nudges = [text for text in thread_texts(stack, ts) if "raise a Jira ticket?" in text]
    assert len(nudges) == 1 and nudge_text(triage_minutes) in nudges[0] and "15" not in nudges[0]
