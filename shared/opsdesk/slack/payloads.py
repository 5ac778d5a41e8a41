"""Small readings of Slack payloads that every listener needs, written once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeAlias

if TYPE_CHECKING:
    from slack_bolt import Ack
    from slack_sdk import WebClient

# A Slack payload as Bolt hands it to a listener (body, command, event, view).
Payload: TypeAlias = dict[str, Any]
# The client Bolt hands a listener (ours: it answers within the 3 seconds). Listeners only pass it on to the
# ack path's helpers (slack/failures.py); a listener that needed Slack's Web API itself would use a notifier.
Client: TypeAlias = "WebClient"


def just_ack(ack: Ack) -> None:
    """The ack half of a listener whose work is all in its lazy half."""
    ack()


def slack_time(ts: str) -> datetime:
    """A message's own time, from its ts: the time a timeline or a request records."""
    return datetime.fromtimestamp(float(ts), UTC)


def clicked_in(body: dict[str, Any]) -> str | None:
    """The channel a button or shortcut was used in; None for a modal, which has no channel."""
    channel = body.get("channel") or {}
    return channel.get("id") or (body.get("container") or {}).get("channel_id")
