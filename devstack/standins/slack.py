"""A fake Slack Web API that a real `WebClient(base_url=f"{url}/api/")` and Bolt's `respond` can call."""

from __future__ import annotations

import contextlib
import copy
import json
from typing import TYPE_CHECKING, Any

from devstack.httpserver import Reply, Request
from devstack.standins.base import StandIn
from devstack.standins.slack_methods import SlackApi, SlackError, content
from devstack.standins.slack_workspace import BOT_ID, BOT_USER_ID, TEAM_ID, SlackWorkspace, public

if TYPE_CHECKING:
    from collections.abc import Callable

_JSON_FIELDS = ("blocks", "attachments", "view", "files", "metadata")  # form bodies carry these as JSON strings


def _params(request: Request) -> dict[str, Any]:
    params = request.params()
    for key in _JSON_FIELDS:
        if isinstance(params.get(key), str) and params[key][:1] in "[{":
            with contextlib.suppress(ValueError):
                params[key] = json.loads(params[key])
    return params


class SlackStandIn(SlackApi, StandIn):
    """Slack's Web API (the methods opsdesk uses), response_url posts and file uploads, with a message store."""

    name = "slack"

    def __init__(self, *args: Any, token: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.token = token
        self.workspace = SlackWorkspace()
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

    def add_user_message(
        self, channel: str, text: str, user: str = "U0ALICE", thread_ts: str | None = None
    ) -> dict[str, Any]:
        """Store a message a person wrote (so threads, permalinks and reactions find it) and return it."""
        with self.lock:
            message = self.workspace.post(channel, {"text": text}, user=user, thread_ts=thread_ts)
            self._notify("message_posted", channel, message=public(message))
            return public(message)

    def response_url(self, channel: str, user: str, nonce: str) -> str:
        """Return a response_url whose posts land in `channel` (in_channel) or with `user` (ephemeral)."""
        return f"{self.url}/response/{channel}-{user}-{nonce}"

    def base_url(self) -> str:
        return self.url

    # ---- StandIn hooks
    def reset_state(self) -> None:
        self.workspace = SlackWorkspace()

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
        if request.path.startswith("/upload/"):
            return Reply(200, f"OK - {len(request.body)}")
        if not request.path.startswith("/api/"):
            return Reply(404, {"ok": False, "error": "not_found"})
        method = getattr(self, "api_" + request.path.removeprefix("/api/").replace(".", "_"), None)
        params = _params(request)
        try:
            self._authenticate(request, params)
            if method is None:
                raise SlackError("unknown_method")
            body = {"ok": True, **method(params)}
        except SlackError as error:
            body = {"ok": False, "error": str(error)}
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
        entry = {"response_id": request.path.removeprefix("/response/"), "channel": channel, "user": user, **payload}
        self.workspace.responses.append(entry)
        if payload.get("response_type") == "in_channel" and channel:
            message = self.workspace.post(channel, content(payload), thread_ts=payload.get("thread_ts"))
            self._notify("message_posted", channel, message=public(message))
        elif channel and user:
            self.workspace.ephemeral.append(
                {"channel": channel, "user": user, "ts": self.workspace.next_ts(), **content(payload)}
            )
            self._notify("ephemeral_posted", channel, user=user, message=content(payload))
        self._notify("response_posted", channel, response=copy.deepcopy(entry))
        return Reply(200, "ok", content_type="text/html")


__all__ = ["BOT_ID", "BOT_USER_ID", "TEAM_ID", "SlackStandIn"]
