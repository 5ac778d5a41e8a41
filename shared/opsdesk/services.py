"""Wiring: adapters built once per container from settings and secrets."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Generic, TypeVar

from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from opsdesk.domain.paging import Alerts, NoAlerts
from opsdesk.domain.publishing import Pages
from opsdesk.domain.tickets import DisabledTracker
from opsdesk.flows.incidents import IncidentFlows
from opsdesk.slack.access import ChannelAccess, WatchedWebClient, own_channels
from opsdesk.slack.client import CurrentTokenClient
from opsdesk.slack.day_notifier import SlackDayNotifier
from opsdesk.slack.notifier import SlackIncidentNotifier
from opsdesk.slack.support_notifier import SlackSupportNotifier
from opsdesk.slack.team import SlackTeam
from opsdesk.store.incidents import IncidentRepository

T = TypeVar("T")

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from slack_sdk import WebClient

    from opsdesk.domain.paging import Alert
    from opsdesk.domain.ports import DayNotifier, SupportNotifier
    from opsdesk.domain.requests import Stage
    from opsdesk.domain.tickets import Ticket, TicketTracker
    from opsdesk.integrations.jira import JiraTracker
    from opsdesk.integrations.pagerduty import PagerDutyEvents
    from opsdesk.secrets import Secrets
    from opsdesk.settings import Settings


def utc_now() -> datetime:
    return datetime.now(UTC)


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


@dataclass
class Services:
    """Everything a handler needs; tests build one with their own clock and stand-in URLs."""

    settings: Settings
    secrets: Secrets
    now: Callable[[], datetime] = field(default=utc_now)

    @cached_property
    def slack(self) -> WebClient:
        """For work after the ack: retries rate limits (it may sleep for Retry-After); channel refusals are logged."""
        client = WatchedWebClient(
            self._bot_token,
            self._refresh_bot_token,
            base_url=self.settings.slack_api_url,
            timeout=10,
            retry_handlers=[
                ConnectionErrorRetryHandler(max_retry_count=2),
                RateLimitErrorRetryHandler(max_retry_count=2),
                ServerErrorRetryHandler(max_retry_count=2),
            ],
        )
        client.access = self.channel_access
        return client

    @cached_property
    def channel_access(self) -> ChannelAccess:
        """Which of opsdesk's channels it is not in: logged once per container, shown on the App Home."""
        return ChannelAccess(own_channels(self.settings))

    @cached_property
    def slack_ack(self) -> WebClient:
        """For the 3-second path (views.open): never sleeps on a rate limit."""
        return CurrentTokenClient(
            self._bot_token, self._refresh_bot_token, base_url=self.settings.slack_api_url, timeout=2
        )

    def _bot_token(self) -> str:
        return self.secrets.slack_bot_token

    def _refresh_bot_token(self) -> None:
        self.secrets.refresh("slack_bot_token")

    @cached_property
    def team(self) -> SlackTeam:
        return SlackTeam(self.settings.support_team_ids, self.slack)

    @cached_property
    def incident_repository(self) -> IncidentRepository:
        return IncidentRepository(self.settings.table_name)

    @cached_property
    def status_url(self) -> str:
        base = self.settings.public_base_url.rstrip("/")
        return f"{base}/status" if base else ""

    @cached_property
    def support_notifier(self) -> SupportNotifier:
        settings = self.settings
        return SlackSupportNotifier(self.slack, settings.ops_channel_id, paging_enabled=settings.paging_enabled)

    @cached_property
    def day_notifier(self) -> DayNotifier:
        return SlackDayNotifier(self.slack, self.settings.team_channel_id)

    # Integrations: the flows are wired when the app is built, on the cold start, but an adapter's
    # module (and its `jira` or `requests` client) is loaded only when a flow first uses it.
    @cached_property
    def tracker(self) -> TicketTracker:
        """Jira when JIRA_URL is set; otherwise the no-op, so call sites need no `if`."""
        if not self.settings.jira_url:
            return DisabledTracker()
        return DeferredTracker(lambda: self.jira)

    @cached_property
    def jira(self) -> JiraTracker:
        """Reads the API token in force whenever it builds its client; refreshes it once after a 401."""
        from opsdesk.integrations.jira import JiraTracker  # noqa: PLC0415  # see `tracker`

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
        if not self.settings.paging_enabled:
            return NoAlerts()
        return DeferredAlerts(self._current_pagerduty)

    @cached_property
    def pagerduty(self) -> PagerDutyEvents:
        from opsdesk.integrations.pagerduty import PagerDutyEvents  # noqa: PLC0415  # see `tracker`

        return PagerDutyEvents(self.settings.pagerduty_events_url, self.secrets.pagerduty_routing_key)

    def _current_pagerduty(self) -> PagerDutyEvents:
        """The routing key is read at every page, so a key set or rotated after the deploy is the one sent."""
        events = self.pagerduty
        events.routing_key = self.secrets.pagerduty_routing_key
        return events

    @property
    def confluence(self) -> Pages:
        """The team's Confluence space when CONFLUENCE_URL is set; otherwise the no-op (read only when publishing)."""
        if not self.settings.confluence_url:
            return Pages()
        return self._confluence_current()

    @cached_property
    def _confluence_current(self) -> RebuiltOnChange[Pages]:
        from opsdesk.integrations.confluence import ConfluencePages  # noqa: PLC0415  # see `tracker`

        settings = self.settings
        return RebuiltOnChange(
            lambda: self.secrets.jira_api_token,
            lambda token: ConfluencePages(
                settings.confluence_url, settings.confluence_space or settings.jira_project, settings.jira_email, token
            ),
        )

    @cached_property
    def incidents(self) -> IncidentFlows:
        notifier = SlackIncidentNotifier(
            self.slack, self.settings.ops_channel_id, self.settings.leadership_ids, self.status_url
        )
        from opsdesk.observers import incident_observers  # noqa: PLC0415  # they need the flows' services

        return IncidentFlows(self.incident_repository, notifier, self.team, incident_observers(self), now=self.clock)

    def clock(self) -> datetime:
        """Now, read late: a clock swapped in after start-up (tests travelling in time) is the one used."""
        return self.now()
