"""The working day through SchedulesFunction and Slack: checklist, handover, bank holidays, duplicate ticks."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from opsdesk.slack.support_ids import SupportAction
from opsdesk.store.day import DayRepository
from tests.integration.support_fixtures import ask, jira_api_fixture, stand_in_urls_fixture, utc  # noqa: F401  # fixtures

if TYPE_CHECKING:
    from devstack.standins.jira import JiraStandIn
    from tests.integration.conftest import Stack

pytestmark = pytest.mark.integration


def team_messages(stack: Stack) -> list[dict[str, object]]:
    return stack.slack_api.messages(stack.environment["TEAM_CHANNEL_ID"])


def test_start_of_day_posts_the_checklist_once_with_the_pair_and_open_work(stack: Stack, jira_api: JiraStandIn) -> None:
    stack.clock.now = utc(2026, 11, 30, 7, 0)
    stack.slack.command("set <@U0ALICE> <@U0BOB>", command="/rota")
    ask(stack, utc(2026, 11, 30, 6, 30), "The VPN is down for me")
    eight = utc(2026, 11, 30, 8, 0)
    stack.tick("start-of-day", eight)
    stack.tick("start-of-day", eight)  # a duplicate tick
    posted = [message for message in team_messages(stack) if "Start of day" in str(message["text"])]
    assert len(posted) == 1
    text = str(posted[0]["blocks"])
    assert "U0ALICE" in text and "U0BOB" in text and "waiting 1 h 29 min" in text and "checkboxes" in text, text[:600]

    stack.slack.interaction(
        {
            "type": "block_actions",
            "user": {"id": "U0BOB"},
            "channel": {"id": stack.environment["TEAM_CHANNEL_ID"]},
            "container": {"type": "message", "message_ts": "1.0", "channel_id": stack.environment["TEAM_CHANNEL_ID"]},
            "trigger_id": "1.1",
            "actions": [
                {
                    "type": "checkboxes",
                    "action_id": SupportAction.CHECKLIST,
                    "block_id": "checklist:2026-11-30",
                    "selected_options": [{"value": "ops_channel"}],
                    "action_ts": "1.2",
                }
            ],
        }
    )
    record = DayRepository(stack.table_name).post_of("2026-11-30", "CHECKLIST")
    assert record is not None and str(record["ticks"]["ops_channel"]).startswith("U0BOB@")


def tick(stack: Stack, user: str, *items: str, day: str = "2026-11-30", seen: dict[str, object] | None = None) -> None:
    """Slack sends the whole selection as the clicker sees it (and, with `seen`, the message they clicked on)."""
    team = stack.environment["TEAM_CHANNEL_ID"]
    stack.slack.interaction(
        {
            "type": "block_actions",
            "user": {"id": user},
            "channel": {"id": team},
            "container": {"type": "message", "message_ts": "1.0", "channel_id": team},
            "trigger_id": "1.1",
            **({"message": seen} if seen else {}),
            "actions": [
                {
                    "type": "checkboxes",
                    "action_id": SupportAction.CHECKLIST,
                    "block_id": f"checklist:{day}",
                    "selected_options": [{"value": item} for item in items],
                    "action_ts": "1.2",
                }
            ],
        }
    )


def checklist_message(stack: Stack) -> dict[str, object]:
    return next(message for message in team_messages(stack) if "Start of day" in str(message["text"]))


def test_the_checklist_is_edited_in_place_to_show_who_ticked_what(stack: Stack) -> None:
    # GIVEN the start-of-day checklist, posted once
    stack.clock.now = utc(2026, 11, 30, 7, 0)
    stack.slack.command("set <@U0ALICE> <@U0BOB>", command="/rota")
    stack.tick("start-of-day", utc(2026, 11, 30, 8, 0))
    posted = checklist_message(stack)
    sections = [block for block in posted["blocks"] if block["type"] == "section"]  # type: ignore[union-attr]

    # WHEN Bob ticks the ops channel, then Alice (seeing his tick) also ticks the board
    stack.clock.now = utc(2026, 11, 30, 8, 5)
    tick(stack, "U0BOB", "ops_channel")
    stack.clock.now = utc(2026, 11, 30, 8, 9)
    tick(stack, "U0ALICE", "ops_channel", "board")

    # THEN the same message (no new one) shows both, in the checklist's order, with the boxes ticked
    edited = checklist_message(stack)
    assert edited["ts"] == posted["ts"]
    assert len([message for message in team_messages(stack) if "Start of day" in str(message["text"])]) == 1
    blocks = edited["blocks"]
    assert isinstance(blocks, list)
    ticked = next(block for block in blocks if block["type"] == "context")["elements"][0]["text"]
    assert ticked.index("ops channel") < ticked.index("board"), ticked
    assert "ops channel for issues to investigate: <@U0BOB>" in ticked
    assert "not yet assigned: <@U0ALICE>" in ticked
    boxes = next(block for block in blocks if block["type"] == "actions")["elements"][0]
    assert [option["value"] for option in boxes["initial_options"]] == ["ops_channel", "board"]
    # AND what the checklist said at 08:00 (the pair, the open work) is still there
    assert [block for block in blocks if block["type"] == "section"] == sections

    # WHEN Alice unticks the board
    tick(stack, "U0ALICE", "ops_channel")
    # THEN only Bob's tick is shown
    ticked = next(block for block in checklist_message(stack)["blocks"] if block["type"] == "context")  # type: ignore[union-attr]
    assert "U0ALICE" not in ticked["elements"][0]["text"] and "U0BOB" in ticked["elements"][0]["text"]


def test_two_people_ticking_on_the_same_unrefreshed_message_both_count(stack: Stack) -> None:
    # GIVEN the checklist as everyone first sees it: nothing ticked
    stack.clock.now = utc(2026, 11, 30, 8, 1)
    stack.tick("start-of-day", utc(2026, 11, 30, 8, 0))
    first_seen = checklist_message(stack)
    # WHEN Bob ticks the ops channel, and Alice, whose Slack has not redrawn yet, ticks the board
    tick(stack, "U0BOB", "ops_channel", seen=first_seen)
    tick(stack, "U0ALICE", "board", seen=first_seen)
    # THEN both ticks are kept: Alice's click did not untick what she had not seen
    record = DayRepository(stack.table_name).post_of("2026-11-30", "CHECKLIST")
    assert record is not None and sorted(record["ticks"]) == ["board", "ops_channel"]
    # AND unticking on a message that shows the tick removes it
    tick(stack, "U0BOB", "board", seen=checklist_message(stack))
    record = DayRepository(stack.table_name).post_of("2026-11-30", "CHECKLIST")
    assert record is not None and sorted(record["ticks"]) == ["board"]


def test_nothing_is_posted_on_a_bank_holiday_or_a_weekend(stack: Stack) -> None:
    stack.tick("start-of-day", utc(2026, 12, 28, 8, 0))  # Monday 28 December 2026: Boxing Day substitute
    stack.tick("end-of-day", utc(2026, 12, 28, 17, 30))
    stack.tick("start-of-day", utc(2026, 12, 5, 8, 0))  # a Saturday
    assert team_messages(stack) == []


def test_end_of_day_handover_is_recorded_and_the_check_nudges_only_without_it(stack: Stack) -> None:
    stack.clock.now = utc(2026, 11, 30, 9, 0)
    stack.slack.command("oncall <@U0CAROL>", command="/rota")
    stack.slack.command("set <@U0ALICE> <@U0BOB>", command="/rota")
    stack.tick("end-of-day", utc(2026, 11, 30, 17, 30))
    handover = [message for message in team_messages(stack) if "handover" in str(message["text"]).lower()]
    assert len(handover) == 1 and "U0CAROL" in str(handover[0]["text"])
    assert stack.slack_api.messages("D0CAROL"), "the on-call engineer gets the handover"
    stack.slack.click(SupportAction.HANDOVER_DONE, "2026-11-30", user="U0BOB")
    stack.tick("handover-check", utc(2026, 11, 30, 18, 0))
    assert not any("nobody has handed over" in str(message["text"]) for message in team_messages(stack))

    stack.tick("end-of-day", utc(2026, 12, 1, 17, 30))
    stack.tick("handover-check", utc(2026, 12, 1, 18, 0))
    nudges = [message for message in team_messages(stack) if "nobody has handed over" in str(message["text"])]
    assert len(nudges) == 1 and "U0ALICE" in str(nudges[0]["text"])


def test_rota_shows_the_pair_and_warns_when_short(stack: Stack) -> None:
    stack.clock.now = utc(2026, 11, 30, 9, 0)
    stack.slack.command("set <@U0ALICE>", command="/rota")
    stack.slack.command("cover <@U0CAROL> 12:00-13:00", command="/rota")
    stack.slack.command("", command="/rota")
    shown = [response.get("text", "") for response in stack.slack_api.responses()][-1]
    assert "U0ALICE" in shown and "12:00-13:00" in shown and "Only 1 of 2" in shown
