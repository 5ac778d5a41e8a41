"""The support team: a list of user ids, or Slack user groups asked again every few minutes."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError

from opsdesk.domain.errors import NotifierUnavailable

if TYPE_CHECKING:
    from collections.abc import Callable

    from slack_sdk import WebClient

logger = logging.getLogger(__name__)

# As long as a secret is cached (secrets.py): someone added to the group in Slack is on the team within five
# minutes, without a new container, and a busy team costs one usergroups.users.list call per container per 5 min.
REFRESH_SECONDS = 300.0


class TeamUnknown(NotifierUnavailable):
    """Slack could not say who is on the support team, and no earlier answer is known."""


class SlackTeam:
    """Answers "is this person on the support team?" from settings or user groups.

    A user group's members are cached for REFRESH_SECONDS. When Slack cannot answer (a missing
    `usergroups:read` scope, a deleted group, an outage), the last known members stand and the failure is
    logged; with no earlier answer the check fails with a sentence safe to show, never as a refusal.
    """

    def __init__(self, ids: tuple[str, ...], client: WebClient, clock: Callable[[], float] = time.monotonic) -> None:
        self._ids = ids
        self._client = client
        self._clock = clock
        self._members: frozenset[str] | None = None
        self._asked_at = 0.0

    @property
    def resolves_without_slack(self) -> bool:
        """True when membership needs no API call, so the ack path may check it."""
        return not any(entry.startswith("S") for entry in self._ids)

    def members(self) -> frozenset[str]:
        if self.resolves_without_slack:
            return frozenset(self._ids)
        now = self._clock()
        if self._members is None or now - self._asked_at >= REFRESH_SECONDS:
            self._members = self._ask_slack()
            self._asked_at = now
        return self._members

    def is_member(self, user: str) -> bool:
        return user in self.members()

    def known_outsider(self, user: str) -> bool:
        """True when `user` is known, without a Slack call, to be outside the team: the 3-second path may refuse.

        With a user group the answer needs Slack, so the ack path lets the request through and the flow refuses.
        """
        return self.resolves_without_slack and not self.is_member(user)

    def _ask_slack(self) -> frozenset[str]:
        members: set[str] = set()
        try:
            for entry in self._ids:
                if entry.startswith("S"):  # a user group id
                    members.update(self._client.usergroups_users_list(usergroup=entry).get("users", []))
                else:
                    members.add(entry)
        except SlackApiError as error:
            code = str(error.response.get("error") or "slack_error")
            if self._members is not None:
                logger.warning("support team's user group unreadable (%s): the last known members stand", code)
                return self._members
            logger.error("support team's user group unreadable (%s): check SUPPORT_TEAM_IDS and usergroups:read", code)
            raise TeamUnknown(
                f"Slack could not say who is on the support team just now ({code}). Please try again in a minute."
            ) from error
        return frozenset(members)
