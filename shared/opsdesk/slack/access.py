"""opsdesk's own channels as Slack lets it use them: membership problems found, logged once, shown, explained.

A Slack app receives a channel's message events and reads its history only once it is invited
(`/invite @opsdesk`); `chat:write.public` lets it post into a public channel without joining,
which hides the problem: announcements still appear while every request in the channel goes
untracked. So the problem is looked for where people look, and said once where operators look:
- the App Home of a support-team member asks Slack (`conversations.info`, whose `is_member` is
  the truth) about the ops and team channels each time it opens, and shows what is wrong and the fix;
- every Web API call that Slack refuses with `not_in_channel` or `channel_not_found` is logged once
  per container and channel, by name, with the fix; the call still fails (and is retried), never
  silently.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from opsdesk.slack.client import CurrentTokenClient

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from slack_sdk import WebClient

    from opsdesk.settings import Settings

logger = logging.getLogger(__name__)
REFUSALS = frozenset({"not_in_channel", "channel_not_found"})


@dataclass(frozen=True)
class OwnChannel:
    """A channel opsdesk is configured to work in, and what breaks when it is not there."""

    channel: str
    role: str
    setting: str
    consequence: str


@dataclass(frozen=True)
class ChannelProblem:
    """One of opsdesk's channels it is not in: `visible` when public (Slack shows it), else private or wrong."""

    channel: str
    role: str
    setting: str
    consequence: str
    visible: bool


def own_channels(settings: Settings) -> tuple[OwnChannel, ...]:
    return (
        OwnChannel(
            settings.ops_channel_id,
            "the ops channel",
            "OPS_CHANNEL_ID",
            "new messages there are not tracked as support requests and get no out-of-hours reply",
        ),
        OwnChannel(
            settings.team_channel_id,
            "the team channel",
            "TEAM_CHANNEL_ID",
            "the start-of-day checklist and handover cannot read it",
        ),
    )


class ChannelAccess:
    """Finds, logs once and describes the channels opsdesk cannot use."""

    def __init__(self, channels: Sequence[OwnChannel]) -> None:
        self.channels = {channel.channel: channel for channel in channels}
        self._logged: set[str] = set()
        self._lock = threading.Lock()

    def problems(self, client: WebClient) -> list[ChannelProblem]:
        """Ask Slack about each of opsdesk's channels (one `conversations.info` each)."""
        found = []
        for own in self.channels.values():
            try:
                info = client.conversations_info(channel=own.channel)["channel"]
            except SlackApiError as error:
                if error.response.get("error") not in REFUSALS:
                    raise
                found.append(ChannelProblem(own.channel, own.role, own.setting, own.consequence, visible=False))
                continue
            if not info.get("is_member"):
                found.append(ChannelProblem(own.channel, own.role, own.setting, own.consequence, visible=True))
        return found

    def refused(self, method: str, channel: str, code: str, client: WebClient) -> None:
        """Log, once per channel in this container, that Slack refused a call there, and how to fix it."""
        with self._lock:
            if channel in self._logged:
                return
            self._logged.add(channel)
        own = self.channels.get(channel)
        name = f"#{self._name(client, channel)}" if code == "not_in_channel" else "a channel opsdesk cannot see"
        where = f"{name} ({own.role}, {own.setting}={channel})" if own else f"{name} ({channel})"
        why = f"; {own.consequence}" if own else ""
        logger.warning(
            "Slack refused %s in %s with %s: opsdesk is not a member of it%s. "
            "Fix: type `/invite @opsdesk` in that channel (a private one must invite it).",
            method,
            where,
            code,
            why,
        )

    @staticmethod
    def _name(client: WebClient, channel: str) -> str:
        """The channel's name (a public channel shows it to any app), or its id when Slack will not say."""
        try:
            return str(client.conversations_info(channel=channel)["channel"]["name"])
        except (SlackApiError, OSError, KeyError, TypeError):
            return channel


def _channel_of(arguments: dict[str, Any]) -> str:
    for part in ("json", "data", "params"):
        values = arguments.get(part) or {}
        if isinstance(values, dict) and (values.get("channel") or values.get("channel_id")):
            return str(values.get("channel") or values.get("channel_id"))
    return ""


class WatchedWebClient(CurrentTokenClient):
    """A client sending the token in force that tells ChannelAccess when Slack refuses a channel; raises as before."""

    access: ChannelAccess | None = None

    def api_call(self, api_method: str, **arguments: Any) -> Any:
        try:
            return super().api_call(api_method, **arguments)
        except SlackApiError as error:
            code = str(error.response.get("error") or "")
            channel = _channel_of(arguments)
            if self.access is not None and code in REFUSALS and channel:
                self.access.refused(api_method, channel, code, self)
            raise


def client_after_the_ack(
    token: Callable[[], str], refresh: Callable[[], None], *, base_url: str, access: ChannelAccess
) -> WatchedWebClient:
    """For work after the ack: retries rate limits (it may sleep for Retry-After); channel refusals are logged."""
    client = WatchedWebClient(
        token,
        refresh,
        base_url=base_url,
        timeout=10,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=2),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
    )
    client.access = access
    return client


def client_on_the_ack_path(
    token: Callable[[], str], refresh: Callable[[], None], *, base_url: str
) -> CurrentTokenClient:
    """For the 3-second path (views.open): never sleeps on a rate limit."""
    return CurrentTokenClient(token, refresh, base_url=base_url, timeout=2)
