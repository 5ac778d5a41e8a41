"""Integrations built on first use: the flows are wired on the cold start, an adapter when a flow first calls it.

So answering Slack never loads the Jira, PagerDuty or Confluence adapters (nor `jira` or `requests`): each
stand-in here forwards every call to the adapter its `build` returns, and `build` is only called then.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Generic, TypeVar

from opsdesk.domain.paging import Alerts, NoAlerts
from opsdesk.domain.publishing import Pages
from opsdesk.domain.tickets import DisabledTracker

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from opsdesk.domain.paging import Alert
    from opsdesk.domain.requests import Stage
    from opsdesk.domain.tickets import Ticket, TicketTracker
    from opsdesk.integrations.jira import JiraTracker
    from opsdesk.integrations.pagerduty import PagerDutyEvents
    from opsdesk.secrets import Secrets
    from opsdesk.settings import Settings

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


class Integrations:
    """The integrations the settings turn on (the no-op for each that is off), each built when first used."""

    def __init__(self, settings: Settings, secrets: Secrets) -> None:
        self.settings = settings
        self.secrets = secrets

    @cached_property
    def tracker(self) -> TicketTracker:
        """Jira when JIRA_URL is set; otherwise the no-op, so call sites need no `if`."""
        return DeferredTracker(lambda: self.jira) if self.settings.jira_url else DisabledTracker()

    @cached_property
    def jira(self) -> JiraTracker:
        """Reads the API token in force whenever it builds its client; refreshes it once after a 401."""
        from opsdesk.integrations.jira import JiraTracker  # noqa: PLC0415  # loaded on first use, see `tracker`

        settings = self.settings
        return JiraTracker(
            settings.jira_url,
            settings.jira_project,
            settings.jira_email,
            token=lambda: self.secrets.jira_api_token,
            refresh_credentials=lambda: self.secrets.refresh("jira_api_token"),
            deployment=settings.jira_deployment,
        )

    @cached_property
    def alerts(self) -> Alerts:
        """PagerDuty when the paging trial is on; otherwise the no-op."""
        return DeferredAlerts(self._current_pagerduty) if self.settings.paging_enabled else NoAlerts()

    @cached_property
    def pagerduty(self) -> PagerDutyEvents:
        from opsdesk.integrations.pagerduty import PagerDutyEvents  # noqa: PLC0415  # loaded on first use

        return PagerDutyEvents(self.settings.pagerduty_events_url, self.secrets.pagerduty_routing_key)

    def _current_pagerduty(self) -> PagerDutyEvents:
        """The routing key is read at every page, so a key set or rotated after the deploy is the one sent."""
        events = self.pagerduty
        events.routing_key = self.secrets.pagerduty_routing_key
        return events

    @cached_property
    def confluence(self) -> Pages:
        """The team's Confluence space when CONFLUENCE_URL is set; otherwise the no-op."""
        if not self.settings.confluence_url:
            return Pages()
        return DeferredPages(lambda: self._confluence_current())  # noqa: PLW0108  # read at the first publish

    @cached_property
    def _confluence_current(self) -> RebuiltOnChange[Pages]:
        from opsdesk.integrations.confluence import ConfluencePages  # noqa: PLC0415  # loaded on first use

        settings = self.settings
        return RebuiltOnChange(
            lambda: self.secrets.jira_api_token,
            lambda token: ConfluencePages(
                settings.confluence_url, settings.confluence_space or settings.jira_project, settings.jira_email, token
            ),
        )
