"""The message events a workspace sends, with the fields Slack's event reference pages document."""

from __future__ import annotations

from typing import TYPE_CHECKING

from devstack.standins.slack_workspace import APP_ID, BOT_ID, BOT_USER_ID
from tests.contract.slack_standin import OPS, slack_fixture, stand_in_fixture, web_fixture

if TYPE_CHECKING:
    from slack_sdk import WebClient

    from devstack.standins.slack import SlackStandIn

__all__ = ["slack_fixture", "stand_in_fixture", "web_fixture"]


def test_a_message_with_a_screenshot_is_file_share_with_its_text_and_files(slack: SlackStandIn) -> None:
    """https://docs.slack.dev/reference/events/message/file_share: `subtype: file_share`, the text, and `files`
    (file objects: https://docs.slack.dev/reference/objects/file-object)."""
    message = slack.add_user_message(OPS, "This error again", user="U0DAVE", files=["screenshot.png"])
    event = slack.message_event(OPS, message["ts"])
    assert (event["type"], event["subtype"], event["text"], event["user"]) == (
        "message", "file_share", "This error again", "U0DAVE"
    )  # fmt: skip
    (shared,) = event["files"]
    assert shared["name"] == "screenshot.png" and shared["mimetype"] == "image/png" and shared["id"].startswith("F")
    assert {"url_private", "permalink", "filetype", "user"} <= shared.keys()
    assert event["channel"] == OPS and event["channel_type"] == "channel" and event["event_ts"] == event["ts"]


def test_a_reply_also_sent_to_the_channel_is_thread_broadcast_with_its_root(slack: SlackStandIn) -> None:
    """https://docs.slack.dev/reference/events/message/thread_broadcast: a reply with `thread_ts` and `root`."""
    parent = slack.add_user_message(OPS, "VPN down?", user="U0DAVE")
    reply = slack.add_user_message(OPS, "Still down", user="U0BOB", thread_ts=parent["ts"], broadcast=True)
    event = slack.message_event(OPS, reply["ts"])
    assert event["subtype"] == "thread_broadcast" and event["thread_ts"] == parent["ts"]
    assert event["root"]["ts"] == parent["ts"]


def test_an_integrations_post_is_bot_message_without_a_user(slack: SlackStandIn) -> None:
    """https://docs.slack.dev/reference/events/message/bot_message: `subtype: bot_message`, `bot_id`, no user."""
    message = slack.add_integration_message(OPS, "Deployed reports v2.3", bot_id="B0DEPLOY", name="deploys")
    event = slack.message_event(OPS, message["ts"])
    assert (event["subtype"], event["bot_id"], event["username"]) == ("bot_message", "B0DEPLOY", "deploys")
    assert "user" not in event


def test_the_apps_own_post_comes_back_with_its_bot_id_and_no_subtype(web: WebClient, slack: SlackStandIn) -> None:
    """A message an app posts with its bot token carries `bot_id`, `app_id` and `bot_profile`, no subtype
    (https://docs.slack.dev/reference/events/message: "bot_message" is for integrations)."""
    posted = web.chat_postMessage(channel=OPS, text="Incident declared")
    event = slack.message_event(OPS, posted["ts"])
    assert (event["user"], event["bot_id"], event["app_id"]) == (BOT_USER_ID, BOT_ID, APP_ID)
    assert "subtype" not in event and event["bot_profile"]["app_id"] == APP_ID


def test_an_edit_is_message_changed_with_the_new_and_previous_message(slack: SlackStandIn) -> None:
    """https://docs.slack.dev/reference/events/message/message_changed: `hidden`, `message` (with `edited`) and
    `previous_message`; the event's own ts is the time of the edit."""
    message = slack.add_user_message(OPS, "Cannot reach staging", user="U0DAVE")
    event = slack.edit_user_message(OPS, message["ts"], "Cannot reach the staging bastion")
    assert event["subtype"] == "message_changed" and event["hidden"] is True
    assert event["message"]["ts"] == message["ts"] and event["message"]["text"] == "Cannot reach the staging bastion"
    assert event["message"]["edited"]["user"] == "U0DAVE"
    assert event["previous_message"]["text"] == "Cannot reach staging" and event["ts"] != message["ts"]


def test_deleting_a_message_is_message_deleted_with_the_deleted_ts(slack: SlackStandIn) -> None:
    """https://docs.slack.dev/reference/events/message/message_deleted: `hidden`, `deleted_ts`, `previous_message`."""
    message = slack.add_user_message(OPS, "typo", user="U0DAVE")
    event = slack.delete_user_message(OPS, message["ts"])
    assert (event["subtype"], event["hidden"], event["deleted_ts"]) == ("message_deleted", True, message["ts"])
    assert event["previous_message"]["text"] == "typo"
    assert slack.messages(OPS) == []


def test_deleting_a_message_with_replies_leaves_a_tombstone(web: WebClient, slack: SlackStandIn) -> None:
    """A deleted thread parent stays as "This message was deleted." (`subtype: tombstone`, user USLACKBOT) and
    Slack sends message_changed, not message_deleted (42wim/matterbridge issue 600, openclaw/openclaw pull
    request 22035, hackclub/toriel pull request 238)."""
    message = slack.add_user_message(OPS, "help", user="U0DAVE")
    web.chat_postMessage(channel=OPS, thread_ts=message["ts"], text="REQ-1 · To do")
    event = slack.delete_user_message(OPS, message["ts"])
    assert event["subtype"] == "message_changed"
    tombstone = event["message"]
    assert (tombstone["subtype"], tombstone["user"], tombstone["text"]) == (
        "tombstone", "USLACKBOT", "This message was deleted."
    )  # fmt: skip
    assert tombstone["ts"] == message["ts"] and event["previous_message"]["text"] == "help"
    assert [m["text"] for m in web.conversations_replies(channel=OPS, ts=message["ts"])["messages"]] == [
        "This message was deleted.",
        "REQ-1 · To do",
    ]
