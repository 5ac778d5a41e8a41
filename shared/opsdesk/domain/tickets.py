"""The ticket-tracker port: what the support desk needs from Jira, and the no-op used when it is off.

The port lives in the domain so flows can name it without loading the Jira adapter (or the `jira`
client) on Slack's ack path; the adapter in `opsdesk.integrations.jira` implements it.

Text handed to the port (descriptions, comments) is plain text: the adapter renders it for the
tracker, so nothing a person typed is read as the tracker's markup.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from opsdesk.domain.errors import OpsdeskError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from opsdesk.domain.requests import Stage


class TrackerError(OpsdeskError):
    """Jira did not do what was asked; the message says why, fit to show a person."""


class TrackerUnavailable(TrackerError):
    """Jira did not answer, or was busy (5xx, 429, a timeout): the same call may work later."""


class TrackerRefused(TrackerError):
    """Jira refused for a reason a retry cannot fix (a removed API, invalid fields, no permission, credentials)."""


@dataclass(frozen=True)
class Ticket:
    key: str
    url: str
    summary: str = ""
    created: str = ""
    id: str = ""


class TicketTracker(Protocol):
    """What the support desk needs from a ticket tracker."""

    enabled: bool

    def find_by_label(self, label: str, known_ids: Sequence[str] = ()) -> Ticket | None:
        """The oldest ticket in the project with this label; `known_ids` are read fresh (search may lag)."""
        ...

    def create(self, summary: str, description: str, labels: list[str]) -> Ticket: ...

    def comment(self, key: str, body: str) -> None: ...

    def move(self, key: str, stage: Stage) -> None: ...

    def set_priority(self, key: str, priority: str) -> None: ...

    def unassigned(self) -> list[Ticket]: ...


class DisabledTracker:
    """Used when JIRA_URL is empty: nothing is filed, and callers say so."""

    enabled = False

    def find_by_label(self, label: str, known_ids: Sequence[str] = ()) -> Ticket | None:
        return None

    def create(self, summary: str, description: str, labels: list[str]) -> Ticket:
        raise TrackerRefused("Jira is not configured here (JIRA_URL is empty), so no ticket can be filed.")

    def comment(self, key: str, body: str) -> None:
        return None

    def move(self, key: str, stage: Stage) -> None:
        return None

    def set_priority(self, key: str, priority: str) -> None:
        return None

    def unassigned(self) -> list[Ticket]:
        return []
