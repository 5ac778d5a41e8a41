"""PagerDuty Events API v2: trigger and resolve alerts, retrying 429 and 5xx with urllib3's backoff.

The retries are urllib3's (`Retry` on the session's adapter): the first retry at once, then
`BACKOFF_FACTOR` x 2^(n-1) seconds, or the `Retry-After` PagerDuty asks for. A back-off the
invocation has no time for is not taken (opsdesk.deadline): the page fails now, and people are
told, rather than Lambda killing the run mid-sleep. PagerDuty's own words (its error body) go to
the log for an operator; the people in the incident thread are told what failed and what to do.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from urllib3.exceptions import MaxRetryError
from urllib3.util.retry import Retry

from opsdesk import deadline
from opsdesk.domain.paging import Alert, Alerts, PagingFailed

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import TracebackType
    from typing import Self

    import requests
    from urllib3.connectionpool import ConnectionPool
    from urllib3.response import BaseHTTPResponse

logger = logging.getLogger(__name__)

RETRIES = 3  # four attempts in all
BACKOFF_FACTOR = 0.5
# https://developer.pagerduty.com/docs/events-api-v2/overview/#response-codes--retry-logic: 429 and 5xx are worth
# retrying; 400 is an invalid event (or routing key), which sending again cannot fix.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_LOGGED_BODY = 1000


class OutOfTime(Exception):
    """The next back-off would pass the invocation's deadline."""


class PagerDutyRetry(Retry):
    """urllib3's retry that takes no back-off past the invocation's deadline, and sleeps through `pause`."""

    pause: Callable[[float], None] = staticmethod(time.sleep)

    def new(self, **kw: Any) -> Self:
        retry = super().new(**kw)
        retry.pause = self.pause
        return retry

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: BaseHTTPResponse | None = None,
        error: Exception | None = None,
        _pool: ConnectionPool | None = None,
        _stacktrace: TracebackType | None = None,
    ) -> Self:
        retry = super().increment(method, url, response, error, _pool, _stacktrace)
        wait = retry.wait(response)
        if not deadline.allows(wait):
            # As if the retries were spent: the pool hands back the last answer (or requests raises).
            raise MaxRetryError(_pool, url or "", OutOfTime(f"a {wait:.0f} s back-off would pass the deadline"))  # type: ignore[arg-type]
        return retry

    def wait(self, response: BaseHTTPResponse | None) -> float:
        """What `sleep` will wait: the server's Retry-After if it sent one, else the backoff."""
        if self.respect_retry_after_header and response is not None:
            after = self.get_retry_after(response)
            if after:
                return after
        return self.get_backoff_time()

    def sleep(self, response: BaseHTTPResponse | None = None) -> None:
        seconds = self.wait(response)
        if seconds > 0:
            self.pause(seconds)


@dataclass
class PagerDutyEvents(Alerts):
    """Sends events to the Events API v2 endpoint with a routing key."""

    url: str
    routing_key: str
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

    def _session(self) -> requests.Session:
        import requests  # noqa: PLC0415  # only when paging, never at import
        from requests.adapters import HTTPAdapter  # noqa: PLC0415

        if self.session is None:
            retry = PagerDutyRetry(
                total=RETRIES,
                backoff_factor=BACKOFF_FACTOR,
                status_forcelist=RETRY_STATUSES,
                allowed_methods=frozenset({"POST"}),  # the dedup_key makes a repeated event the same alert
                raise_on_status=False,
            )
            retry.pause = self.sleep
            self.session = requests.Session()
            self.session.mount(self.url, HTTPAdapter(max_retries=retry))
        return self.session

    def _send(self, event: dict[str, Any]) -> None:
        import requests  # noqa: PLC0415

        action, key = event["event_action"], event.get("dedup_key")
        try:
            response = self._session().post(self.url, json=event, timeout=self.timeout)
        except requests.RequestException as error:
            logger.warning("PagerDuty %s failed: %s", action, type(error).__name__, extra={"dedup_key": key})
            raise PagingFailed(_unreachable(action, key)) from None
        if response.status_code < 300:
            return
        logger.warning(
            "PagerDuty refused the %s event: HTTP %s",
            action,
            response.status_code,
            extra={"dedup_key": key, "status": response.status_code, "body": response.text[:MAX_LOGGED_BODY]},
        )
        raise PagingFailed(_refused(action, key, response.status_code))


def _unreachable(action: str, key: str | None) -> str:
    return f"PagerDuty could not be reached, {_consequence(action, key, retry_helps=True)}"


def _refused(action: str, key: str | None, status: int) -> str:
    """What people in the thread need: what failed and what to do (PagerDuty's own message is in the log)."""
    if status in RETRY_STATUSES:
        return f"PagerDuty did not accept the {action} (HTTP {status}) even after retrying, " + _consequence(
            action, key, retry_helps=True
        )
    reason = f"PagerDuty refused the {action} (HTTP {status}; its reason is in opsdesk's log), "
    return reason + _consequence(action, key, retry_helps=False)


def _consequence(action: str, key: str | None, *, retry_helps: bool) -> str:
    if action == "resolve":
        return f"so the alert is still open there: resolve {key} in PagerDuty."
    if retry_helps:
        return f"so nobody was paged; /incident page {key} tries again."
    return "so nobody was paged, and paging again will not help until an operator fixes the PagerDuty set-up."
