"""Support requests as the process defines them: To do, In progress, Done, with time in each stage."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from opsdesk.domain.errors import Conflict, InvalidRequest, NotAllowed
from opsdesk.domain.ids import SHORTEST, is_id_body, short_id

if TYPE_CHECKING:
    from datetime import datetime

    from opsdesk.domain.clock import SupportHours

RATINGS = range(1, 6)
MAX_TEXT = 2000  # what a request keeps of its message: the thread keeps the rest
WITHDRAWN = "Withdrawn: the message was deleted before anyone took it."
NOT_A_REQUEST = "Not a request."


class Stage(StrEnum):
    TODO = "todo"
    IN_PROGRESS = "in_progress"
    DONE = "done"

    @property
    def label(self) -> str:
        return {"todo": "To do", "in_progress": "In progress", "done": "Done"}[self.value]


class TicketState(StrEnum):
    NONE = "none"
    PENDING = "pending"  # asked for, not yet filed: triage-sweep retries it
    FILED = "filed"
    FAILED = "failed"  # Jira refused for a reason a retry cannot fix: a person fixes it and asks again


class Raise(StrEnum):
    """How far an untaken request has been raised: to whoever is on support, then to the whole team."""

    ON_DUTY = "on_duty"
    TEAM = "team"


def request_id_for(channel: str, ts: str, length: int = SHORTEST) -> str:
    """The request's id derives from its message, so a redelivered event finds the same request (domain/ids.py)."""
    return short_id("REQ", f"{channel}:{ts}", length)


def normalise_request_id(text: str) -> str | None:
    """Accept "req-7k3qf", "REQ-7K3QF" or "7K3QF"; return the canonical id or None."""
    candidate = text.strip().upper().removeprefix("#")
    if not candidate.startswith("REQ-"):
        candidate = f"REQ-{candidate}"
    body = candidate[4:]
    return candidate if is_id_body(body) else None


@dataclass(frozen=True)
class TrackedMessage:
    """A message someone asked to track as a request: who wrote it (empty for an app), what it says, when, where."""

    ts: str
    author: str
    text: str
    at: datetime
    thread_ts: str | None = None


