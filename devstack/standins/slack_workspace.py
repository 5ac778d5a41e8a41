"""The Slack stand-in's workspace: channels of messages, threads, views and people."""

from __future__ import annotations

import copy
import time
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

TEAM_ID = "T0LOCAL"
APP_ID = "A0OPSDESK"
BOT_ID = "B0OPSDESK"
BOT_USER_ID = "U0OPSDESK"
PEOPLE = {
    "U0ALICE": "Alice Archer",
    "U0BOB": "Bob Baker",
    "U0CAROL": "Carol Chen",
    "U0PAM": "Pam Patel",
    "U0DAVE": "Dave Davies",
    "U0LEAD1": "Lee Lawson",
    "U0LEAD2": "Lina Lopez",
    BOT_USER_ID: "opsdesk",
    "USLACKBOT": "Slackbot",
}
CONTENT_FIELDS = ("text", "blocks", "attachments", "metadata", "files")
# Kept in the store for tests and the sandbox, never sent in API responses.
PRIVATE_FIELDS = ("channel", "edits")
_LONDON = ZoneInfo("Europe/London")


SLACKBOT = "USLACKBOT"
TOMBSTONE_TEXT = "This message was deleted."
THREAD_FIELDS = ("reply_count", "reply_users", "reply_users_count", "latest_reply")


def tombstone(message: dict[str, Any]) -> dict[str, Any]:
    """Return what stays of a deleted message that has replies: Slackbot's tombstone, which keeps the thread.

    Sources: 42wim/matterbridge issue 600, openclaw/openclaw pull request 22035, hackclub/toriel pull request 238.
    """
    kept = {key: copy.deepcopy(message[key]) for key in ("ts", "channel", *THREAD_FIELDS) if key in message}
    return {
        "type": "message",
        "subtype": "tombstone",
        "text": TOMBSTONE_TEXT,
        "user": SLACKBOT,
        "hidden": True,
        "thread_ts": message["ts"],
        "parent_user_id": SLACKBOT,
        **kept,
    }


def public(message: dict[str, Any]) -> dict[str, Any]:
    """Return a message as Slack's API shows it (without the store's own fields)."""
    return {key: copy.deepcopy(value) for key, value in message.items() if key not in PRIVATE_FIELDS}


def ts_key(ts: str) -> tuple[int, int]:
    """Return a sortable key for a Slack ts (floats lose the last microsecond digits)."""
    seconds, _, micros = str(ts).partition(".")
    return int(seconds or 0), int((micros or "0").ljust(6, "0")[:6])


def dm_channel_id(users: list[str]) -> str:
    """Return the stable DM (D...) or group DM (G...) id for a set of users."""
    members = sorted(user for user in users if user != BOT_USER_ID)
    if len(members) == 1:
        return "D" + members[0][1:]
    return "G" + "".join(member[1:] for member in members)


def person(user_id: str) -> dict[str, Any]:
    """Return a users.info `user` object for an id (a known person, or one named after the id)."""
    real_name = PEOPLE.get(user_id) or user_id.removeprefix("U0").removeprefix("W0").title()
    handle = real_name.split()[0].lower()
    now = datetime.now(_LONDON)
    offset = now.utcoffset()
    return {
        "id": user_id,
        "team_id": TEAM_ID,
        "name": handle,
        "deleted": False,
        "real_name": real_name,
        "tz": "Europe/London",
        "tz_label": "British Summer Time" if now.dst() else "Greenwich Mean Time",
        "tz_offset": int(offset.total_seconds()) if offset else 0,
        "is_admin": False,
        "is_owner": False,
        "is_bot": user_id == BOT_USER_ID,
        "is_app_user": False,
        "updated": int(time.time()),
        "profile": {
            "real_name": real_name,
            "real_name_normalized": real_name,
            "display_name": handle,
            "display_name_normalized": handle,
            "email": f"{handle}@example.com",
            "image_48": "",
            "team": TEAM_ID,
        },
    }


