"""The paging port: an alert, the small base class a pager implements, and the no-op used when paging is off.

In the domain so the paging flow can name them without loading the PagerDuty adapter (or `requests`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
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
