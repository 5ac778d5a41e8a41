"""The support desk: requests opened, taken, done and rated. Every flow is safe to replay."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from opsdesk.domain.errors import Conflict, InvalidRequest, OpsdeskError
from opsdesk.domain.ids import LONGEST, SHORTEST
from opsdesk.domain.ports import AfterHours
from opsdesk.domain.requests import MAX_TEXT, Stage, SupportRequest, TrackedMessage
from opsdesk.flows.optimistic import Optimistic
from opsdesk.flows.permissions import Permission, require_team
from opsdesk.observability import MetricUnit, record
from opsdesk.store.dynamodb import IdTaken

if TYPE_CHECKING:
    from collections.abc import Callable

    from opsdesk.domain.ports import SupportNotifier, Team
    from opsdesk.domain.rota import OnDuty
    from opsdesk.domain.tickets import TicketTracker
    from opsdesk.flows.rota import Rota
    from opsdesk.settings import Settings
    from opsdesk.store.requests import RequestRepository

logger = logging.getLogger(__name__)
# Longer than the function's 20 s timeout: an older claim with no message belongs to an invocation that is gone.
COMMAND_LEASE = timedelta(seconds=30)
# Slack retries an event for about an hour; a direct message's claim outlives every retry.
DM_CLAIMS_KEPT = timedelta(days=2)
# Longer than any out-of-hours period (Christmas to New Year included): the claim is asked about only within one.
AFTER_HOURS_CLAIMS_KEPT = timedelta(days=30)


@dataclass
class SupportDesk:
    """Support-request use cases over the repository, the notifier, the tracker and the team."""

    repository: RequestRepository
    notifier: SupportNotifier
    settings: Settings
    tracker: TicketTracker
    team: Team
    rota: Rota
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    def require_team(self, user: str, permission: Permission) -> None:
        """Refuse unless `user` is on the support team (flows/permissions.py)."""
        require_team(self.team, user, permission)

    # ---- reading
    def request_by_id(self, request_id: str) -> SupportRequest:
        return self.repository.by_id(request_id)

    def request_at(self, channel: str, ts: str) -> SupportRequest | None:
        """The request a message opened, if it opened one."""
        return self.repository.find(channel, ts)

    def open_requests(self) -> list[SupportRequest]:
        return self.repository.list_stage(Stage.TODO) + self.repository.list_stage(Stage.IN_PROGRESS)

    # ---- writing, optimistically
    def apply(
        self, request: SupportRequest, decide: Callable[[SupportRequest], SupportRequest | None]
    ) -> tuple[SupportRequest, bool]:
        """Decide on the stored request and save, re-reading on a concurrent change (flows/optimistic.py)."""

        def changing(current: SupportRequest) -> SupportRequest | None:
            decided = decide(current)
            return None if decided == current else decided

        writes = Optimistic(
            lambda: self.repository.get(request.channel, request.ts),
            self.repository.save,
            f"{request.id} is changing fast; please try again.",
        )
        return writes.apply(changing, start=request)

    # ---- opening
    def message_posted(self, channel: str, ts: str, author: str, text: str, at: datetime) -> SupportRequest | None:
        """A person's new message in the ops channel: a request, unless the support team wrote it (FYIs, thanks).

        The team marks its own requests: the "Track as request" shortcut, or `/support`.
        """
        if self.team.is_member(author):
            return None
        return self.open(channel, ts, author, text, at)

    def track(self, channel: str, message: TrackedMessage, by: str) -> tuple[SupportRequest, bool]:
        """The "Track as request" shortcut: the message becomes a request of its author's; True if it is new.

        Only the support team tracks: otherwise anyone could turn a team member's FYI into a request
        that asks its author for a rating.
        """
        self.require_team(by, Permission.TRACK_REQUEST)
        if channel != self.settings.ops_channel_id:
            raise InvalidRequest("Only a message in the ops channel can be tracked as a support request.")
        if not message.author:
            raise InvalidRequest("That message was posted by an app, not a person, so it cannot be a request.")
        if message.thread_ts not in (None, message.ts):
            raise InvalidRequest(
                "Only a message in the channel itself can be tracked, not a reply in a thread: "
                "post it in the channel, or use `/support <what is needed>`."
            )
        existing = self.repository.find(channel, message.ts)
        if existing is not None:
            return self.ensure_acknowledged(existing), False
        logger.info("tracked as a request", extra={"by": by, "ts": message.ts})
        return self.open(channel, message.ts, message.author, message.text, message.at), True

    def open(self, channel: str, ts: str, requester: str, text: str, at: datetime) -> SupportRequest:
        """Open a request in To do from a message; a redelivery finds it and finishes what is missing."""
        lease = self.now() + COMMAND_LEASE
        request = SupportRequest(channel, ts, requester, text.strip()[:MAX_TEXT], at, stage_since=at, panel_until=lease)
        created = self._create(request)
        if created is not None:
            request = created
            record("SupportRequestsOpened", 1)
        else:
            request = self.repository.get(channel, ts)
            if request.panel_ts or (request.panel_until and self.now() < request.panel_until):
                return request  # acknowledged, or being acknowledged by the delivery that opened it
        try:
            return self.ensure_acknowledged(request)
        except Exception:
            # Give the lease back so the retry acknowledges it without waiting for the lease to lapse.
            self.apply(request, lambda current: replace(current, panel_until=None))
            raise

    def _create(self, request: SupportRequest) -> SupportRequest | None:
        """Store a new request under the shortest id no other request has (domain/ids.py); None if it exists."""
        for length in range(SHORTEST, LONGEST + 1):
            candidate = replace(request, id_length=length)
            try:
                return candidate if self.repository.create(candidate) else None
            except IdTaken:
                record("RequestIdCollisions", 1)
        raise IdTaken(request.id)  # 31^12 ids: unreachable unless the hash is broken

    def raise_from_command(self, trigger_id: str, requester: str, text: str, at: datetime) -> SupportRequest | None:
        """`/support <text>`: post it in the ops channel once per command, then open it as a request.

        The command has no message of its own to key on, so its trigger_id is claimed before
        posting and the posted ts is kept on the claim: a retried run finds the message and
        finishes the request instead of posting a second one. None when another run holds the
        claim right now (it will answer the person).
        """
        channel = self.settings.ops_channel_id
        if not trigger_id:  # Slack always sends one; without it there is nothing to key a retry on
            return self.open(channel, self.notifier.post_request(channel, requester, text), requester, text, at)
        claim = self.repository.claim_command(trigger_id, at, COMMAND_LEASE)
        if claim is None:
            return None
        ts = claim.message_ts
        if ts is None:
            ts = self.notifier.post_request(channel, requester, text)
            self.repository.record_command_message(trigger_id, ts)
        # The claim's time, not this run's: a retry opens the request as it was asked.
        return self.open(channel, ts, requester, text, claim.claimed_at)

    def ensure_acknowledged(self, request: SupportRequest) -> SupportRequest:
        """React quietly and post the thread panel once: who is on support now, or when support resumes."""
        if request.panel_ts:
            return request
        self.notifier.mark_received(request)
        if self.settings.hours.is_open(request.created_at):
            panel_ts = self.notifier.post_panel(request, on_duty=self.on_duty(request.created_at))
        else:
            panel_ts = self.notifier.post_panel(request, after_hours=self.after_hours(request))

        def remember(current: SupportRequest) -> SupportRequest | None:
            return None if current.panel_ts else replace(current, panel_ts=panel_ts)

        stored, _ = self.apply(request, remember)
        return stored

    def on_duty(self, at: datetime) -> OnDuty:
        return self.rota.on_duty(at)

    def after_hours(self, request: SupportRequest) -> AfterHours | None:
        """The out-of-hours reply, once per requester per out-of-hours period (the team knows the hours).

        The period is named by when support last closed; the first of the requester's requests in it
        claims the reply, and a redelivery of that same request finds its own claim and still says it.
        """
        hours = self.settings.hours
        if self.team.is_member(request.requester):
            return None
        key = f"after-hours:{request.requester}:{hours.last_closing(request.created_at).isoformat()}"
        first = self.repository.claim(key, self.now(), by=request.id, keep=AFTER_HOURS_CLAIMS_KEPT)
        if not first and self.repository.claimant(key) != request.id:
            return None
        return AfterHours(resumes=hours.describe_next_opening(request.created_at), hours=hours.describe())

    def answer_direct_message(self, channel: str, event_id: str, at: datetime) -> None:
        """Answers belong where others can find them: point the person to the ops channel, once per event.

        Slack retries an event (same `event_id`) until it is acknowledged in time; the reply is
        claimed on the event id first, so a retry finds the claim and says nothing. A failed
        reply gives the claim back, so the retry Lambda makes says it.
        """
        if not self.repository.claim(f"dm:{event_id}", at, keep=DM_CLAIMS_KEPT):
            return
        try:
            self.notifier.point_to_ops_channel(channel)
        except Exception:
            self.repository.release(f"dm:{event_id}")
            raise

    # ---- the requester's own message changing
    def revise(self, channel: str, ts: str, text: str) -> SupportRequest | None:
        """The requester edited the message that opened a request: keep the new words (a replay changes nothing)."""
        request = self.repository.find(channel, ts)
        if request is None:
            return None  # not a request (asked before opsdesk was in the channel, or a reply)
        stored, _ = self.apply(request, lambda current: None if current.text == text else current.revise(text))
        return stored

    def message_deleted(self, channel: str, ts: str, at: datetime) -> SupportRequest | None:
        """The message was deleted: withdrawn if nobody took it; otherwise it stays with its engineer.

        Either way the request is not lost silently: its panel shows what happened and the
        thread (which Slack keeps under a "This message was deleted." placeholder) is told once.
        """
        request = self.repository.find(channel, ts)
        if request is None:
            return None
        stored, changed = self.apply(request, lambda current: current.delete_message(at))
        if changed and stored.panel_ts:
            self.refresh(stored)
            self.notifier.original_deleted(stored)
        return stored

    # ---- moving through the stages
    def take(self, request: SupportRequest, user: str, at: datetime) -> SupportRequest:
        self.require_team(user, Permission.TAKE_REQUEST)

        def decide(current: SupportRequest) -> SupportRequest | None:
            if current.stage is Stage.IN_PROGRESS and current.assignee == user:
                return None
            return current.take(user, at)

        stored, changed = self.apply(request, decide)
        if changed:
            self.refresh(stored)
            self.notifier.taken(stored)
            self.follow_on_board(stored, Stage.IN_PROGRESS)
        return stored

    def finish(self, request: SupportRequest, user: str, resolution: str, at: datetime) -> SupportRequest:
        self.require_team(user, Permission.FINISH_REQUEST)

        def decide(current: SupportRequest) -> SupportRequest | None:
            return None if current.stage is Stage.DONE else current.finish(resolution, user, at)

        stored, changed = self.apply(request, decide)
        if changed:
            self.finished(stored, at)
            self.follow_on_board(stored, Stage.DONE)
        return stored

    def move(self, request: SupportRequest, stage: Stage, at: datetime, why: str) -> SupportRequest:
        """Move a request because its ticket moved on the board (the board is already there)."""

        def decide(current: SupportRequest) -> SupportRequest | None:
            moved = current.move_to(stage, at)
            if stage is Stage.DONE and not moved.resolution:
                moved = replace(moved, resolution=why)
            return moved

        stored, changed = self.apply(request, decide)
        if changed:
            self.notifier.moved(stored, why)
            if stage is Stage.DONE:
                self.finished(stored, at)
            else:
                self.refresh(stored)
        return stored

    def ticket_moved(self, key: str, stage: Stage, moved_by: str, at: datetime) -> bool:
        """The board moved a request's ticket: the request follows, once (Jira repeats its webhooks)."""
        request = self.repository.by_ticket(key)
        if request is None or request.stage is stage:
            return False
        self.move(request, stage, at, f"{key} moved on the board by {moved_by}")
        return True

    def finished(self, request: SupportRequest, at: datetime) -> None:
        """A request just done: its times as metrics, its panel, and the requester asked for a rating."""
        if request.counted:
            for stage, spent in request.time_in_stages(at).items():
                record("TimeInStage", spent.total_seconds(), MetricUnit.Seconds, stage=stage.value)
            record("TimeToResolution", (at - request.created_at).total_seconds(), MetricUnit.Seconds)
        self.refresh(request)
        self.ask_for_rating(request)

    def close_as_not_a_request(self, request: SupportRequest, user: str, at: datetime) -> SupportRequest:
        """Not a support request after all (an FYI, a thanks): Done, no rating, out of every figure."""
        self.require_team(user, Permission.NOT_A_REQUEST)
        stored, changed = self.apply(request, lambda current: current.close_as_not_a_request(user, at))
        if changed:
            record("SupportRequestsNotRequests", 1)  # the dashboard takes these from the requests opened
            self.refresh(stored)
            self.follow_on_board(stored, Stage.DONE)  # a ticket raised for it is closed too
        return stored

    def follow_on_board(self, request: SupportRequest, stage: Stage) -> None:
        """Stage changes made in Slack move the ticket too; the request never waits on Jira."""
        if not request.ticket_key:
            return
        try:
            self.tracker.move(request.ticket_key, stage)
        except OpsdeskError as error:
            logger.warning("could not move %s on the board: %s", request.ticket_key, error)

    # ---- rating
    def ask_for_rating(self, request: SupportRequest) -> None:
        """Ask the requester once: the flag is saved before posting, so a replay never asks twice."""

        def decide(current: SupportRequest) -> SupportRequest | None:
            return None if current.rating_asked or not current.counted else replace(current, rating_asked=True)

        stored, changed = self.apply(request, decide)
        if changed:
            self.notifier.ask_for_rating(stored)

    def rate(self, request: SupportRequest, user: str, score: int, at: datetime) -> str:
        """Store a rating; returns what to tell the person (a second answer is thanked, not stored)."""
        try:
            stored, changed = self.apply(request, lambda current: current.rate(score, user, at))
        except Conflict as already:
            return str(already)
        if changed:
            self.repository.record_rating(stored)
            record("SupportRating", score, MetricUnit.Count)  # per engineer: in the rating items, not a dimension
        return f"Thank you! Your rating of {score}/5 for {stored.id} is recorded."

    def refresh(self, request: SupportRequest) -> None:
        self.notifier.refresh(request)