class SlackWorkspace:
    """Messages per channel (with threads and edits), ephemeral messages, views and response_url posts."""

    def __init__(self) -> None:
        self.channels: dict[str, list[dict[str, Any]]] = {}
        self.ephemeral: list[dict[str, Any]] = []
        self.views: dict[str, dict[str, Any]] = {}
        self.home_views: dict[str, str] = {}
        self.responses: list[dict[str, Any]] = []
        # Uploads by file id: name, declared length, the bytes once POSTed, the file object once completed.
        self.files: dict[str, dict[str, Any]] = {}
        # Conversations the app was invited to, and channels that are private (invisible unless invited).
        self.members: set[str] = set()
        self.private: set[str] = set()
        self._last_micros = 0
        self._sequence = 0

    def next_ts(self) -> str:
        """Return a unique, increasing Slack timestamp like "1764260000.000100"."""
        self._last_micros = max(int(time.time() * 1_000_000), self._last_micros + 1)
        return f"{self._last_micros // 1_000_000}.{self._last_micros % 1_000_000:06d}"

    def next_id(self, prefix: str) -> str:
        """Return a unique id such as V0000000001."""
        self._sequence += 1
        return f"{prefix}{self._sequence:010d}"

    def find(self, channel: str, ts: str) -> dict[str, Any] | None:
        """Return the stored message (not a copy) or None."""
        return next((message for message in self.channels.get(channel, []) if message["ts"] == ts), None)

    def post(
        self,
        channel: str,
        content: dict[str, Any],
        *,
        user: str | None = None,
        thread_ts: str | None = None,
        ts: str | None = None,
        broadcast: bool = False,
        integration: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """Store a new message (the bot's unless `user` or an `integration` is given) and return it."""
        message: dict[str, Any] = {"type": "message", "ts": ts or self.next_ts(), "channel": channel, "text": ""}
        if integration:
            # An integration's post (an incoming webhook, another app's legacy bot): subtype bot_message, no user.
            # https://docs.slack.dev/reference/events/message/bot_message
            message.update(subtype="bot_message", **integration)
        elif user and user != BOT_USER_ID:
            message["user"] = user
        else:
            message.update(user=BOT_USER_ID, bot_id=BOT_ID, app_id=APP_ID)
        message["team"] = TEAM_ID
        message.update({key: value for key, value in content.items() if value is not None})
        if thread_ts and thread_ts != message["ts"]:
            message["thread_ts"] = thread_ts
            if broadcast:
                message["subtype"] = "thread_broadcast"
            parent = self.find(channel, thread_ts)
            if parent is not None:
                parent["thread_ts"] = thread_ts
                parent["reply_count"] = parent.get("reply_count", 0) + 1
                author = message.get("user") or message.get("bot_id", "")
                parent["reply_users"] = sorted({*parent.get("reply_users", []), author})
                parent["reply_users_count"] = len(parent["reply_users"])
                parent["latest_reply"] = message["ts"]
        messages = self.channels.setdefault(channel, [])
        messages.append(message)
        messages.sort(key=lambda item: ts_key(item["ts"]))
        return message

    def update(self, channel: str, ts: str, content: dict[str, Any]) -> dict[str, Any] | None:
        """Edit a message in place, keeping its previous versions under "edits"; None if unknown."""
        message = self.find(channel, ts)
        if message is None:
            return None
        previous = {key: copy.deepcopy(message[key]) for key in CONTENT_FIELDS if key in message}
        message.setdefault("edits", []).append(previous)
        message.update({key: value for key, value in content.items() if value is not None})
        message["edited"] = {"user": message.get("user", BOT_USER_ID), "ts": self.next_ts()}
        return message

    def delete(self, channel: str, ts: str) -> dict[str, Any] | None:
        """Remove a message (a tombstone stays when it has replies); return what was there, or None if unknown."""
        message = self.find(channel, ts)
        if message is None:
            return None
        messages = self.channels[channel]
        index = messages.index(message)
        if message.get("reply_count"):
            messages[index] = tombstone(message)
        else:
            del messages[index]
        return message

    def thread(self, channel: str, ts: str) -> list[dict[str, Any]]:
        """Return a thread's parent (when stored) and replies, oldest first."""
        return [
            message
            for message in self.channels.get(channel, [])
            if message["ts"] == ts or message.get("thread_ts") == ts
        ]

    def history(self, channel: str) -> list[dict[str, Any]]:
        """Return a channel's top-level messages (and broadcast replies), newest first."""
        top_level = [
            message
            for message in self.channels.get(channel, [])
            if message.get("thread_ts") in (None, message["ts"]) or message.get("subtype") == "thread_broadcast"
        ]
        return list(reversed(top_level))

    def save_view(
        self, view: dict[str, Any], *, view_id: str | None = None, previous: str | None = None
    ) -> dict[str, Any]:
        """Store a view (new, or replacing `view_id`) with the fields Slack adds, and return it."""
        view_id = view_id or self.next_id("V")
        stored = {
            "id": view_id,
            "team_id": TEAM_ID,
            "type": view.get("type", "modal"),
            "blocks": view.get("blocks", []),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{self.next_id('')}",
            "title": view.get("title"),
            "submit": view.get("submit"),
            "close": view.get("close"),
            "clear_on_close": view.get("clear_on_close", False),
            "notify_on_close": view.get("notify_on_close", False),
            "external_id": view.get("external_id", ""),
            "root_view_id": self.views.get(previous, {}).get("root_view_id", view_id) if previous else view_id,
            "previous_view_id": previous,
            "app_id": APP_ID,
            "bot_id": BOT_ID,
            "app_installed_team_id": TEAM_ID,
        }
        self.views[view_id] = stored
        return stored

    def find_view(self, view_id: str | None, external_id: str | None) -> dict[str, Any] | None:
        """Return a stored view by id or external id."""
        if view_id:
            return self.views.get(view_id)
        return next((view for view in self.views.values() if external_id and view["external_id"] == external_id), None)

    def snapshot(self) -> dict[str, Any]:
        """Return a deep copy of everything, for tests and the sandbox."""
        return copy.deepcopy(
            {"channels": self.channels, "ephemeral": self.ephemeral, "views": self.views, "responses": self.responses}
        )
