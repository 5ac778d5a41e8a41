"""The support team: a list of user ids, or a Slack user group resolved once per container."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from slack_sdk import WebClient


class SlackTeam:
    """Answers "is this person on the support team?" from settings or a user group."""

    def __init__(self, ids: tuple[str, ...], client: WebClient) -> None:
        self._ids = ids
        self._client = client
        self._members: frozenset[str] | None = None

    def members(self) -> frozenset[str]:
        if self._members is None:
            members: set[str] = set()
            for entry in self._ids:
                if entry.startswith("S"):  # a user group id
                    response = self._client.usergroups_users_list(usergroup=entry)
                    members.update(response.get("users", []))
                else:
                    members.add(entry)
            self._members = frozenset(members)
        return self._members

    def is_member(self, user: str) -> bool:
        return user in self.members()

    @property
    def resolves_without_slack(self) -> bool:
        """True when membership needs no API call, so the ack path may check it."""
        return not any(entry.startswith("S") for entry in self._ids)
