"""Slack's errors as the core's: flows react to NotifierUnavailable, never to slack_sdk."""

from __future__ import annotations

from typing import TYPE_CHECKING

from opsdesk.domain.errors import NotifierUnavailable

if TYPE_CHECKING:
    from slack_sdk.errors import SlackApiError


def unavailable(error: SlackApiError) -> NotifierUnavailable:
    """Slack's own error code (e.g. `channel_not_found`) is what a person or the log needs."""
    return NotifierUnavailable(str(error.response.get("error") or "slack_error"))
