"""What the flows need from the outside world, as protocols the adapters implement.

Flows say who and what (an incident and the entry just recorded, a request and its ticket); the adapter
decides how it reads (Slack's mentions, emoji and mrkdwn live in `opsdesk.slack`, never here or in flows).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from datetime import datetime, timedelta

    from opsdesk.domain.alerts import AlertGroup, AlertNote
    from opsdesk.domain.day import Handover, MorningDigest
    from opsdesk.domain.incidents import Announcement, Incident, TimelineEntry
    from opsdesk.domain.postmortems import ActionItem
    from opsdesk.domain.requests import Raise, SupportRequest
    from opsdesk.domain.rota import Cover, OnDuty
    from opsdesk.domain.stats import WeeklyReport
    from opsdesk.domain.tickets import Ticket


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
class AfterHours:
    """What a requester is told when they ask out of hours: when support resumes, and the hours."""

    resumes: str  # "Monday 30 November at 08:00 (UK time)"
    hours: str  # "08:00-18:00 UK time, Monday to Friday (not bank holidays)"


@dataclass(frozen=True)
class Checklist:
    """The start-of-day checklist as posted: the pair, its sections as the notifier wrote them, who ticked what.

    The sections are kept as posted, so a tick redraws the same message rather than a new one.
    """

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
    """Tells people about incidents (Slack in production)."""

    def announce(self, incident: Incident, *, recovering: bool = False) -> Announcement:
        """Post the announcement; when recovering, first look for one a crashed run posted."""
        ...

    def refresh(self, incident: Incident) -> None: ...

    def recorded(self, incident: Incident, entry: TimelineEntry, *, recovering: bool = False) -> None:
        """Tell the thread what was just recorded (a new lead, an update, an alarm, a page, a note).

        The message is named after the entry, so a recovering run finds it and does not post it twice.
        """
        ...

    def lead_taken_over(
        self, incident: Incident, entry: TimelineEntry, previous: str, *, recovering: bool = False
    ) -> None:
        """Tell the thread, and the previous lead, that someone took the lead over from them (keyed, as above)."""
        ...

    def resolved(self, incident: Incident, *, key: str, recovering: bool = False) -> None:
        """Say in the thread that it is resolved, thanking those who took part.

        A `key` names the message, so a recovering run finds it and does not post it twice.
        """
        ...

    def tell_leadership(self, incident: Incident, headline: str, *, key: str = "", recovering: bool = False) -> None:
        """DM the leadership contacts about a high-priority incident (every one with LEADERSHIP_NOTIFY=all).

        `key` names the message so a recovering run sends it once.
        """
        ...

    def ask_checkin(self, incident: Incident, *, key: str = "", recovering: bool = False) -> None:
        """Ask the hourly check-in's two questions in the thread, with answer buttons (`key` names it, as above)."""
        ...

    def update_overdue(
        self, incident: Incident, person: str | None, silent: timedelta, *, key: str = "", recovering: bool = False
    ) -> None:
        """Remind comms (else the lead, else whoever reads) in the thread that no update went out for `silent`."""
        ...

    def call_for_help(self, incident: Incident, asked_by: str, *, key: str = "", recovering: bool = False) -> None:
        """Tell the whole ops channel that the incident needs more people or skills (`key` names it, as above)."""
        ...

    def offer_resolve_after_recovery(self, incident: Incident, alarm_name: str) -> None:
        """Say the alarm is OK again and offer to resolve (people decide, not the alarm)."""
        ...

    def ask_for_postmortem(self, incident: Incident, owner: str, *, reminder: bool = False) -> None:
        """Ask the owner, in the thread and in private, to book the postmortem session (also the daily reminder)."""
        ...

    def action_overdue(self, incident_id: str, item: ActionItem) -> None:
        """Remind an action item's owner that it is overdue (or, with no due date, still open).

        NotifierUnavailable when they cannot be told.
        """
        ...

    def paging_failed(self, incident: Incident, reason: str) -> None:
        """Say in the thread that PagerDuty could not be paged, and what to do instead."""
        ...

    def thread_link(self, incident: Incident) -> str:
        """A link to the incident's thread ("" when there is none or it cannot be had)."""
        ...