@dataclass(frozen=True)
class SupportRequest:
    """A support request, its stage history, its ticket and its rating."""

    channel: str
    ts: str
    requester: str
    text: str
    created_at: datetime
    stage: Stage = Stage.TODO
    stage_since: datetime | None = None
    # Whole seconds spent in each stage so far, not counting the current stint.
    seconds_in: dict[str, int] = field(default_factory=dict)
    started_at: datetime | None = None
    done_at: datetime | None = None
    assignee: str | None = None
    resolution: str = ""
    panel_ts: str | None = None
    # Until when the delivery that opened the request holds the posting of its panel (its lease).
    panel_until: datetime | None = None
    nudged_at: datetime | None = None
    ticket_state: TicketState = TicketState.NONE
    ticket_key: str | None = None
    ticket_url: str | None = None
    # Creations started (each may have reached Jira): after the first, the ticket is looked for before creating.
    ticket_attempts: int = 0
    # When the run filing the ticket claimed it: one filer at a time (see flows/ticket_filing.py).
    ticket_claimed_at: datetime | None = None
    ticket_error: str = ""  # why Jira refused, while FAILED
    ticket_requested_by: str | None = None
    # Set once the thread and the product manager have heard of the ticket; a replay finishes the telling.
    ticket_announced: bool = False
    rating_asked: bool = False
    rating: int | None = None
    rated_at: datetime | None = None
    # The message that opened the request was deleted (Slack keeps the thread, and does not say by whom).
    message_deleted: bool = False
    # Longer than the shortest only when the short id was another request's (domain/ids.py).
    id_length: int = SHORTEST
    # Who closed it as not a support request (an FYI, a thanks): no rating, left out of every figure.
    not_a_request_by: str | None = None
    # The incident declared from it: the request is done when the incident is resolved.
    incident_id: str | None = None
    # When nobody had taken it yet: raised to whoever was on support, then to the whole team.
    raised_at: datetime | None = None
    escalated_at: datetime | None = None
    # The raises' messages in the team channel (their ts), edited once someone takes the request.
    raise_posts: tuple[str, ...] = ()
    version: int = 0

    @property
    def id(self) -> str:
        return request_id_for(self.channel, self.ts, self.id_length)

    @property
    def label(self) -> str:
        """The unique Jira label that finds this request's ticket even after a lost reply."""
        return f"opsdesk-{self.id.lower()}"

    @property
    def is_open(self) -> bool:
        return self.stage is not Stage.DONE

    @property
    def has_ticket(self) -> bool:
        return self.ticket_state is TicketState.FILED

    @property
    def withdrawn(self) -> bool:
        """Closed because its message was deleted before anyone took it: not a resolution."""
        return self.message_deleted and self.started_at is None and self.stage is Stage.DONE

    @property
    def not_a_request(self) -> bool:
        return self.not_a_request_by is not None

    @property
    def counted(self) -> bool:
        """Whether it counts in the figures and asks for a rating: not withdrawn, not closed as not a request."""
        return not self.withdrawn and not self.not_a_request

    def since(self) -> datetime:
        return self.stage_since or self.created_at

    def time_in_stages(self, now: datetime) -> dict[Stage, timedelta]:
        """Wall-clock time spent in each stage, the current one counted up to `now`."""
        totals = {stage: timedelta(seconds=self.seconds_in.get(stage.value, 0)) for stage in Stage}
        if self.stage is not Stage.DONE:
            totals[self.stage] += max(now - self.since(), timedelta(0))
        return totals

    def move_to(self, stage: Stage, at: datetime, *, assignee: str | None = None) -> SupportRequest:
        """Change stage, closing the current stint; the same stage is a no-op (webhooks repeat)."""
        if stage is self.stage and (assignee is None or assignee == self.assignee):
            return self
        seconds = dict(self.seconds_in)
        if stage is not self.stage:
            stint = max(int((at - self.since()).total_seconds()), 0)
            seconds[self.stage.value] = seconds.get(self.stage.value, 0) + stint
        return replace(
            self,
            stage=stage,
            stage_since=at if stage is not self.stage else self.stage_since,
            seconds_in=seconds,
            assignee=assignee or self.assignee,
            started_at=self.started_at or (at if stage is Stage.IN_PROGRESS else None),
            done_at=at if stage is Stage.DONE else None,
        )

    def take(self, user: str, at: datetime) -> SupportRequest:
        """A support engineer takes the request: In progress, assigned to them; the first taker wins."""
        if self.stage is Stage.DONE:
            raise Conflict(f"{self.id} is already done.")
        if self.assignee and self.assignee != user and self.stage is Stage.IN_PROGRESS:
            raise Conflict(f"{{engineer}} is already working on {self.id}.", people={"engineer": self.assignee})
        return self.move_to(Stage.IN_PROGRESS, at, assignee=user)

    def finish(self, resolution: str, by: str, at: datetime) -> SupportRequest:
        line = " ".join(resolution.split())
        if not line:
            raise InvalidRequest("Say in one line what resolved it, e.g. `Rotated the expired key`.")
        if self.stage is Stage.DONE:
            raise Conflict(f"{self.id} is already done.")
        return replace(self.move_to(Stage.DONE, at, assignee=self.assignee or by), resolution=line[:300])

    def revise(self, text: str) -> SupportRequest:
        """The requester edited the message: the request (and the ticket's record) uses the new words."""
        return replace(self, text=text)

    def delete_message(self, at: datetime) -> SupportRequest:
        """The message was deleted: withdrawn if nobody took it yet, else it stays with its engineer."""
        if self.message_deleted or self.stage is Stage.DONE:
            return self
        if self.stage is Stage.TODO:
            return replace(self.move_to(Stage.DONE, at), resolution=WITHDRAWN, message_deleted=True)
        return replace(self, message_deleted=True)

    def close_as_not_a_request(self, by: str, at: datetime) -> SupportRequest:
        """A support engineer says the message is not a request: Done, with no rating and out of the figures."""
        if self.not_a_request:
            return self
        if self.stage is Stage.DONE:
            raise Conflict(f"{self.id} is already done.")
        return replace(self.move_to(Stage.DONE, at), resolution=NOT_A_REQUEST, not_a_request_by=by)

    def link_incident(self, incident_id: str, by: str, at: datetime) -> SupportRequest:
        """An incident was declared from it: In progress with whoever declared it (unless someone has it)."""
        if self.incident_id or self.stage is Stage.DONE:
            return self
        moved = self.move_to(Stage.IN_PROGRESS, at, assignee=self.assignee or by)
        return replace(moved, incident_id=incident_id)

    def resolved_with(self, incident_id: str, summary: str, at: datetime) -> SupportRequest:
        """Its incident was resolved: Done, with a resolution that points to the incident."""
        if self.incident_id != incident_id or self.stage is Stage.DONE:
            return self
        line = " ".join(f"Resolved with incident {incident_id}: {summary}".split()).rstrip(":")
        return replace(self.move_to(Stage.DONE, at), resolution=line[:300])

    def raise_due(self, now: datetime, hours: SupportHours, *, on_duty: timedelta, team: timedelta) -> Raise | None:
        """Whether nobody has taken it for `on_duty` (then `team`) of support-hours time, and it is not raised yet."""
        if self.stage is not Stage.TODO or self.escalated_at is not None:
            return None
        waited = hours.support_time_between(self.created_at, now)
        if waited >= team:
            return Raise.TEAM
        return Raise.ON_DUTY if waited >= on_duty and self.raised_at is None else None

    def mark_raised(self, level: Raise, at: datetime) -> SupportRequest:
        if level is Raise.TEAM:
            return replace(self, raised_at=self.raised_at or at, escalated_at=at)
        return replace(self, raised_at=at)

    def triage_due(self, now: datetime, hours: SupportHours, after: timedelta) -> bool:
        """The triage rule: worked longer than `after` (TRIAGE_MINUTES) in support hours, no ticket, not yet nudged."""
        if self.stage is not Stage.IN_PROGRESS or self.nudged_at or self.ticket_state is not TicketState.NONE:
            return False
        return hours.support_time_between(self.since(), now) > after

    def rate(self, score: int, by: str, at: datetime) -> SupportRequest:
        """Store the requester's rating; a second answer is refused, kindly, by the caller."""
        if by != self.requester:
            raise NotAllowed(
                f"Only {{requester}}, who raised {self.id}, can rate it.", people={"requester": self.requester}
            )
        if score not in RATINGS:
            raise InvalidRequest("A rating is a number from 1 to 5.")
        if self.rating is not None:
            raise Conflict("Thanks, your rating was already recorded.")
        return replace(self, rating=score, rated_at=at)
