"""PagerDuty Events API v2: trigger and resolve alerts, retrying 429 and 5xx with bounded backoff."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from opsdesk.domain.paging import Alert, Alerts, PagingFailed

if TYPE_CHECKING:
    from collections.abc import Callable

    import requests


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
    # Made on the first page: `requests` costs tens of milliseconds to import, which a cold start should not pay.
    session: requests.Session | None = None

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
        import requests  # noqa: PLC0415  # only when paging, never at import

        if self.session is None:
            self.session = requests.Session()
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
