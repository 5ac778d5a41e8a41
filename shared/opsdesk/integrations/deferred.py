"""Integrations built on first use: the flows are wired on the cold start, an adapter only when a flow calls it.

So answering Slack never loads the Jira, PagerDuty or Confluence adapters (nor `jira` or `requests`): each
stand-in here forwards every call to the adapter its `build` returns, and `build` is only called then.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Generic, TypeVar

from opsdesk.domain.paging import Alerts
from opsdesk.domain.publishing import Pages

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from opsdesk.domain.paging import Alert
    from opsdesk.domain.requests import Stage
    from opsdesk.domain.tickets import Ticket, TicketTracker

T = TypeVar("T")


class DeferredTracker:
    """The configured tracker, built on first use so that wiring a flow loads no adapter."""

    enabled = True

    def __init__(self, build: Callable[[], TicketTracker]) -> None:
        self._build = build

    def find_by_label(self, label: str, known_ids: Sequence[str] = ()) -> Ticket | None:
        return self._build().find_by_label(label, known_ids)

    def create(self, summary: str, description: str, labels: list[str]) -> Ticket:
        return self._build().create(summary, description, labels)

    def comment(self, key: str, body: str) -> None:
        self._build().comment(key, body)

    def move(self, key: str, stage: Stage) -> None:
        self._build().move(key, stage)

    def set_priority(self, key: str, priority: str) -> None:
        self._build().set_priority(key, priority)

    def unassigned(self) -> list[Ticket]:
        return self._build().unassigned()


class DeferredAlerts(Alerts):
    """The configured pager, built on first use so that wiring the paging observer loads no adapter."""

    def __init__(self, build: Callable[[], Alerts]) -> None:
        self._build = build

    def trigger(self, alert: Alert) -> None:
        self._build().trigger(alert)

    def resolve(self, dedup_key: str) -> None:
        self._build().resolve(dedup_key)


class DeferredPages(Pages):
    """The configured Confluence space, built when a postmortem is first published."""

    def __init__(self, build: Callable[[], Pages]) -> None:
        self._build = build

    def publish(self, title: str, storage_html: str) -> str:
        return self._build().publish(title, storage_html)


class RebuiltOnChange(Generic[T]):
    """One adapter per credential value: rebuilt when the credential read now differs from the one it holds."""

    def __init__(self, credential: Callable[[], str], build: Callable[[str], T]) -> None:
        self._credential = credential
        self._build = build
        self._built: tuple[str, T] | None = None

    def __call__(self) -> T:
        value = self._credential()
        if self._built is None or self._built[0] != value:
            self._built = (value, self._build(value))
        return self._built[1]
