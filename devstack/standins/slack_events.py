"""The Events API `message` events a workspace sends about its messages, shaped as Slack documents them.

One builder per kind the ops channel really produces (https://docs.slack.dev/reference/events/message):
a person's message, `file_share` (a message with a screenshot), `thread_broadcast` (a reply also
sent to the channel), `bot_message` (an integration's post), the app's own posts (a `bot_id`, no
subtype), `message_changed` (an edit) and `message_deleted`. Deleting a message that has replies
does not send `message_deleted`: Slack keeps a "This message was deleted." tombstone in its place
and sends `message_changed` whose message has `subtype: tombstone` (42wim/matterbridge issue 600,
openclaw/openclaw pull request 22035, hackclub/toriel pull request 238).
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from devstack.standins.slack_access import is_direct
from devstack.standins.slack_workspace import APP_ID, BOT_ID, BOT_USER_ID, TEAM_ID, THREAD_FIELDS, public


def channel_type(channel: str) -> str:
    """Return the event's `channel_type`: im, mpim, or channel (group for a private channel)."""
    return {"D": "im", "G": "mpim"}.get(channel[:1], "channel")


def rich_text(text: str) -> list[dict[str, Any]]:
    """Return the `blocks` Slack's composer attaches to a person's message."""
    section = {"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}
    return [{"type": "rich_text", "block_id": uuid.uuid4().hex[:5], "elements": [section]}]


def file_object(file_id: str, name: str, user: str, *, base_url: str, mimetype: str = "image/png") -> dict[str, Any]:
    """Return a `files` entry as `file_share` events carry it (https://docs.slack.dev/reference/objects/file-object)."""
    now = int(time.time())
    kind = name.rpartition(".")[2].lower() or "binary"
    return {
        "id": file_id,
        "created": now,
        "timestamp": now,
        "name": name,
        "title": name,
        "mimetype": mimetype,
        "filetype": kind,
        "pretty_type": kind.upper(),
        "user": user,
        "user_team": TEAM_ID,
        "mode": "hosted",
        "editable": False,
        "is_external": False,
        "external_type": "",
        "is_public": True,
        "public_url_shared": False,
        "size": 48_213,
        "url_private": f"{base_url}/files-pri/{TEAM_ID}-{file_id}/{name}",
        "url_private_download": f"{base_url}/files-pri/{TEAM_ID}-{file_id}/download/{name}",
        "permalink": f"{base_url}/files/{user}/{file_id}/{name}",
    }


def message_event(channel: str, message: dict[str, Any]) -> dict[str, Any]:
    """Return the `message` event for a stored message (a person's, a file share, a broadcast, a bot's)."""
    event = {key: value for key, value in public(message).items() if key not in ("reactions", "pinned_to", "edits")}
    for key in THREAD_FIELDS:
        event.pop(key, None)  # a new message has no replies yet
    event.update(channel=channel, event_ts=message["ts"], channel_type=channel_type(channel))
    if message.get("user") == BOT_USER_ID:
        # The app's own post (chat.postMessage with the bot token): bot_id and app_id, no subtype.
        event["bot_profile"] = {"id": BOT_ID, "app_id": APP_ID, "name": "opsdesk", "deleted": False, "team_id": TEAM_ID}
    return event


def changed_event(channel: str, before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Return `message_changed` (https://docs.slack.dev/reference/events/message/message_changed)."""
    now = f"{time.time():.6f}"
    inner = {key: value for key, value in public(after).items() if key not in ("reactions", "pinned_to")}
    return {
        "type": "message",
        "subtype": "message_changed",
        "hidden": True,
        "channel": channel,
        "message": inner,
        "previous_message": {key: value for key, value in public(before).items() if key != "reactions"},
        "ts": now,
        "event_ts": now,
        "channel_type": channel_type(channel),
    }


def deleted_event(channel: str, before: dict[str, Any]) -> dict[str, Any]:
    """Return `message_deleted` (https://docs.slack.dev/reference/events/message/message_deleted)."""
    now = f"{time.time():.6f}"
    return {
        "type": "message",
        "subtype": "message_deleted",
        "hidden": True,
        "channel": channel,
        "ts": now,
        "deleted_ts": before["ts"],
        "event_ts": now,
        "previous_message": {key: value for key, value in public(before).items() if key != "reactions"},
        "channel_type": channel_type(channel),
    }


def delivered(event: dict[str, Any], members: set[str]) -> bool:
    """Whether Slack sends this event to the app: conversation events only where the app is a member."""
    channel = event.get("channel") or (event.get("item") or {}).get("channel")
    if event.get("type") not in ("message", "reaction_added", "reaction_removed", "pin_added", "pin_removed"):
        return True
    return not channel or is_direct(str(channel)) or channel in members
