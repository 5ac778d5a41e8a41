"""Wiring: adapters built once per container from settings and secrets."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import TYPE_CHECKING

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from opsdesk.flows.incidents import IncidentFlows
from opsdesk.slack.day_notifier import SlackDayNotifier
from opsdesk.slack.notifier import SlackIncidentNotifier
from opsdesk.slack.support_notifier import SlackSupportNotifier
from opsdesk.slack.team import SlackTeam
from opsdesk.store.incidents import IncidentRepository

if TYPE_CHECKING:
    from collections.abc import Callable

    from opsdesk.domain.ports import DayNotifier, SupportNotifier
    from opsdesk.secrets import Secrets
    from opsdesk.settings import Settings


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Services:
    """Everything a handler needs; tests build one with their own clock and stand-in URLs."""

    settings: Settings
    secrets: Secrets
    now: Callable[[], datetime] = field(default=utc_now)

    @cached_property
    def slack(self) -> WebClient:
        """For work after the ack: retries rate limits (it may sleep for Retry-After)."""
        return WebClient(
            token=self.secrets.slack_bot_token,
            base_url=self.settings.slack_api_url,
            timeout=10,
            retry_handlers=[
                ConnectionErrorRetryHandler(max_retry_count=2),
                RateLimitErrorRetryHandler(max_retry_count=2),
                ServerErrorRetryHandler(max_retry_count=2),
            ],
        )

    @cached_property
    def slack_ack(self) -> WebClient:
        """For the 3-second path (views.open): never sleeps on a rate limit."""
        return WebClient(token=self.secrets.slack_bot_token, base_url=self.settings.slack_api_url, timeout=2)

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
