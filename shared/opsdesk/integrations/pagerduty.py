"""PagerDuty Events API v2: trigger and resolve alerts, retrying 429 and 5xx with bounded backoff."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import requests

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime


class PagingFailed(Exception):
    """PagerDuty refused the event, or kept failing after every retry."""


@dataclass(frozen=True)
class Alert:
    """What a page says: the incident id is the dedup key, so resolve finds the same alert."""

    dedup_key: str
    summary: str
    source: str
    timestamp: datetime
    links: tuple[tuple[str, str], ...] = ()


class Alerts:
    """The paging port: a real PagerDuty client or the no-op used when paging is off."""

    enabled = True

    def trigger(self, alert: Alert) -> None:
        raise NotImplementedError

    def resolve(self, dedup_key: str) -> None:
        raise NotImplementedError


class NoAlerts(Alerts):
    """Paging is off: nothing is sent, and call sites need no `if`."""

    enabled = False

    def trigger(self, alert: Alert) -> None:
        return None

    def resolve(self, dedup_key: str) -> None:
        return None


@dataclass
class PagerDutyEvents(Alerts):
    """Sends events to the Events API v2 endpoint with a routing key."""

    url: str
    routing_key: str
    attempts: int = 4
    backoff_seconds: float = 0.5
    timeout: float = 5.0
    # Injectable so tests travel in time instead of sleeping.
    sleep: Callable[[float], None] = field(default=time.sleep)
    session: requests.Session = field(default_factory=requests.Session)

    def trigger(self, alert: Alert) -> None:
        self._send(
            {
                "routing_key": self.routing_key,
                "event_action": "trigger",
                "dedup_key": alert.dedup_key,
                "payload": {
                    "summary": alert.summary[:1024],
                    "source": alert.source,
                    "severity": "critical",
                    "timestamp": alert.timestamp.isoformat(),
                },
                "client": "opsdesk",
                "links": [{"href": href, "text": text} for href, text in alert.links if href],
            }
        )

    def resolve(self, dedup_key: str) -> None:
        self._send({"routing_key": self.routing_key, "event_action": "resolve", "dedup_key": dedup_key})

    def _send(self, event: dict[str, Any]) -> None:
        last = ""
        for attempt in range(self.attempts):
            if attempt:
                self.sleep(self.backoff_seconds * 2 ** (attempt - 1))
            try:
                response = self.session.post(self.url, json=event, timeout=self.timeout)
            except requests.RequestException as error:
                last = f"{type(error).__name__}"
                continue
            if response.status_code < 300:
                return
            last = f"HTTP {response.status_code}: {response.text[:200]}"
            # A 400 is a malformed event: sending it again cannot help.
            if response.status_code != 429 and response.status_code < 500:
                break
        raise PagingFailed(f"PagerDuty did not accept the {event['event_action']} event ({last}).")
