"""People and links in Slack's mrkdwn: how the core's data reads in a message."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from opsdesk.domain.errors import OpsdeskError

# A user (U, W) or bot (B) id as Slack writes them; anything else (CloudWatch, on-call) is shown as it is.
_SLACK_ID = re.compile(r"[UWB][A-Z0-9]{2,}")


def mention(user: str) -> str:
    """A person as Slack shows them to each reader (their name, linked); a system's name as it is."""
    return f"<@{user}>" if _SLACK_ID.fullmatch(user) else user


def channel(channel_id: str) -> str:
    return f"<#{channel_id}>"


def link(url: str, text: str) -> str:
    return f"<{url}|{text}>"


def worded(error: OpsdeskError) -> str:
    """What a refusal says to the person in Slack: the people it names are mentioned."""
    return error.worded(mention)
