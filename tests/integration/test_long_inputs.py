"""Whatever people type, Slack accepts what opsdesk posts: every message and view, for long inputs and many items.

The Slack stand-in judges each `chat.*` and `views.*` payload (and response_url post) as Slack does,
so a title over 150 characters, a pasted log, 45 open incidents or 25 action items that opsdesk did
not fit would come back `invalid_blocks`, `invalid_arguments` or `msg_blocks_too_long` and fail here.
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest

from devstack.standins.slack_blockkit import judge_message
from opsdesk.entrypoints import wiring
from opsdesk.slack.ids import Action, Callback
from opsdesk.slack.postmortem_ids import PostmortemCallback, SectionField
from opsdesk.slack.support_ids import SupportAction, SupportCallback, SupportField
from tests.integration.support_fixtures import (  # noqa: F401  # fixtures
    REQUESTER,
    body_of,
    jira_api_fixture,
    request_id,
    stand_in_urls_fixture,
    stored,
    ts_at,
    utc,
)
from tests.integration.test_alarms import sns_event, use_routes
from tests.integration.test_support_extras import board_issue

if TYPE_CHECKING:
    from devstack.standins.jira import JiraStandIn
    from tests.integration.conftest import Stack

pytestmark = pytest.mark.integration
MONDAY_10 = utc(2026, 11, 30, 10, 0)
REFUSALS = {"invalid_blocks", "invalid_arguments", "msg_blocks_too_long", "invalid_blocks_format"}
# What people paste: a traceback in a code block, mentions, links, emoji, and more than any field holds.
LOG = (
    "It fails like this, <@U0BOB> can you look? See <https://grafana.example.com/d/abc|the dashboard> :fire:\n```\n"
    + "".join(
        f"2026-11-30T10:{n % 60:02d}:00Z ERROR reports.export: timeout after 30s (attempt {n})\n" for n in range(90)
    )
    + "```\nThanks!"
)
TITLE = "Reports export times out for every team " + "and the retry makes it worse " * 120


def refusals(stack: Stack) -> list[str]:
    """Every payload Slack would have refused, with the reason."""
    refused = [
        f"{call['name']}: {call['response']}"
        for call in stack.slack_api.calls()
        if isinstance(call.get("response"), dict) and call["response"].get("error") in REFUSALS
    ]
    refused += [f"{call['path']}: {call['status']}" for call in stack.slack_api.calls() if call["status"] == 400]
    return refused


def accepted(stack: Stack, method: str) -> list[dict[str, Any]]:
    return [call for call in stack.slack_api.calls(method) if (call.get("response") or {}).get("ok")]


def shortcut(stack: Stack, callback_id: str, text: str, user: str = "U0ALICE") -> Any:
    ops = stack.environment["OPS_CHANNEL_ID"]
    message = stack.slack_api.add_user_message(ops, text, user=REQUESTER)
    return stack.slack.interaction(
        {
            "type": "message_action",
            "callback_id": callback_id,
            "user": {"id": user},
            "team": {"id": "T111"},
            "channel": {"id": ops},
            "message": {"type": "message", "user": REQUESTER, "text": text, "ts": message["ts"]},
            "message_ts": message["ts"],
            "trigger_id": f"{time.time():.6f}.{uuid.uuid4().hex[:8]}",
            "response_url": stack.slack.response_url(user),
        }
    )


def test_forty_five_incidents_with_long_titles_updates_and_logs_are_all_accepted(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    stack.clock.now = MONDAY_10
    for n in range(45):
        stack.slack.command(f"declare high: {n} {TITLE}")
    incidents = wiring().incident_repository.list_open()
    assert len(incidents) == 45
    first = incidents[0].id
    stack.slack.command(f"lead {first} <@U0BOB>")
    stack.slack.command(f"comms {first}")
    stack.slack.command(f"update {first} {LOG}")
    stack.slack.command(f"priority {first} normal")
    for command in (f"status {first}", "list", f"timeline {first}", "help"):
        answer = stack.slack.command(command)
        if body_of(answer).get("blocks"):
            judge_message(body_of(answer)["blocks"])  # a slash command's ack is judged like a message
    use_routes(stack, [{"pattern": "prod-reports-*", "declare": "auto"}], monkeypatch)
    stack.invoke("AlarmsFunction", sns_event(name="prod-reports-" + "x" * 230))
    stack.clock.advance(hours=2)
    stack.tick("incident-checkins", stack.clock.now)
    for user in ("U0ALICE", "U0BOB", "U0DAVE"):  # on the team, leading one, not on the team
        stack.slack.event({"type": "app_home_opened", "user": user, "channel": f"D{user[1:]}", "tab": "home"})
    stack.slack.click(Action.POST_UPDATE, first)
    shortcut(stack, Callback.TIMELINE_SHORTCUT, LOG * 3)
    shortcut(stack, Callback.DECLARE_SHORTCUT, TITLE)
    stack.slack.command(f"resolve {first} {LOG} service: payments")

    assert refusals(stack) == []
    homes = [call["params"]["view"] for call in accepted(stack, "views.publish")]
    assert len(homes) == 3 and all(len(view["blocks"]) <= 100 for view in homes)
    assert all("Open incidents (46)" in json.dumps(view) for view in homes)
    opened = [call["params"]["view"]["callback_id"] for call in accepted(stack, "views.open")]
    assert {Callback.UPDATE, Callback.TIMELINE_PICK, Callback.DECLARE} <= set(opened)
    assert len(accepted(stack, "chat.postMessage")) > 45 and accepted(stack, "chat.update")


def test_a_postmortem_with_long_sections_and_many_long_action_items_is_accepted(stack: Stack) -> None:
    stack.clock.now = MONDAY_10
    stack.slack.command(f"declare high: {TITLE}")
    [incident] = wiring().incident_repository.list_open()
    stack.slack.command(f"update {incident.id} {LOG}")
    stack.slack.command(f"resolve {incident.id} {LOG} service: payments")
    for n in range(25):
        priority = ("high", "medium", "low")[n % 3]
        stack.slack.command(f"action {incident.id} {priority} <@U0CAROL> {n}: {LOG[:1900]}", command="/postmortem")
    stack.slack.command(f"action {incident.id}", command="/postmortem")  # the form
    stack.slack.command(f"edit {incident.id}", command="/postmortem")
    view = next(call["params"]["view"] for call in accepted(stack, "views.open") if "Edit" in json.dumps(call))
    written = {field: (LOG * 2)[:2999] for field in SectionField}
    stack.slack.submit(
        PostmortemCallback.EDIT_MODAL, written, private_metadata=view["private_metadata"], view_id="V0EDIT"
    )
    stack.slack.command(f"edit {incident.id}", command="/postmortem")  # prefilled with all of it
    stack.slack.command(f"show {incident.id}", command="/postmortem")
    stack.tick("postmortem-reminders", MONDAY_10 + timedelta(days=1))

    assert refusals(stack) == []
    shown = [entry for entry in stack.slack_api.responses() if entry.get("blocks")]
    assert shown and "more action items" in json.dumps(shown[-1]["blocks"])


def test_requests_with_pasted_logs_and_screenshots_and_a_long_day_are_accepted(
    stack: Stack, jira_api: JiraStandIn
) -> None:
    stack.clock.now = MONDAY_10
    ops = stack.environment["OPS_CHANNEL_ID"]
    asked = []
    for n in range(30):
        message = stack.slack_api.add_user_message(
            ops, f"{n}: {LOG}", user=REQUESTER, files=["screenshot.png"] * 3, ts=ts_at(MONDAY_10, 100 + n)
        )
        stack.slack.deliver(stack.slack_api.message_event(ops, message["ts"]))
        asked.append(str(message["ts"]))
    stack.slack.command(LOG * 2, command="/support")
    for ts in asked[:15]:
        stack.slack.click(SupportAction.TAKE, request_id(stack, ts), user="U0BOB")
    stack.slack.command("list", command="/support")
    stack.tick("triage-sweep", MONDAY_10 + timedelta(minutes=30))
    stack.slack.click(SupportAction.DONE, request_id(stack, asked[0]))
    stack.slack.submit(SupportCallback.DONE, {SupportField.RESOLUTION: "r" * 300}, request_id(stack, asked[0]))
    stack.slack.click(SupportAction.RAISE_TICKET, request_id(stack, asked[1]))
    board_issue(stack, jira_api, summary="Rotate the TLS certificates on every load balancer " * 5)
    stack.slack.command("set <@U0ALICE> <@U0BOB>", command="/rota")
    stack.slack.command("oncall <@U0CAROL>", command="/rota")
    stack.tick("start-of-day", utc(2026, 12, 1, 8, 0))
    stack.tick("end-of-day", utc(2026, 12, 1, 17, 30))

    assert refusals(stack) == []
    assert stored(stack, asked[0]).text.endswith("(attached: screenshot.png, screenshot.png, screenshot.png)")
    team = stack.environment["TEAM_CHANNEL_ID"]
    day_posts = [message for message in stack.slack_api.messages(team) if message.get("blocks")]
    assert len(day_posts) >= 3, "the board issue, the checklist and the handover were posted"
