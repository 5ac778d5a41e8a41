"""What the sandbox sends opsdesk, shaped and signed as Slack sends it, over HTTP to the local API."""

from __future__ import annotations

import json
import re
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from devstack.send import FORM, JSON, event_body, interaction_body, new_trigger_id, post_signed, slash_command_body
from devstack.standins.slack_workspace import APP_ID, TEAM_ID, dm_channel_id, person

if TYPE_CHECKING:
    from collections.abc import Callable

    from devstack.sandbox.state import SandboxState
    from devstack.standins.slack import SlackStandIn

_MENTION = re.compile(r"(?<![\w<])@([a-z]+)\b")
# What Outbound answers for an event Slack would not send (the app is not in the channel).
NOT_DELIVERED = "not delivered: opsdesk is not in this channel (/invite @opsdesk)"


@dataclass
class Sent:
    """The HTTP answer opsdesk gave."""

    status: int
    body: str

    def json(self) -> dict[str, Any]:
        """Return the body as a JSON object ({} when empty or not JSON)."""
        try:
            loaded = json.loads(self.body) if self.body.strip() else {}
        except ValueError:
            return {}
        return loaded if isinstance(loaded, dict) else {}


def user_object(user: str) -> dict[str, str]:
    """Return the `user` object of an interaction payload."""
    name = str(person(user)["name"])
    return {"id": user, "username": name, "name": name, "team_id": TEAM_ID}


def with_mentions(text: str, people: list[str]) -> str:
    """Turn "@bob" into "<@U0BOB>" as Slack's composer does for people in the workspace."""
    handles = {str(person(user)["name"]): user for user in people}
    return _MENTION.sub(
        lambda match: f"<@{handles[match.group(1)]}>" if match.group(1) in handles else match.group(0), text
    )


