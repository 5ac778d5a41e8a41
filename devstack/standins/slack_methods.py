"""The Slack Web API methods the stand-in answers, shaped like Slack's own responses."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from devstack.standins.slack_access import Need, NotAllowed, check
from devstack.standins.slack_blockkit import Refusal, judge_message, judge_view
from devstack.standins.slack_workspace import BOT_ID, BOT_USER_ID, TEAM_ID, dm_channel_id, person, public, ts_key

if TYPE_CHECKING:
    from collections.abc import Callable

    from devstack.standins.slack_workspace import SlackWorkspace

# "Slack will truncate messages containing more than 40,000 characters."
# https://docs.slack.dev/changelog/2018-04-truncating-really-long-messages
MESSAGE_TEXT = 40_000


class SlackError(Refusal):
    """A Slack API error code, answered as {"ok": false, "error": code}."""


def require(params: dict[str, Any], *names: str) -> None:
    """Refuse a call that lacks a required argument, as Slack does."""
    if any(not params.get(name) for name in names):
        raise SlackError("invalid_arguments")


def content(params: dict[str, Any]) -> dict[str, Any]:
    """Return the message content fields of a call, judged as Slack judges them (refused, or text truncated)."""
    judge_message(params.get("blocks"))
    fields: dict[str, Any] = {
        key: params[key] for key in ("text", "blocks", "attachments", "metadata") if key in params
    }
    if isinstance(fields.get("text"), str):
        fields["text"] = fields["text"][:MESSAGE_TEXT]
    return fields


class SlackApi:
    """One `api_<method>` per Slack method (dots become underscores); each returns the response without "ok".

    Messages the store never saw (a person's message that reached the app only as an event) are accepted for
    permalinks, reactions and pins, so flows work even when a test did not store the message first.
    """

    workspace: SlackWorkspace
    usergroups: dict[str, list[str]]
    scopes: frozenset[str]
    on_post: list[Callable[[dict[str, Any]], None]]

    def base_url(self) -> str:
        """Return the stand-in's base URL."""
        raise NotImplementedError

    def _notify(self, kind: str, channel: str | None, **details: Any) -> None:
        for hook in list(self.on_post):
            hook({"type": kind, "channel": channel, **details})

    def _channel(self, params: dict[str, Any], need: Need = Need.MEMBER, key: str = "channel") -> str:
        """Return the conversation a call names, refused as Slack refuses one the app may not use."""
        channel = str(params.get(key) or "")
        if not channel:
            raise SlackError("channel_not_found")
        if channel[0] in "UW":  # a user id means the user's DM with the app
            return dm_channel_id([channel])
        workspace = self.workspace
        try:
            check(channel, need, members=workspace.members, private=workspace.private, scopes=self.scopes)
        except NotAllowed as refused:
            raise SlackError(str(refused)) from refused
        return channel

    def _message(self, channel: str, ts: str) -> dict[str, Any]:
        message = self.workspace.find(channel, ts)
        if message is None:
            raise SlackError("message_not_found")
        return message

    def api_auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": f"{self.base_url()}/",
            "team": "opsdesk-local",
            "user": "opsdesk",
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def api_chat_postMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(params, Need.POST)
        if not any(params.get(key) for key in ("text", "blocks", "attachments")):
            raise SlackError("no_text")
        broadcast = str(params.get("reply_broadcast", "")).lower() in ("true", "1")
        message = self.workspace.post(channel, content(params), thread_ts=params.get("thread_ts"), broadcast=broadcast)
        self._notify("message_posted", channel, message=public(message))
        return {"channel": channel, "ts": message["ts"], "message": public(message)}

    def api_chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(params, Need.POST)
        require(params, "ts")
        self._message(channel, params["ts"])
        message = self.workspace.update(channel, params["ts"], content(params)) or {}
        self._notify("message_updated", channel, message=public(message))
        return {"channel": channel, "ts": message["ts"], "text": message.get("text", ""), "message": public(message)}

    def api_chat_delete(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(params, Need.POST)
        self._message(channel, str(params.get("ts")))
        self.workspace.delete(channel, str(params.get("ts")))
        self._notify("message_deleted", channel, ts=params.get("ts"))
        return {"channel": channel, "ts": params.get("ts")}

    def api_chat_postEphemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(params)
        require(params, "user")
        ts = self.workspace.next_ts()
        entry = {
            "channel": channel,
            "user": params["user"],
            "ts": ts,
            "thread_ts": params.get("thread_ts"),
            **content(params),
        }
        self.workspace.ephemeral.append(entry)
        self._notify("ephemeral_posted", channel, user=params["user"], message=dict(entry))
        return {"message_ts": ts}

    def api_chat_getPermalink(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(params, Need.SEE)
        require(params, "message_ts")
        ts = str(params["message_ts"])
        permalink = f"{self.base_url()}/archives/{channel}/p{ts.replace('.', '')}"
        message = self.workspace.find(channel, ts)
        if message and message.get("thread_ts") not in (None, ts):
            permalink += f"?thread_ts={message['thread_ts']}&cid={channel}"
        return {"channel": channel, "permalink": permalink}

    def api_conversations_replies(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(params)
        require(params, "ts")
        messages = self.workspace.thread(channel, str(params["ts"]))
        if not messages:
            raise SlackError("thread_not_found")
        limit = int(params.get("limit") or 1000)
        return {
            "messages": [public(message) for message in messages[:limit]],
            "has_more": len(messages) > limit,
            "response_metadata": {"next_cursor": ""},
        }

    def api_conversations_history(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(params)
        oldest, latest = ts_key(params.get("oldest") or "0"), ts_key(params.get("latest") or "99999999999")
        messages = [message for message in self.workspace.history(channel) if oldest <= ts_key(message["ts"]) <= latest]
        limit = int(params.get("limit") or 100)
        return {
            "messages": [public(message) for message in messages[:limit]],
            "has_more": len(messages) > limit,
            "pin_count": 0,
            "response_metadata": {"next_cursor": ""},
        }

    def api_conversations_open(self, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("channel"):
            return {"channel": {"id": params["channel"]}, "no_op": True, "already_open": True}
        require(params, "users")
        users = [user.strip() for user in str(params["users"]).split(",") if user.strip()]
        return {"channel": {"id": dm_channel_id(users)}, "no_op": False, "already_open": False}

    def api_conversations_info(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(params, Need.SEE)
        name = channel[2:].lower() if channel.startswith("C0") else channel.lower()
        return {
            "channel": {
                "id": channel,
                "name": name,
                "is_channel": channel[0] == "C",
                "is_private": channel in self.workspace.private,
                "is_im": channel[0] == "D",
                # https://docs.slack.dev/reference/methods/conversations.info: is_member says whether the app is in it
                "is_member": channel[0] in "DG" or channel in self.workspace.members,
                "is_archived": False,
                "context_team_id": TEAM_ID,
            }
        }

    def _reaction(self, params: dict[str, Any], add: bool) -> dict[str, Any]:
        channel = self._channel(params)
        require(params, "timestamp", "name")
        message = self.workspace.find(channel, str(params["timestamp"]))
        if message is not None:
            reactions = message.setdefault("reactions", [])
            reaction = next((item for item in reactions if item["name"] == params["name"]), None)
            if add and reaction is not None:
                raise SlackError("already_reacted")
            if not add and reaction is None:
                raise SlackError("no_reaction")
            if add:
                reactions.append({"name": params["name"], "users": [BOT_USER_ID], "count": 1})
            else:
                reactions.remove(reaction)
            self._notify("message_updated", channel, message=public(message))
        return {}

    def api_reactions_add(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._reaction(params, add=True)

    def api_reactions_remove(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._reaction(params, add=False)

    def _pin(self, params: dict[str, Any], add: bool) -> dict[str, Any]:
        channel = self._channel(params)
        require(params, "timestamp")
        message = self.workspace.find(channel, str(params["timestamp"]))
        if message is not None:
            if add and message.get("pinned_to"):
                raise SlackError("already_pinned")
            if add:
                message["pinned_to"] = [channel]
            else:
                message.pop("pinned_to", None)
        return {}

    def api_pins_add(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._pin(params, add=True)

    def api_pins_remove(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._pin(params, add=False)

    def api_views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        require(params, "trigger_id", "view")
        judge_view(params["view"])
        view = self.workspace.save_view(params["view"])
        self._notify("view_opened", None, view=dict(view), trigger_id=params["trigger_id"])
        return {"view": view}

    def api_views_push(self, params: dict[str, Any]) -> dict[str, Any]:
        require(params, "trigger_id", "view")
        judge_view(params["view"])
        view = self.workspace.save_view(params["view"], previous=params.get("view_id"))
        self._notify("view_pushed", None, view=dict(view), trigger_id=params["trigger_id"])
        return {"view": view}

    def api_views_update(self, params: dict[str, Any]) -> dict[str, Any]:
        require(params, "view")
        judge_view(params["view"])
        current = self.workspace.find_view(params.get("view_id"), params.get("external_id"))
        if current is None:
            raise SlackError("not_found")
        if params.get("hash") and params["hash"] != current["hash"]:
            raise SlackError("hash_conflict")
        view = self.workspace.save_view(params["view"], view_id=current["id"], previous=current["previous_view_id"])
        self._notify("view_updated", None, view=dict(view))
        return {"view": view}

    def api_views_publish(self, params: dict[str, Any]) -> dict[str, Any]:
        require(params, "user_id", "view")
        judge_view(params["view"])
        view = self.workspace.save_view(params["view"], view_id=self.workspace.home_views.get(params["user_id"]))
        self.workspace.home_views[params["user_id"]] = view["id"]
        self._notify("home_published", None, user=params["user_id"], view=dict(view))
        return {"view": view}

    def api_users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        user = str(params.get("user") or "")
        if not user or user[0] not in "UW":
            raise SlackError("user_not_found")
        return {"user": person(user)}

    def api_usergroups_users_list(self, params: dict[str, Any]) -> dict[str, Any]:
        # https://api.slack.com/methods/usergroups.users.list: a bot token needs usergroups:read; a `usergroup`
        # that names no user group of the workspace answers no_such_subteam; the answer is the members' ids.
        # Only the groups a test or the sandbox made exist (`SlackStandIn.usergroups`), as in a real workspace.
        if "usergroups:read" not in self.scopes:
            raise SlackError("missing_scope")
        group = str(params.get("usergroup") or "")
        if group not in self.usergroups:
            raise SlackError("no_such_subteam")
        return {"users": list(self.usergroups[group])}