class SupportNotifier(Protocol):
    """Talks to people about support requests, in the request's thread and in private."""

    def post_request(self, channel: str, requester: str, text: str) -> str:
        """Post a request raised with `/support <text>` in the ops channel; return its ts."""
        ...

    def mark_received(self, request: SupportRequest) -> None:
        """Acknowledge the request quietly (a reaction), once."""
        ...

    def post_panel(
        self, request: SupportRequest, *, on_duty: OnDuty | None = None, after_hours: AfterHours | None = None
    ) -> str:
        """Post the panel (stage and buttons) in the thread, naming who is on support now, or when support resumes."""
        ...

    def refresh(self, request: SupportRequest) -> None:
        """Show the request's current stage on its panel (and on its raises in the team channel)."""
        ...

    def linked_to_incident(self, request: SupportRequest) -> None:
        """Say in the thread that the request is now an incident, and that it is done when the incident is."""
        ...

    def raise_untaken(self, request: SupportRequest, level: Raise, on_duty: OnDuty, waited: timedelta) -> str:
        """Ask in the team channel for someone to take a request nobody has taken; return the post's ts."""
        ...

    def remind_cover(self, cover: Cover, waiting: int) -> None:
        """Tell the cover person their window has started; NotifierUnavailable when they cannot be told."""
        ...

    def taken(self, request: SupportRequest) -> None:
        """Say in the thread who is now working on it."""
        ...

    def moved(self, request: SupportRequest, why: str) -> None:
        """Say in the thread that it moved to another stage, and why (its ticket moved on the board)."""
        ...

    def suggest_ticket(self, request: SupportRequest, on_duty: OnDuty) -> None:
        """The triage rule's question (worked longer than TRIAGE_MINUTES) to who is on support, one-click ticket."""
        ...

    def ticket_raised(self, request: SupportRequest, ticket: Ticket, engineer: str | None) -> None:
        """Tell the thread, and the product manager, that the ticket exists and who is working on it."""
        ...

    def ticket_pending(self, request: SupportRequest, reason: str) -> None:
        """Say in the thread that Jira is not answering, and that the ticket will be filed when it does."""
        ...

    def ticket_refused(self, request: SupportRequest, reason: str) -> None:
        """Say in the thread why Jira refused the ticket, and that a person must fix it and ask again."""
        ...

    def ask_for_rating(self, request: SupportRequest) -> None: ...

    def original_deleted(self, request: SupportRequest) -> None:
        """Say in the thread that the message that opened the request was deleted, and what happens next."""
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

    def post_board_issue(self, ticket: Ticket, reporter: str) -> None:
        """Post an issue raised straight on the board to the team for triage, with its buttons."""
        ...

    def board_issue_taken(self, where: Posted, key: str, headline: str, taken_by: str) -> None:
        """Show on a board issue's triage post who took it (the buttons go)."""
        ...


class DayNotifier(Protocol):
    """Posts the working day's messages to the team channel and keeps them current."""

    def post_checklist(self, day: str, pair: Sequence[str], digest: MorningDigest) -> tuple[Posted, Checklist]:
        """Post the start-of-day checklist; return where, and the checklist as posted (to redraw on a tick)."""
        ...

    def show_ticks(self, where: Posted, checklist: Checklist) -> None:
        """Edit the checklist in place to show who ticked what."""
        ...

    def post_handover(self, day: str, on_call: str | None, handover: Handover) -> Posted: ...

    def send_handover_to_on_call(self, on_call: str, handover: Handover) -> None: ...

    def show_handover_done(self, where: Posted, day: str, on_call: str | None, handover: Handover, by: str) -> None: ...

    def nudge_about_handover(self, pair: Sequence[str]) -> None:
        """Remind today's pair at 18:00 that nobody has handed over to on call."""
        ...

    def messages_since(self, channel: str, since: datetime, until: datetime) -> int:
        """How many messages people wrote in a channel; NotifierUnavailable when it cannot be read."""
        ...

    def post_weekly_report(self, report: WeeklyReport) -> None:
        """Post last week's numbers, with their chart, to the team in one message."""
        ...


class People(Protocol):
    """Who people are, for records read outside Slack (tickets, published postmortems)."""

    def display_name(self, user: str) -> str | None:
        """A person's name as Slack shows it; None when it cannot be had (a deactivated or unknown user)."""
        ...


class Team(Protocol):
    """Who is on the support team."""

    def is_member(self, user: str) -> bool: ...


class IncidentObserver(Protocol):
    """Reacts to incident milestones (postmortems, paging); called after the change is stored."""

    def on_declared(self, incident: Incident) -> None: ...

    def on_priority_changed(self, incident: Incident) -> None: ...

    def on_resolved(self, incident: Incident) -> None: ...


class AlertNotifier(Protocol):
    """Shows alert groups to the support team (their channel in Slack), each one message edited in place."""

    def post(self, group: AlertGroup, *, recovering: bool = False) -> Posted:
        """Post the group's message; when recovering, first look for one a crashed run posted."""
        ...

    def refresh(self, group: AlertGroup) -> None:
        """Show the group's current truth (count, alarms, decision) in its message."""
        ...

    def note(self, group: AlertGroup, note: AlertNote, *, key: str, recovering: bool = False) -> None:
        """Say in the group's thread what happened; `key` names the line so a recovering run posts it once."""
        ...
