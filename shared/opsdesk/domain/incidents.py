"""Incidents as the process defines them: declared, led, communicated, resolved."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import TYPE_CHECKING

from opsdesk.domain.errors import Conflict, InvalidRequest

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime, timedelta

    from opsdesk.domain.public_status import PublicNotice

HIGH_PRIORITY_CRITERIA = (
    "Service outage of a user-facing service",
    "Slowdown or degradation of a user-facing service",
    "Failure of a system that stops one or more teams from working",
    "Failure of a system that creates a major vulnerability in the cloud platform",
)


SERVICE_LENGTH = 100  # a service's name, as availability reports group by it


class Priority(StrEnum):
    HIGH = "high"
    NORMAL = "normal"


class Status(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class Source(StrEnum):
    SLACK = "slack"
    ALARM = "alarm"


class Followup(StrEnum):
    """Work owed after a change is stored (messages, observers): recorded with it, cleared when done."""

    ANNOUNCE = "announce"
    RESOLUTION = "resolution"
    CALL_FOR_HELP = "call_for_help"  # the check-in's one broadcast asking the channel for more people
    NOW_HIGH = "now_high"  # leadership hears of high-priority incidents: one raised to high is news to them
    CHECKIN_QUESTION = "checkin_question"  # the hourly check-in's questions in the thread (the way to call for help)
    UPDATE_REMINDER = "update_reminder"  # comms reminded in the thread that no update went out on schedule


class EntryKind(StrEnum):
    DETECTED = "detected"  # a postmortem's first line: when the first alarm went off
    DECLARED = "declared"
    LEAD = "lead"
    COMMS = "comms"
    UPDATE = "update"
    PRIORITY = "priority"
    ALARM = "alarm"
    RECOVERED = "recovered"
    NOTE = "note"
    CHECKIN = "checkin"
    CHECKIN_ANSWER = "checkin_answer"
    PAGE = "page"
    RESOLVED = "resolved"
    REOPENED = "reopened"
    PUBLISHED = "published"  # on the public status page, under a public title
    PUBLIC_UPDATE = "public_update"
    UNPUBLISHED = "unpublished"


def _as_written(text: str) -> str:
    return text


@dataclass(frozen=True)
class TimelineEntry:
    """One thing that happened during an incident: what, when, who did it and whom it concerns.

    People stay data (`actor`, `subject`: Slack user ids, or a system's name) apart from the words
    (`text`: what a person wrote, or the plain sentence of a system event), so each reader shows them
    its own way: a Slack mention in the thread, a display name on the published postmortem.
    """

    at: datetime
    kind: EntryKind
    text: str = ""
    actor: str | None = None
    source_key: str = ""
    subject: str | None = None  # the new lead or comms, a quoted message's author, who was paged
    priority: Priority | None = None  # the priority it was declared with or changed to
    # Recorded before people were kept apart from the words: `text` is the whole entry, in Slack's markup.
    verbatim: bool = False

    @property
    def sort_key(self) -> str:
        return f"TL#{self.at.isoformat()}#{self.source_key}"

    def describe(self, person: Callable[[str], str], words: Callable[[str], str] = _as_written) -> str:
        """The entry as one sentence, each person shown as `person` shows them (a system's name as it is).

        What people (or other systems) wrote goes through `words`: Slack makes it literal, a page scrubs it.
        """
        text = words(self.text)
        if self.verbatim:
            return text
        actor = person(self.actor) if self.actor else "someone"
        subject = person(self.subject) if self.subject else ""
        by_other = f" (set by {actor})" if self.actor != self.subject else ""
        sentences: dict[EntryKind, Callable[[], str]] = {
            EntryKind.DECLARED: lambda: f"Declared by {actor} ({self.priority} priority): {text}",
            EntryKind.LEAD: lambda: f"{subject} is now the incident lead{by_other}",
            EntryKind.COMMS: lambda: f"{subject} is handling communications",
            EntryKind.UPDATE: lambda: f"Update from {actor}: {text}",
            EntryKind.PRIORITY: lambda: f"Priority changed to {self.priority} by {actor}",
            EntryKind.CHECKIN_ANSWER: lambda: f"{actor} {text}",
            EntryKind.RESOLVED: lambda: f"Resolved by {actor}" + (f": {text}" if self.text else ""),
            EntryKind.REOPENED: lambda: f"Reopened by {actor}",
            EntryKind.PUBLISHED: lambda: f"Published on the status page by {actor} as: {text}",
            EntryKind.PUBLIC_UPDATE: lambda: f"Public update from {actor}: {text}",
            EntryKind.UNPUBLISHED: lambda: f"Taken off the status page by {actor}",
        }
        if self.subject and self.kind is EntryKind.NOTE:
            added = f" (added by {actor})" if self.actor != self.subject else ""
            return f"{subject} said: {text}{added}"
        if self.subject and self.kind is EntryKind.PAGE:
            asked = f" (asked by {actor})" if self.actor != "opsdesk" else ""
            return f"Paged {subject} via PagerDuty{asked}"
        sentence = sentences.get(self.kind)
        return sentence() if sentence else text

    @property
    def quoted_message(self) -> tuple[str, str] | None:
        """The channel and ts of the Slack message this entry quotes, if it quotes one."""
        kind, _, rest = self.source_key.partition(":")
        channel, _, ts = rest.partition(":")
        return (channel, ts) if kind == "slack-message" and channel and ts else None

    def quoted_elsewhere(self, home: str | None) -> bool:
        """Whether this entry quotes a message from a channel other than `home` (where the incident lives).

        Such words stay where they were said: readers of the incident get a link, never the quote.
        """
        quoted = self.quoted_message
        return quoted is not None and quoted[0] != home


@dataclass(frozen=True)
class AlarmInfo:
    """The CloudWatch alarm that opened or joined an incident."""

    arn: str
    name: str
    state: str
    state_changed_at: datetime
    reason: str = ""
    metric: str = ""
    threshold: str = ""
    region: str = ""
    runbook_url: str | None = None


@dataclass(frozen=True)
class Announcement:
    """Where the incident's message lives in Slack, so it can be edited in place."""

    channel: str
    ts: str


@dataclass(frozen=True)
class Incident:
    """An incident and the timestamps of each stage it has passed through."""

    id: str
    title: str
    priority: Priority
    declared_by: str
    declared_at: datetime
    source: Source = Source.SLACK
    status: Status = Status.OPEN
    service: str = ""
    user_impact: str = ""
    lead: str | None = None
    lead_at: datetime | None = None
    comms: str | None = None
    last_update_at: datetime | None = None
    last_update_text: str = ""
    last_checkin_at: datetime | None = None
    help_called_at: datetime | None = None
    update_reminded_at: datetime | None = None  # the last reminder boundary comms was reminded at
    resolved_at: datetime | None = None
    resolution: str = ""
    detected_at: datetime | None = None
    alarm: AlarmInfo | None = None
    announcement: Announcement | None = None
    postmortem_due: bool = False
    participants: frozenset[str] = field(default_factory=frozenset)
    # On the public status page only when the support team publishes it (domain/public_status.py).
    public: PublicNotice | None = None
    # The support request it was declared from (done when this is resolved), if any.
    request_id: str | None = None
    # Follow-ups owed, and until when the run that owes them holds them (its lease).
    pending: frozenset[Followup] = field(default_factory=frozenset)
    # The timeline entries (by sort key) whose messages are owed: a lead, an update, a reopening...
    owed_entries: frozenset[str] = field(default_factory=frozenset)
    pending_until: datetime | None = None
    version: int = 0

    @property
    def is_public(self) -> bool:
        return self.public is not None and not self.public.withdrawn

    @property
    def is_open(self) -> bool:
        return self.status is Status.OPEN

    @property
    def is_high(self) -> bool:
        return self.priority is Priority.HIGH

    @property
    def started_at(self) -> datetime:
        """When the impact began as far as we know: first detection, else declaration."""
        return self.detected_at or self.declared_at

    def time_to_lead(self) -> timedelta | None:
        return self.lead_at - self.declared_at if self.lead_at else None

    def time_to_resolve(self) -> timedelta | None:
        return self.resolved_at - self.started_at if self.resolved_at else None

    def take_lead(self, user: str, at: datetime) -> Incident:
        self._require_open("take the lead")
        if self.lead == user:
            return self
        return replace(self, lead=user, lead_at=self.lead_at or at, participants=self.participants | {user})

    def assign_comms(self, user: str) -> Incident:
        self._require_open("change comms")
        return replace(self, comms=user, participants=self.participants | {user})

    def record_update(self, text: str, by: str, at: datetime) -> Incident:
        if not text.strip():
            raise InvalidRequest("An update needs some text, e.g. `/incident update INC-7K3QF Failover in progress`.")
        return replace(self, last_update_at=at, last_update_text=text.strip(), participants=self.participants | {by})

    def change_priority(self, priority: Priority) -> Incident:
        self._require_open("change the priority")
        return replace(self, priority=priority)

    def resolve(self, summary: str, by: str, at: datetime, service: str = "") -> Incident:
        """Resolve, naming the service affected when it had none: availability is counted per service."""
        if not self.is_open:
            raise Conflict(f"{self.id} was already resolved.")
        service = service.strip()[:SERVICE_LENGTH] or self.service
        if not service:
            raise InvalidRequest(
                f"Which service did {self.id} affect? Availability is counted per service, so say it when you "
                f"resolve: `/incident resolve {self.id} <what fixed it> service: <name>`, or use the Resolve button."
            )
        return replace(
            self,
            service=service,
            status=Status.RESOLVED,
            resolved_at=at,
            resolution=summary.strip(),
            postmortem_due=self.is_high,
            participants=self.participants | {by},
        )

    def reopen(self) -> Incident:
        if self.is_open:
            raise Conflict(f"{self.id} is still open.")
        return replace(self, status=Status.OPEN, resolved_at=None, resolution="")

    def owe(self, followup: Followup, until: datetime) -> Incident:
        """Record a follow-up as owed by the run whose lease ends `until`."""
        return replace(self, pending=self.pending | {followup}, pending_until=until)

    def owe_messages(self, entry: TimelineEntry, until: datetime) -> Incident:
        """Record the messages telling of `entry` as owed by the run whose lease ends `until`."""
        return replace(self, owed_entries=self.owed_entries | {entry.sort_key}, pending_until=until)

    def settle(self, done: frozenset[Followup], entries_done: frozenset[str] = frozenset()) -> Incident:
        """Clear follow-ups that are done; the lease goes with the last of them."""
        remaining, owed = self.pending - done, self.owed_entries - entries_done
        lease = self.pending_until if remaining or owed else None
        return replace(self, pending=remaining, owed_entries=owed, pending_until=lease)

    def call_for_help(self, at: datetime, until: datetime) -> Incident:
        """Owe the channel a call for more people, once per check-in (later askers join the first call)."""
        since = self.last_checkin_at or self.declared_at
        if self.help_called_at is not None and self.help_called_at >= since:
            return self
        return replace(self, help_called_at=at).owe(Followup.CALL_FOR_HELP, until)

    def followups_abandoned(self, now: datetime) -> bool:
        """Whether follow-ups are owed by a run that can no longer be alive."""
        owed = bool(self.pending or self.owed_entries)
        return owed and (self.pending_until is None or self.pending_until <= now)

    def checkin_due(self, now: datetime, every: timedelta) -> bool:
        """Whether a high-priority incident is due its hourly gathering."""
        if not (self.is_open and self.is_high):
            return False
        last = self.last_checkin_at or self.declared_at
        return now - last >= every

    def update_reminder_due(self, now: datetime, every: timedelta) -> datetime | None:
        """The reminder boundary due at `now` when no update went out for `every`, if not yet reminded.

        Boundaries fall every `every` after the last update (or the declaration), so a late, missed or
        repeated sweep lands on the same one: one reminder per missed interval, never two.
        """
        if not self.is_open:
            return None
        since = self.last_update_at or self.declared_at
        periods = int((now - since) / every)
        if periods < 1:
            return None
        boundary = since + periods * every
        if self.update_reminded_at is not None and self.update_reminded_at >= boundary:
            return None
        return boundary

    def _require_open(self, action: str) -> None:
        if not self.is_open:
            raise Conflict(f"{self.id} is resolved; reopen it before you {action}.")


def parse_priority(text: str) -> Priority:
    """Read a priority the way people type it."""
    value = text.strip().lower()
    if value in {"high", "p1", "hi", "urgent"}:
        return Priority.HIGH
    if value in {"normal", "p2", "low", "medium"}:
        return Priority.NORMAL
    raise InvalidRequest(f"Priority must be `high` or `normal`, not `{text}`.")
