"""The ops channel as a real workspace sends it: screenshots, edits, deletes, broadcasts, bots and the app's own posts.

Events are built by the Slack stand-in from the messages it stores (tests/contract checks their shape
against Slack's documentation) and delivered only where the app is a member, as Slack does.
"""

from __future__ import annotations

import copy
import logging
from typing import TYPE_CHECKING, Any

import pytest

from devstack.standins.slack_events import changed_event
from devstack.standins.slack_workspace import BOT_USER_ID
from opsdesk import entrypoints
from opsdesk.domain.requests import WITHDRAWN, Stage
from opsdesk.slack.support_ids import SupportAction
from tests.integration.support_fixtures import (  # noqa: F401  # fixtures
    REQUESTER,
    jira_api_fixture,
    request_id,
    stand_in_urls_fixture,
    stored,
    thread_texts,
    ts_at,
    utc,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.integration.conftest import Stack

pytestmark = pytest.mark.integration
MONDAY_10 = utc(2026, 11, 30, 10, 0)
SATURDAY_11 = utc(2026, 11, 28, 11, 0)


@pytest.fixture
def lazy_starts(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every second invocation the Slack function starts, by the name of its lazy function."""
    runner = entrypoints.slack_ingress().app.listener_runner.lazy_listener_runner
    started: list[str] = []
    real_start = runner.start

    def counting(function: Any, request: Any) -> None:
        started.append(function.__name__)
        real_start(function, request)

    monkeypatch.setattr(runner, "start", counting)
    return started  # type: ignore[return-value]


def ops(stack: Stack) -> str:
    return stack.environment["OPS_CHANNEL_ID"]


def post(stack: Stack, text: str, *, files: tuple[str, ...] = (), at: Any = MONDAY_10, serial: int = 100) -> str:
    """A person posts in the ops channel (at `at`) and Slack delivers the event; return the message's ts."""
    message = stack.slack_api.add_user_message(ops(stack), text, user=REQUESTER, files=files, ts=ts_at(at, serial))
    assert stack.slack.deliver(stack.slack_api.message_event(ops(stack), message["ts"]))["statusCode"] == 200
    return str(message["ts"])


def test_a_question_with_a_screenshot_is_tracked_and_answered_out_of_hours(stack: Stack) -> None:
    stack.clock.now = SATURDAY_11
    ts = post(stack, "The export page shows this error", files=("screenshot.png",), at=SATURDAY_11)

    request = stored(stack, ts)
    assert request.stage is Stage.TODO and request.requester == REQUESTER
    assert request.text == "The export page shows this error\n(attached: screenshot.png)"
    assert sum("support resumes" in text for text in thread_texts(stack, ts)) == 1


def test_a_screenshot_with_no_words_is_still_a_request(stack: Stack) -> None:
    ts = post(stack, "", files=("error.png", "console.log"))
    assert stored(stack, ts).text == "(attached: error.png, console.log)"


def test_a_reply_broadcast_to_the_channel_is_a_reply_not_a_new_request(stack: Stack, lazy_starts: list[str]) -> None:
    parent = post(stack, "VPN refuses my login")
    reply = stack.slack_api.add_user_message(
        ops(stack), "Still broken, see thread", user="U0DAVE", thread_ts=parent, broadcast=True
    )
    event = stack.slack_api.message_event(ops(stack), reply["ts"])
    assert event["subtype"] == "thread_broadcast"
    started = len(lazy_starts)

    assert stack.slack.deliver(event)["statusCode"] == 200
    assert len(lazy_starts) == started, "a reply needs no second invocation"
    items = stack.dynamodb().query(
        TableName=stack.table_name,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"REQUEST#{ops(stack)}#{reply['ts']}"}},
    )
    assert items["Items"] == []


def test_bots_integrations_and_the_apps_own_posts_are_dropped_before_a_second_invocation(
    stack: Stack, lazy_starts: list[str]
) -> None:
    ts = post(stack, "Disk full on the reports box")
    assert lazy_starts == ["on_message"]
    panel_ts = stored(stack, ts).panel_ts
    assert panel_ts is not None
    deploy = stack.slack_api.add_integration_message(ops(stack), "Deployed reports v2.3")
    own_post = stack.slack_api.message_event(ops(stack), panel_ts)
    assert own_post["user"] == BOT_USER_ID and own_post["bot_id"]
    # The app refreshes its panel (chat.update): Slack sends that edit back as message_changed with bot_id.
    before = copy.deepcopy(stack.slack_api.workspace.find(ops(stack), panel_ts))
    stack.slack.click(SupportAction.TAKE, request_id(stack, ts))
    own_edit = changed_event(ops(stack), before or {}, stack.slack_api.workspace.find(ops(stack), panel_ts) or {})
    other_bot = {**stack.slack_api.message_event(ops(stack), ts), "bot_id": "B0OTHER", "ts": "1764496901.000001"}
    started = len(lazy_starts)

    events = [stack.slack_api.message_event(ops(stack), deploy["ts"]), own_post, own_edit, other_bot]
    answers = [stack.slack.deliver(event) for event in events]

    assert [answer["statusCode"] for answer in answers] == [200] * 4
    assert events[0]["subtype"] == "bot_message"
    assert len(lazy_starts) == started, f"second invocations started: {lazy_starts[started:]}"


