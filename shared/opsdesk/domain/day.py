"""The working day's messages as data: what the start-of-day checklist and the end-of-day handover report."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import datetime

    from opsdesk.domain.incidents import Incident
    from opsdesk.domain.requests import SupportRequest
    from opsdesk.domain.tickets import Ticket

# How many requests, tickets or incidents one list of the day's messages names; the rest are counted.
LISTED = 20


@dataclass(frozen=True)
class Board:
    """The board at the start of the day: its unassigned tickets, or why they are not known."""

    configured: bool
    tickets: tuple[Ticket, ...] = ()  # the first LISTED
    total: int = 0
    error: str = ""  # Jira could not be read


@dataclass(frozen=True)
class Overnight:
    """What happened since support closed: incidents, possible pages, how busy the ops channel was."""

    since: datetime
    incidents: tuple[Incident, ...]
    ops_channel: str
    may_have_paged: int = 0  # high-priority incidents while paging was on
    messages: int | None = None  # None: the channel could not be read
    unread_because: str = ""


@dataclass(frozen=True)
class MorningDigest:
    """The start-of-day checklist's sections, as of `at`."""

    at: datetime
    waiting: tuple[SupportRequest, ...]  # the first LISTED requests nobody has taken
    waiting_total: int
    board: Board
    overnight: Overnight


@dataclass(frozen=True)
class Handover:
    """The end-of-day handover: open high-priority incidents and the requests still being worked on."""

    high: tuple[Incident, ...]
    in_progress: tuple[SupportRequest, ...]
