"""The App Home fits a view however many incidents are open, and tells the support team about missing channels."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from devstack.standins.slack_blockkit import judge_view
from opsdesk.domain.incidents import Incident, Priority
from opsdesk.slack.access import ChannelProblem
from opsdesk.slack.views.home import home_view

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
NOT_IN_OPS = ChannelProblem("C0OPS", "the ops channel", "OPS_CHANNEL_ID", "new messages are not tracked", visible=True)
PRIVATE_TEAM = ChannelProblem("G0TEAM", "the team channel", "TEAM_CHANNEL_ID", "the checklist cannot read it", False)


def incidents(count: int) -> list[Incident]:
    return [
        Incident(f"INC-{n:05d}", f"Incident {n} " + "with a very long title " * 200, Priority.HIGH, "U0BOB", NOW)
        for n in range(count)
    ]


def test_more_incidents_than_a_view_holds_end_with_how_many_more() -> None:
    view = home_view("U0ALICE", incidents(150), NOW, timedelta(minutes=30), on_team=True).to_dict()
    judge_view(view)  # what Slack would refuse, the stand-in refuses (tests/contract)
    assert len(view["blocks"]) == 100
    last_section = view["blocks"][-2]["text"]["text"]
    shown = sum(1 for block in view["blocks"] if "· last update" in str(block))
    assert last_section == f"…and {150 - shown} more open incidents: `/incident list` shows them."


def test_forty_incidents_all_show() -> None:
    view = home_view("U0DAVE", incidents(40), NOW, timedelta(minutes=30), on_team=False).to_dict()
    judge_view(view)
    assert sum(1 for block in view["blocks"] if "· last update" in str(block)) == 40


def test_the_support_team_sees_what_is_wrong_with_its_channels_and_the_fix() -> None:
    view = home_view(
        "U0ALICE", [], NOW, timedelta(minutes=30), on_team=True, channel_problems=[NOT_IN_OPS, PRIVATE_TEAM]
    )
    judge_view(view.to_dict())
    public, private = (block.text.text for block in view.blocks[:2])  # type: ignore[attr-defined]
    assert "*opsdesk is not in <#C0OPS>*" in public and "`/invite @opsdesk`" in public
    assert "cannot see the team channel (`G0TEAM`)" in private and "TEAM_CHANNEL_ID" in private


def test_others_are_not_shown_channel_problems() -> None:
    view = home_view("U0DAVE", [], NOW, timedelta(minutes=30), on_team=False, channel_problems=[NOT_IN_OPS])
    assert "invite" not in str(view.to_dict())