class Outbound:
    """Send messages, commands and interactions to opsdesk's /slack/* routes, signed with the signing secret."""

    def __init__(self, api_url: Callable[[], str], secret: str, slack: SlackStandIn, state: SandboxState) -> None:
        self.api_url = api_url
        self.secret = secret
        self.slack = slack
        self.state = state

    def _post(self, path: str, body: str, content_type: str = FORM) -> Sent:
        status, text, _ = post_signed(f"{self.api_url()}{path}", body, secret=self.secret, content_type=content_type)
        return Sent(status, text)

    def trigger(self, user: str) -> str:
        """Return a new trigger_id, remembered as this user's (views opened with it show for them)."""
        trigger_id = new_trigger_id()
        self.state.remember_trigger(trigger_id, user)
        return trigger_id

    def message(
        self,
        user: str,
        channel: str,
        text: str,
        thread_ts: str | None = None,
        *,
        files: tuple[str, ...] = (),
        broadcast: bool = False,
    ) -> Sent:
        """Store a person's message in the channel and deliver its `message` event (file_share with files)."""
        stored = self.slack.add_user_message(
            channel, text, user=user, thread_ts=thread_ts, files=files, broadcast=broadcast and bool(thread_ts)
        )
        event = self.slack.message_event(channel, stored["ts"])
        if thread_ts:
            parent = next((item for item in self.slack.thread(channel, thread_ts) if item["ts"] == thread_ts), None)
            if parent and parent.get("user"):
                event["parent_user_id"] = parent["user"]
        return self.event(event, int(float(stored["ts"])))

    def event(self, event: dict[str, Any], event_time: int | None = None) -> Sent:
        """Deliver one Events API event, as Slack does only for conversations opsdesk is a member of."""
        if not self.slack.delivers(event):
            return Sent(200, NOT_DELIVERED)
        return self._post("/slack/events", event_body(event, event_time=event_time), JSON)

    def delete(self, channel: str, ts: str) -> Sent:
        """A person deletes their message: `message_deleted`, or `message_changed` to a tombstone if it has replies."""
        return self.event(self.slack.delete_user_message(channel, ts))

    def reaction(self, user: str, channel: str, ts: str, name: str) -> Sent:
        """Deliver `reaction_added` for a person's reaction to a message."""
        stored = next((item for item in self.slack.messages(channel) if item["ts"] == ts), {})
        now = f"{time.time():.6f}"
        event = {"type": "reaction_added", "user": user, "reaction": name, "item_user": stored.get("user", ""),
                 "item": {"type": "message", "channel": channel, "ts": ts}, "event_ts": now}  # fmt: skip
        return self.event(event)

    def app_home_opened(self, user: str) -> Sent:
        """Deliver `app_home_opened` as Slack does when someone opens the app's Home tab."""
        view_id = self.slack.workspace.home_views.get(user)
        event: dict[str, Any] = {
            "type": "app_home_opened", "user": user, "channel": dm_channel_id([user]), "tab": "home",
            "event_ts": f"{time.time():.6f}",
        }  # fmt: skip
        if view_id:
            event["view"] = next((view for view in self.slack.views() if view["id"] == view_id), None)
        return self.event(event)

    def command(self, user: str, channel: str, line: str) -> Sent:
        """Send a slash command with a response_url that lands with this user (or in the channel)."""
        command, _, text = line.strip().partition(" ")
        response_url = self.slack.response_url(channel, user, uuid.uuid4().hex[:8])
        body = slash_command_body(
            command, text.strip(), user, channel, response_url=response_url, trigger_id=self.trigger(user)
        )
        return self._post("/slack/commands", body)

    def message_action(self, user: str, callback_id: str, channel: dict[str, str], message: dict[str, Any]) -> Sent:
        """Send a message shortcut (`message_action`) used on `message`, as Slack sends it.

        Its shape: https://docs.slack.dev/reference/interaction-payloads/shortcuts-interactions-payload
        """
        payload: dict[str, Any] = {
            "type": "message_action",
            "callback_id": callback_id,
            "trigger_id": self.trigger(user),
            "action_ts": f"{time.time():.6f}",
            "message_ts": message["ts"],
            "team": {"id": TEAM_ID, "domain": "opsdesk-local"},
            "user": user_object(user),
            "channel": channel,
            "message": message,
            "response_url": self.slack.response_url(channel["id"], user, uuid.uuid4().hex[:8]),
            "token": "local-verification-token",
            "is_enterprise_install": False,
            "enterprise": None,
        }
        return self._post("/slack/interactions", interaction_body(payload))

    def block_actions(self, user: str, action: dict[str, Any], container: dict[str, Any], **extra: Any) -> Sent:
        """Send a `block_actions` interaction for one action in a message or a view."""
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": user_object(user),
            "api_app_id": APP_ID,
            "token": "local-verification-token",
            "container": container,
            "trigger_id": self.trigger(user),
            "team": {"id": TEAM_ID, "domain": "opsdesk-local"},
            "enterprise": None,
            "is_enterprise_install": False,
            "actions": [{**action, "action_ts": f"{time.time():.6f}"}],
            **extra,
        }
        return self._post("/slack/interactions", interaction_body(payload))

    def view_submission(self, user: str, view: dict[str, Any]) -> Sent:
        """Send a `view_submission` for a modal with its state."""
        payload = {
            "type": "view_submission",
            "team": {"id": TEAM_ID, "domain": "opsdesk-local"},
            "user": user_object(user),
            "api_app_id": APP_ID,
            "token": "local-verification-token",
            "trigger_id": self.trigger(user),
            "view": view,
            "response_urls": [],
            "is_enterprise_install": False,
            "enterprise": None,
        }
        return self._post("/slack/interactions", interaction_body(payload))

    def view_closed(self, user: str, view: dict[str, Any], *, cleared: bool) -> Sent:
        """Send `view_closed` (only for views that asked with notify_on_close)."""
        payload = {"type": "view_closed", "team": {"id": TEAM_ID, "domain": "opsdesk-local"}, "user": user_object(user),
                   "api_app_id": APP_ID, "token": "local-verification-token", "view": view, "is_cleared": cleared,
                   "is_enterprise_install": False}  # fmt: skip
        return self._post("/slack/interactions", interaction_body(payload))
