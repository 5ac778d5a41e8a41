"""The support team named as a Slack user group, read through a real WebClient from the Slack stand-in.

GIVEN SUPPORT_TEAM_IDS naming a user group, WHEN its members change in Slack or Slack cannot answer,
THEN the team follows within REFRESH_SECONDS, the last known members stand through a failure, and with
no earlier answer the check says so in a sentence (never a refusal, never a stack trace).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from opsdesk.slack.team import REFRESH_SECONDS, SlackTeam, TeamUnknown
from tests.contract.slack_standin import slack_fixture, stand_in_fixture, web_fixture

if TYPE_CHECKING:
    from slack_sdk import WebClient

    from devstack.standins.slack import SlackStandIn

__all__ = ["slack_fixture", "stand_in_fixture", "web_fixture"]

GROUP = "S0SUPPORT"


class Clock:
    def __init__(self) -> None:
        self.seconds = 1000.0

    def __call__(self) -> float:
        return self.seconds


def test_a_change_to_the_group_is_seen_after_the_refresh_not_before(web: WebClient, slack: SlackStandIn) -> None:
    slack.usergroups[GROUP] = ["U0ALICE"]
    clock = Clock()
    team = SlackTeam((GROUP, "U0PAM"), web, clock)
    assert team.members() == {"U0ALICE", "U0PAM"}
    slack.usergroups[GROUP] = ["U0ALICE", "U0BOB"]
    clock.seconds += REFRESH_SECONDS - 1
    assert not team.is_member("U0BOB")  # one call per container per refresh, not one per check
    clock.seconds += 1
    assert team.is_member("U0BOB")
    assert len(slack.calls("usergroups.users.list")) == 2


def test_when_slack_cannot_answer_the_last_known_members_stand(
    web: WebClient, slack: SlackStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    slack.usergroups[GROUP] = ["U0ALICE"]
    clock = Clock()
    team = SlackTeam((GROUP,), web, clock)
    assert team.is_member("U0ALICE")
    slack.scopes = slack.scopes - {"usergroups:read"}  # e.g. the app was reinstalled without the scope
    clock.seconds += REFRESH_SECONDS
    assert team.is_member("U0ALICE") and not team.is_member("U0DAVE")
    assert "missing_scope" in caplog.text


def test_with_no_earlier_answer_the_check_fails_with_a_sentence_not_a_refusal(
    web: WebClient, slack: SlackStandIn
) -> None:
    team = SlackTeam(("S0DELETED",), web, Clock())  # a group deleted in Slack: no_such_subteam
    with pytest.raises(TeamUnknown) as unknown:
        team.is_member("U0ALICE")
    assert str(unknown.value) == (
        "Slack could not say who is on the support team just now (no_such_subteam). Please try again in a minute."
    )


def test_a_list_of_ids_never_asks_slack(web: WebClient, slack: SlackStandIn) -> None:
    team = SlackTeam(("U0ALICE", "U0BOB"), web, Clock())
    assert team.resolves_without_slack and team.is_member("U0BOB") and not team.is_member("U0DAVE")
    assert slack.calls("usergroups.users.list") == []