def test_an_edit_updates_the_request_and_an_unfurl_changes_nothing(stack: Stack, lazy_starts: list[str]) -> None:
    ts = post(stack, "Cannot reach staging")
    edited = stack.slack_api.edit_user_message(ops(stack), ts, "Cannot reach staging bastion since 09:40")

    stack.slack.deliver(edited)
    assert stored(stack, ts).text == "Cannot reach staging bastion since 09:40"

    started = len(lazy_starts)
    unfurled = {**edited, "previous_message": edited["message"], "ts": "1764496950.000001"}
    stack.slack.deliver(unfurled)
    assert len(lazy_starts) == started, "the same words need no second invocation"


def test_deleting_a_request_nobody_took_withdraws_it_once(stack: Stack) -> None:
    ts = post(stack, "Never mind, found it")
    deleted = stack.slack_api.delete_user_message(ops(stack), ts)
    # The panel is a reply, so Slack keeps a tombstone and says so with message_changed.
    assert deleted["subtype"] == "message_changed" and deleted["message"]["subtype"] == "tombstone"

    stack.slack.deliver(deleted)
    stack.slack.deliver(deleted, headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})

    request = stored(stack, ts)
    assert request.stage is Stage.DONE and request.withdrawn and request.resolution == WITHDRAWN
    assert not request.rating_asked
    texts = thread_texts(stack, ts)
    assert sum("is withdrawn" in text for text in texts) == 1
    panel = next(m for m in stack.slack_api.thread(ops(stack), ts) if m["ts"] == request.panel_ts)
    assert "Withdrawn" in panel["text"] and "actions" not in str(panel.get("blocks"))


def test_deleting_a_request_in_progress_keeps_it_open_with_its_engineer(stack: Stack) -> None:
    ts = post(stack, "Please rotate the reports key")
    stack.slack.click(SupportAction.TAKE, request_id(stack, ts), user="U0BOB")
    stack.slack.deliver(stack.slack_api.delete_user_message(ops(stack), ts))

    request = stored(stack, ts)
    assert request.stage is Stage.IN_PROGRESS and request.assignee == "U0BOB" and request.message_deleted
    assert any("stays open with <@U0BOB>" in text for text in thread_texts(stack, ts))


def test_deleting_a_message_without_replies_sends_message_deleted_and_withdraws_it(stack: Stack) -> None:
    # Slack refuses the panel every time it is tried, so the message has no thread yet.
    stack.slack_api.fail_next("chat.postMessage", 200, times=3, body={"ok": False, "error": "fatal_error"})
    ts = post(stack, "Typo, ignore")
    assert stored(stack, ts).panel_ts is None
    deleted = stack.slack_api.delete_user_message(ops(stack), ts)
    assert deleted["subtype"] == "message_deleted" and deleted["deleted_ts"] == ts

    stack.slack.deliver(deleted)
    assert stored(stack, ts).withdrawn


def test_without_an_invitation_nothing_arrives_and_the_support_team_is_shown_the_fix(
    stack: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    stack.slack_api.remove(ops(stack))
    message = stack.slack_api.add_user_message(ops(stack), "Is anyone there?", user=REQUESTER)
    assert stack.slack.deliver(stack.slack_api.message_event(ops(stack), message["ts"])) is None

    for user in ("U0ALICE", "U0DAVE"):
        stack.slack.event({"type": "app_home_opened", "user": user, "channel": f"D{user[1:]}", "tab": "home"})
    team_home, other_home = (home_text(stack, user) for user in ("U0ALICE", "U0DAVE"))
    assert f"*opsdesk is not in <#{ops(stack)}>*" in team_home
    assert "/invite @opsdesk" in team_home and "not tracked" in team_home
    assert "/invite" not in other_home, "only the support team, who can fix it, sees the warning"

    # A call Slack refuses there is logged once per container, by name, with the fix.
    caplog.set_level(logging.WARNING, logger="opsdesk.slack.access")
    for _ in range(3):
        with pytest.raises(Exception, match="not_in_channel"):
            entrypoints.wiring().slack.chat_postEphemeral(channel=ops(stack), user="U0DAVE", text="hello")
    logged = [record.getMessage() for record in caplog.records if record.name == "opsdesk.slack.access"]
    assert len(logged) == 1
    assert "#ops" in logged[0] and "OPS_CHANNEL_ID" in logged[0] and "/invite @opsdesk" in logged[0]

    stack.slack_api.invite(ops(stack))
    stack.slack.event({"type": "app_home_opened", "user": "U0ALICE", "channel": "DALICE", "tab": "home"})
    assert "/invite" not in home_text(stack, "U0ALICE"), "the warning clears once opsdesk is invited"


def home_text(stack: Stack, user: str) -> str:
    view_id = stack.slack_api.workspace.home_views[user]
    view = next(view for view in stack.slack_api.views() if view["id"] == view_id)
    return str(view["blocks"])
