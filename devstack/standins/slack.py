"""A fake Slack Web API that a real `WebClient(base_url=f"{url}/api/")` and Bolt's `respond` can call."""

from __future__ import annotations

import contextlib
import copy
import json
import uuid
from typing import TYPE_CHECKING, Any

from devstack.httpserver import Reply, Request
from devstack.standins.base import StandIn
from devstack.standins.slack_access import manifest_scopes
from devstack.standins.slack_blockkit import Refusal
from devstack.standins.slack_events import (
    changed_event,
    deleted_event,
    delivered,
    file_object,
    message_event,
    rich_text,
)
from devstack.standins.slack_files import UPLOAD_PATH, SlackFiles
from devstack.standins.slack_methods import SlackError, content
from devstack.standins.slack_workspace import BOT_ID, BOT_USER_ID, TEAM_ID, SlackWorkspace, public

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

_JSON_FIELDS = ("blocks", "attachments", "view", "files", "metadata")  # form bodies carry these as JSON strings


def _params(request: Request) -> dict[str, Any]:
    params = request.params()
    for key in _JSON_FIELDS:
        if isinstance(params.get(key), str) and params[key][:1] in "[{":
            with contextlib.suppress(ValueError):
                params[key] = json.loads(params[key])
    return params


class SlackStandIn(SlackFiles, StandIn):
    """Slack's Web API (the methods opsdesk uses), response_url posts and file uploads, with a message store."""

    name = "slack"

    def __init__(
        self, *args: Any, token: str | None = None, scopes: Iterable[str] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.token = token
        # The scopes an installed opsdesk holds: the manifest's, unless a test says otherwise.
        self.scopes = frozenset(manifest_scopes() if scopes is None else scopes)
        self.workspace = SlackWorkspace()
        # The workspace's user groups by id ("S..."), as an admin made them: none until a test makes one.
        self.usergroups: dict[str, list[str]] = {}
        # Hooks called with {"type", "channel", ...} after each change; they run in the request thread.
        self.on_post: list[Callable[[dict[str, Any]], None]] = []

    # ---- what tests and the sandbox read
    def messages(self, channel: str) -> list[dict[str, Any]]:
        """Return every stored message of a channel (replies included), oldest first."""
        with self.lock:
            return copy.deepcopy(self.workspace.channels.get(channel, []))

    def thread(self, channel: str, ts: str) -> list[dict[str, Any]]:
        """Return a thread's parent and replies, oldest first."""
        with self.lock:
            return copy.deepcopy(self.workspace.thread(channel, ts))

    def views(self) -> list[dict[str, Any]]:
        """Return every opened, pushed or published view, oldest first."""
        with self.lock:
            return copy.deepcopy(list(self.workspace.views.values()))

    def ephemeral_messages(self, user: str | None = None) -> list[dict[str, Any]]:
        """Return ephemeral messages (chat.postEphemeral and ephemeral response_url posts)."""
        with self.lock:
            return [copy.deepcopy(item) for item in self.workspace.ephemeral if user in (None, item["user"])]

    def responses(self) -> list[dict[str, Any]]:
        """Return every post to a response_url, oldest first."""
        with self.lock:
            return copy.deepcopy(self.workspace.responses)

    # ---- the workspace's people and membership (what tests and the sandbox do in Slack itself)
    def invite(self, *channels: str) -> None:
        """Invite the app to channels, as `/invite @opsdesk` does: it then receives their events and reads them."""
        with self.lock:
            self.workspace.members.update(channels)

    def remove(self, *channels: str) -> None:
        """Remove the app from channels (or never invite it): their events stop and reads answer not_in_channel."""
        with self.lock:
            self.workspace.members.difference_update(channels)

    def make_private(self, *channels: str) -> None:
        """Make channels private: without membership they answer channel_not_found to the app."""
        with self.lock:
            self.workspace.private.update(channels)

    def delivers(self, event: dict[str, Any]) -> bool:
        """Say whether Slack would send this event to the app (conversation events only where it is a member)."""
        with self.lock:
            return delivered(event, self.workspace.members)

    def add_user_message(
        self,
        channel: str,
        text: str,
        user: str = "U0ALICE",
        thread_ts: str | None = None,
        *,
        files: Iterable[str] = (),
        broadcast: bool = False,
        ts: str | None = None,
    ) -> dict[str, Any]:
        """Store a message a person wrote (with files: a `file_share`) and return it as Slack shows it."""
        with self.lock:
            stored: dict[str, Any] = {"text": text, "blocks": rich_text(text) if text else None}
            shared = [file_object(self.workspace.next_id("F"), name, user, base_url=self.url) for name in files]
            if shared:
                # https://docs.slack.dev/reference/events/message/file_share
                stored.update(subtype="file_share", files=shared, upload=False, display_as_bot=False)
            stored["client_msg_id"] = str(uuid.uuid4())
            message = self.workspace.post(channel, stored, user=user, thread_ts=thread_ts, ts=ts, broadcast=broadcast)
            if broadcast and thread_ts:
                # https://docs.slack.dev/reference/events/message/thread_broadcast: the reply carries its root
                root = self.workspace.find(channel, thread_ts)
                message["root"] = public(root) if root else {"ts": thread_ts}
            self._notify("message_posted", channel, message=public(message))
            return public(message)

    def add_integration_message(
        self, channel: str, text: str, *, bot_id: str = "B0DEPLOY", name: str = "deploys"
    ) -> dict[str, Any]:
        """Store another integration's post (subtype bot_message, no user) and return it."""
        with self.lock:
            message = self.workspace.post(channel, {"text": text}, integration={"bot_id": bot_id, "username": name})
            self._notify("message_posted", channel, message=public(message))
            return public(message)

    def edit_user_message(self, channel: str, ts: str, text: str) -> dict[str, Any]:
        """A person edits their message: store the edit and return the `message_changed` event."""
        with self.lock:
            before = copy.deepcopy(self.workspace.find(channel, ts))
            if before is None:
                raise KeyError(f"no message {ts} in {channel}")
            blocks = rich_text(text) if text else None
            after = self.workspace.update(channel, ts, {"text": text, "blocks": blocks}) or {}
            self._notify("message_updated", channel, message=public(after))
            return changed_event(channel, before, after)

    def delete_user_message(self, channel: str, ts: str) -> dict[str, Any]:
        """A person deletes their message: return `message_deleted`, or `message_changed` to a tombstone."""
        with self.lock:
            before = self.workspace.delete(channel, ts)
            if before is None:
                raise KeyError(f"no message {ts} in {channel}")
            self._notify("message_deleted", channel, ts=ts)
            left = self.workspace.find(channel, ts)
            return changed_event(channel, before, left) if left else deleted_event(channel, before)

    def message_event(self, channel: str, ts: str) -> dict[str, Any]:
        """Return the `message` event Slack sends for a stored message (whoever wrote it)."""
        with self.lock:
            message = self.workspace.find(channel, ts)
            if message is None:
                raise KeyError(f"no message {ts} in {channel}")
            return message_event(channel, message)

    def response_url(self, channel: str, user: str, nonce: str) -> str:
        """Return a response_url whose posts land in `channel` (in_channel) or with `user` (ephemeral)."""
        return f"{self.url}/response/{channel}-{user}-{nonce}"

    def base_url(self) -> str:
        return self.url

    # ---- StandIn hooks
    def reset_state(self) -> None:
        self.workspace = SlackWorkspace()
        self.usergroups = {}

    def call_name(self, request: Request) -> str:
        if request.path.startswith("/api/"):
            return request.path.removeprefix("/api/")
        return super().call_name(request)

    def injected_reply(self, status: int, headers: dict[str, str] | None, body: Any) -> Reply:
        headers = dict(headers or {})
        if status == 429:
            headers.setdefault("Retry-After", "1")
        error = "ratelimited" if status == 429 else "fatal_error"
        return Reply(status, body if body is not None else {"ok": False, "error": error}, headers)

    def summarize(self, call: dict[str, Any]) -> str:
        params, response = call["params"], call.get("response") or {}
        where = params.get("channel") or params.get("user") or params.get("trigger_id") or ""
        text = str(params.get("text") or "")[:70].replace("\n", " ")
        outcome = "ok" if response.get("ok") else response.get("error", call["status"])
        return f"{call['name']} {where} {text!r} -> {outcome}" if text else f"{call['name']} {where} -> {outcome}"

    def handle(self, request: Request) -> Reply:
        if request.path.startswith("/response/"):
            return self._response_url(request)
        if request.path.startswith(UPLOAD_PATH):
            return self.upload(request)
        if not request.path.startswith("/api/"):
            return Reply(404, {"ok": False, "error": "not_found"})
        method = getattr(self, "api_" + request.path.removeprefix("/api/").replace(".", "_"), None)
        params = _params(request)
        try:
            self._authenticate(request, params)
            if method is None:
                raise SlackError("unknown_method")
            body = {"ok": True, **method(params)}
        except Refusal as refusal:
            body = refusal.body()
        return Reply(200, body)

    # ---- machinery
    def _authenticate(self, request: Request, params: dict[str, Any]) -> None:
        token = request.headers.get("authorization", "").removeprefix("Bearer ").strip() or params.get("token")
        if not token:
            raise SlackError("not_authed")
        if not str(token).startswith("xox") or (self.token is not None and token != self.token):
            raise SlackError("invalid_auth")

    def _response_url(self, request: Request) -> Reply:
        payload = request.json() or {}
        channel, _, rest = request.path.removeprefix("/response/").partition("-")
        user = rest.partition("-")[0]
        try:
            message = content(payload)
        except Refusal as refusal:
            # response_url posts answer like incoming webhooks: HTTP 400 with the error as plain text.
            # https://docs.slack.dev/messaging/sending-messages-using-incoming-webhooks#handling_errors
            return Reply(400, refusal.code, content_type="text/plain")
        entry = {"response_id": request.path.removeprefix("/response/"), "channel": channel, "user": user, **payload}
        self.workspace.responses.append(entry)
        if payload.get("response_type") == "in_channel" and channel:
            posted = self.workspace.post(channel, message, thread_ts=payload.get("thread_ts"))
            self._notify("message_posted", channel, message=public(posted))
        elif channel and user:
            self.workspace.ephemeral.append(
                {"channel": channel, "user": user, "ts": self.workspace.next_ts(), **message}
            )
            self._notify("ephemeral_posted", channel, user=user, message=message)
        self._notify("response_posted", channel, response=copy.deepcopy(entry))
        return Reply(200, "ok", content_type="text/html")


__all__ = ["BOT_ID", "BOT_USER_ID", "TEAM_ID", "SlackStandIn"]
