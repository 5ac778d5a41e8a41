"""Which conversations a bot token may use: channel membership and scopes, as Slack enforces them.

A new app is a member of no channel. It receives a channel's events and reads its history only
once someone invites it (`/invite @opsdesk`); `chat:write.public` lets it post into a public
channel it is not in, nothing more; a private channel it is not in does not exist for it.
"""

from __future__ import annotations

from enum import Enum
from functools import cache
from typing import TYPE_CHECKING

import yaml

from devstack.settings import PROJECT_ROOT

if TYPE_CHECKING:
    from collections.abc import Collection

MANIFEST = PROJECT_ROOT / "slack-app-manifest.yaml"


class Need(Enum):
    """What a method needs from the conversation it names."""

    # chat.postMessage, chat.update, chat.delete: membership, or `chat:write.public` in a public channel.
    # "chat:write.public: Send messages to channels @your_slack_app isn't a member of ... Check the
    # chat.postMessage documentation" https://docs.slack.dev/reference/scopes/chat:write.public
    POST = "post"
    # conversations.history / replies ("not_in_channel: ... Only user tokens can access public channels they
    # are not in." https://docs.slack.dev/reference/methods/conversations.history, and the channels:history
    # scope: "public channels that your slack app has been added to"); chat.postEphemeral (not_in_channel even
    # with chat:write.public: slackapi/node-slack-sdk issue 977); reactions.add (HubSpot/slack-client pull
    # request 356); pins.add; files shared into a channel.
    MEMBER = "member"
    # conversations.info, chat.getPermalink: a public channel is visible to any app with channels:read.
    SEE = "see"


class NotAllowed(Exception):
    """The error code Slack answers for a conversation the app may not use this way."""


@cache
def manifest_scopes() -> frozenset[str]:
    """Return the bot scopes slack-app-manifest.yaml asks for (what an installed opsdesk holds)."""
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    return frozenset(manifest["oauth_config"]["scopes"]["bot"])


def is_direct(channel: str) -> bool:
    """A DM (D...) or group DM (G... as conversations.open answers here) the app is part of by opening it."""
    return channel[:1] in ("D", "G")


def check(
    channel: str, need: Need, *, members: Collection[str], private: Collection[str], scopes: Collection[str]
) -> None:
    """Raise NotAllowed with Slack's code when the app may not use `channel` for `need`."""
    if is_direct(channel) or channel in members:
        return
    if channel in private:
        # A private channel the app is not in is invisible to it: "channel_not_found: Value passed for channel
        # was invalid." https://docs.slack.dev/reference/methods/chat.postMessage#errors
        raise NotAllowed("channel_not_found")
    if need is Need.SEE or (need is Need.POST and "chat:write.public" in scopes):
        return
    # "not_in_channel: Cannot post user messages to a channel they are not in."
    # https://docs.slack.dev/reference/methods/chat.postMessage#errors
    raise NotAllowed("not_in_channel")
