"""What the flows need from the outside world, as protocols the adapters implement."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from datetime import datetime

    from opsdesk.domain.incidents import Announcement, Incident, TimelineEntry
    from opsdesk.domain.requests import SupportRequest


@dataclass(frozen=True)
class Posted:
    """Where a message went, so it can be edited in place later."""

    channel: str
    ts: str


@dataclass(frozen=True)
class ThreadMessage:
    """One message a person wrote in a request's thread (the app's own are left out)."""

    author: str
    text: str


@dataclass(frozen=True)
class RequestThread:
    """A request's conversation, as the ticket's record needs it."""

    messages: tuple[ThreadMessage, ...]
    link: str = ""


@dataclass(frozen=True)
class Checklist:
    """The start-of-day checklist as posted: the pair, the sections, and who ticked which item."""

    day: str
    pair: tuple[str, ...]
    sections: tuple[str, ...]
    # item -> "user@iso time" of whoever ticked it first
    ticks: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Ticks:
    """Who ticked which checklist item, and the version a save of them is conditional on."""

    ticks: Mapping[str, str] = field(default_factory=dict)
    version: int = 0


class IncidentNotifier(Protocol):
    """Tells people about incidents (Slack in production, a recorder in tests)."""

    def announce(self, incident: Incident, *, recovering: bool = False) -> Announcement:
        """Post the announcement; when recovering, first look for one a crashed run posted."""
        ...

    def refresh(self, incident: Incident) -> None: ...

    def post_in_thread(self, incident: Incident, text: str, *, key: str = "", recovering: bool = False) -> None:
        """Post plain text in the incident's thread; messages with buttons have a method of their own.

        A `key` names the message, so a recovering run finds it and does not post it twice.
        """
        ...

    def tell_leadership(self, incident: Incident, headline: str, *, key: str = "", recovering: bool = False) -> None:
        """DM the leadership contacts; `key` names the message so a recovering run sends it once."""
        ...

    def tell_user(self, user: str, text: str, *, channel: str | None = None) -> None: ...

    def timeline_entry_posted(self, incident: Incident, entry: TimelineEntry) -> None: ...

    def ask_checkin(self, incident: Incident) -> None:
        """Ask the hourly check-in's two questions in the thread, with answer buttons."""
        ...

    def offer_resolve_after_recovery(self, incident: Incident, alarm_name: str) -> None:
        """Say the alarm is OK again and offer to resolve (people decide, not the alarm)."""
        ...

    def ask_for_postmortem(self, incident: Incident, text: str) -> None:
        """Ask in the thread for the postmortem to be booked, with its buttons (also the daily reminder)."""
        ...


class SupportNotifier(Protocol):
    """Talks to people about support requests, in the request's thread and in private."""

    def post_request(self, channel: str, requester: str, text: str) -> str:
        """Post a request raised with `/support <text>` in the ops channel; return its ts."""
        ...

    def mark_received(self, request: SupportRequest) -> None:
        """Acknowledge the request quietly (a reaction), once."""
        ...

    def post_panel(self, request: SupportRequest, *, support_resumes: str = "") -> str:
        """Post the panel (stage and buttons) in the thread; `support_resumes` when asked out of hours."""
        ...

    def refresh(self, request: SupportRequest) -> None:
        """Show the request's current stage on its panel."""
        ...

    def say(self, request: SupportRequest, text: str) -> None: ...

    def suggest_ticket(self, request: SupportRequest) -> None:
        """The 15-minute rule's question, with a one-click "raise a ticket"."""
        ...

    def ask_for_rating(self, request: SupportRequest) -> None: ...

    def original_deleted(self, request: SupportRequest) -> None:
        """Say in the thread that the message that opened the request was deleted, and what happens next."""
        ...

    def tell(self, user: str, text: str, *, channel: str | None = None, thread_ts: str | None = None) -> None:
        """Tell one person: visible only to them in `channel`, else in a direct message."""
        ...

    def point_to_ops_channel(self, channel: str) -> None:
        """Answer a direct message with a pointer to the ops channel."""
        ...

    def thread_of(self, request: SupportRequest) -> RequestThread:
        """The request's conversation and a link to it; NotifierUnavailable when it cannot be read."""
        ...

    def permalink(self, channel: str, ts: str) -> str:
        """A link to one message; NotifierUnavailable when there is none."""
        ...

    def name_of(self, user: str) -> str:
        """A person's name for records outside Slack (their id when it cannot be looked up)."""
        ...

    def board_issue_taken(self, where: Posted, key: str, headline: str, taken_by: str) -> None:
        """Show on a board issue's triage post who took it (the buttons go)."""
        ...


class DayNotifier(Protocol):
    """Posts the working day's messages to the team channel and keeps them current."""

    def post_checklist(self, checklist: Checklist) -> Posted: ...

    def show_ticks(self, where: Posted, checklist: Checklist) -> None:
        """Edit the checklist in place to show who ticked what."""
        ...

    def post_handover(self, day: str, on_call: str | None, sections: Sequence[str]) -> Posted: ...

    def send_handover_to_on_call(self, on_call: str, sections: Sequence[str]) -> None: ...

    def show_handover_done(
        self, where: Posted, day: str, on_call: str | None, sections: Sequence[str], by: str
    ) -> None: ...

    def nudge_about_handover(self, pair: Sequence[str]) -> None:
        """Remind today's pair at 18:00 that nobody has handed over to on call."""
        ...

    def messages_since(self, channel: str, since: datetime, until: datetime) -> int:
        """How many messages people wrote in a channel; NotifierUnavailable when it cannot be read."""
        ...


class Team(Protocol):
    """Who is on the support team."""

    def is_member(self, user: str) -> bool: ...


class IncidentObserver(Protocol):
    """Reacts to incident milestones (postmortems, paging); called after the change is stored."""

    def on_declared(self, incident: Incident) -> None: ...

    def on_priority_changed(self, incident: Incident) -> None: ...

    def on_resolved(self, incident: Incident) -> None: ...
