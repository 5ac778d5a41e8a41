"""The ticket-tracker port: what the support desk needs from Jira, and the no-op used when it is off.

The port lives in the domain so flows can name it without loading the Jira adapter (or the `jira`
client) on Slack's ack path; the adapter in `opsdesk.integrations.jira` implements it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from opsdesk.domain.errors import OpsdeskError

if TYPE_CHECKING:
    from opsdesk.domain.requests import Stage


class TrackerUnavailable(OpsdeskError):
    """Jira did not answer, or refused; the work is kept and retried."""


@dataclass(frozen=True)
class Ticket:
    key: str
    url: str
    summary: str = ""
    created: str = ""


class TicketTracker(Protocol):
    """What the support desk needs from a ticket tracker."""

    enabled: bool

    def find_by_label(self, label: str) -> Ticket | None: ...

    def create(self, summary: str, description: str, labels: list[str]) -> Ticket: ...

    def comment(self, key: str, body: str) -> None: ...

    def move(self, key: str, stage: Stage) -> None: ...

    def set_priority(self, key: str, priority: str) -> None: ...

    def unassigned(self) -> list[Ticket]: ...


class DisabledTracker:
    """Used when JIRA_URL is empty: nothing is filed, and callers say so."""

    enabled = False

    def find_by_label(self, label: str) -> Ticket | None:
        return None

    def create(self, summary: str, description: str, labels: list[str]) -> Ticket:
        raise TrackerUnavailable("Jira is not configured here (JIRA_URL is empty), so no ticket can be filed.")

    def comment(self, key: str, body: str) -> None:
        return None

    def move(self, key: str, stage: Stage) -> None:
        return None

    def set_priority(self, key: str, priority: str) -> None:
        return None

    def unassigned(self) -> list[Ticket]:
        return []
