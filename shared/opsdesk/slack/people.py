"""People on Slack: display names for records read outside Slack (tickets, published postmortems)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError

if TYPE_CHECKING:
    from slack_sdk import WebClient

logger = logging.getLogger(__name__)


class SlackPeople:
    """Looks people up with `users.info`; a name that cannot be had is None, never a failure."""

    def __init__(self, client: WebClient) -> None:
        self.client = client

    def display_name(self, user: str) -> str | None:
        """The profile's real name, else its display name, else the account's; None for an unknown user."""
        try:
            person = self.client.users_info(user=user)["user"]
        except (SlackApiError, OSError, KeyError, TypeError) as error:  # a missing name must not fail the work
            logger.warning("users.info failed for %s: %s", user, type(error).__name__)
            return None
        profile = person.get("profile") or {}
        name = profile.get("real_name") or profile.get("display_name") or person.get("real_name") or person.get("name")
        return str(name) if name else None
