"""The triage rule (TRIAGE_MINUTES) and the Jira ticket (nudged once, filed once, retried until it is); board triage."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING

from opsdesk.domain.errors import Conflict, InvalidRequest, NotifierUnavailable
from opsdesk.domain.ports import ThreadMessage
from opsdesk.domain.requests import Stage, SupportRequest, TicketState
from opsdesk.domain.tickets import Ticket, TrackerError, TrackerRefused, TrackerUnavailable
from opsdesk.flows.permissions import Permission
from opsdesk.flows.ticket_filing import TicketFiling

if TYPE_CHECKING:
    from datetime import datetime

    from opsdesk.domain.ports import People, Posted
    from opsdesk.domain.rota import OnDuty
    from opsdesk.flows.support import SupportDesk

logger = logging.getLogger(__name__)


class Tickets:
    """Raises Jira tickets for support requests, never twice (claimed first; a unique label finds a lost one)."""

    def __init__(self, desk: SupportDesk, people: People) -> None:
        self.desk = desk
        self.people = people
        self.repository = desk.repository
        self.tracker = desk.tracker
        self.notifier = desk.notifier
        self.filing = TicketFiling(desk, _summary)

    def name_of(self, user: str) -> str:
        """A person's name for the ticket's record (their id when Slack cannot name them)."""
        return self.people.display_name(user) or user

    # ---- the triage rule (worked longer than TRIAGE_MINUTES)
    def sweep(self, now: datetime) -> dict[str, int]:
        """Nudge requests worked too long without a ticket; retry tickets still pending."""
        hours, after = self.desk.settings.hours, self.desk.settings.triage_after
        nudged = 0
        on_duty: OnDuty | None = None  # read once per sweep, and only when a nudge is due
        for request in self.repository.list_stage(Stage.IN_PROGRESS):
            if not request.triage_due(now, hours, after):
                continue
            on_duty = on_duty if on_duty is not None else self.desk.on_duty(now)
            if self.nudge(request, now, on_duty):
                nudged += 1
        filed = 0
        for request in self.repository.pending_tickets():
            if self.file(request, now, announce_failure=False).has_ticket:
                filed += 1
        return {"nudged": nudged, "filed": filed}

    def nudge(self, request: SupportRequest, now: datetime, on_duty: OnDuty | None = None) -> bool:
        """Post the nudge once: the mark is saved first, so overlapping sweeps cannot both post."""

        def decide(current: SupportRequest) -> SupportRequest | None:
            if current.nudged_at or current.ticket_state is not TicketState.NONE:
                return None
            return replace(current, nudged_at=now)

        stored, changed = self.desk.apply(request, decide)
        if changed:
            self.notifier.suggest_ticket(stored, on_duty if on_duty is not None else self.desk.on_duty(now))
        return changed

    # ---- raising the ticket
    def raise_ticket(self, request: SupportRequest, by: str) -> SupportRequest:
        """Mark the ticket wanted (so it survives a Jira outage), then file it; a refused one may be asked again."""
        self.desk.require_team(by, Permission.RAISE_TICKET)
        if request.has_ticket and not request.ticket_announced:
            return self._announce(request)  # an earlier run filed it and died before saying so
        if request.has_ticket:
            raise InvalidRequest(f"{request.id} already has a ticket: {request.ticket_url}")
        if not self.tracker.enabled:
            raise InvalidRequest("Jira is not configured here (JIRA_URL is empty), so no ticket can be filed.")

        def decide(current: SupportRequest) -> SupportRequest | None:
            if current.ticket_state not in (TicketState.NONE, TicketState.FAILED):
                return None
            # A person asking again after a refusal retries at once; attempts stay counted (an issue may exist).
            wanted = replace(current, ticket_state=TicketState.PENDING, ticket_requested_by=by, ticket_error="")
            return replace(wanted, ticket_claimed_at=None)

        stored, _ = self.desk.apply(request, decide)
        if stored.has_ticket:
            return stored
        return self.file(stored, self.desk.now(), announce_failure=True)

    def file(self, request: SupportRequest, now: datetime, *, announce_failure: bool) -> SupportRequest:
        """File a pending ticket once (flows/ticket_filing.py); with `announce_failure`, a person is waiting."""
        try:
            stored, ticket = self.filing.file(request, now, self._description)
        except TrackerRefused as refusal:
            if announce_failure:  # the thread has been told; the person who asked hears it too
                raise TrackerRefused(f"No Jira ticket for {request.id}: {refusal}") from None
            return self.repository.get(request.channel, request.ts)
        except TrackerUnavailable as error:
            stored = self.repository.get(request.channel, request.ts)
            if announce_failure:
                self.notifier.ticket_pending(stored, str(error))
            return stored
        if ticket is not None:
            return self._filed(stored, ticket)
        if stored.ticket_state is TicketState.FAILED and announce_failure:
            raise TrackerRefused(f"No Jira ticket for {stored.id}: {stored.ticket_error}")
        if stored.ticket_state is TicketState.PENDING and announce_failure:
            raise Conflict(
                f"The ticket for {stored.id} is already being filed (or Jira was tried a moment ago); "
                "opsdesk finishes it and the thread will say when."
            )
        return stored

    def _filed(self, request: SupportRequest, ticket: Ticket) -> SupportRequest:
        def decide(current: SupportRequest) -> SupportRequest | None:
            if current.has_ticket:
                return None
            filed = replace(current, ticket_state=TicketState.FILED, ticket_key=ticket.key, ticket_url=ticket.url)
            return replace(filed, ticket_claimed_at=None, ticket_error="")

        stored = self.repository.get(request.channel, request.ts)
        decided = decide(stored)
        if decided is not None:
            stored = self.repository.save(decided, add_pointers=[f"JIRA#{ticket.key}"])
        return stored if stored.ticket_announced else self._announce(stored)

    def _announce(self, stored: SupportRequest) -> SupportRequest:
        """Tell the thread and the product manager about the ticket, then record that they know."""
        ticket = Ticket(key=str(stored.ticket_key), url=str(stored.ticket_url), summary=_summary(stored))
        self.desk.refresh(stored)
        self.notifier.ticket_raised(stored, ticket, stored.ticket_requested_by or stored.assignee)
        if stored.stage is not Stage.TODO:
            self.desk.follow_on_board(stored, stored.stage)
        announced, _ = self.desk.apply(stored, lambda current: replace(current, ticket_announced=True))
        return announced

    def _description(self, request: SupportRequest) -> str:
        """The ticket's record: who asked, the thread's messages, a link back to Slack."""
        lines = [f"Raised in Slack by {self.name_of(request.requester)} ({request.id}).", ""]
        try:
            thread = self.notifier.thread_of(request)
            messages, link = thread.messages, thread.link
        except NotifierUnavailable as error:
            # The ticket matters more than its transcript: file it with what the request says.
            logger.warning("thread of %s not read: %s", request.id, error)
            messages, link = (ThreadMessage(self.name_of(request.requester), request.text),), ""
        lines.append("Thread:")
        lines += [f"- {message.author}: {message.text}" for message in messages]
        if link:
            lines += ["", f"Slack thread: {link}"]
        return "\n".join(lines)[:30000]

    # ---- the ticket keeps up with the thread
    def add_comment(self, request: SupportRequest, author: str, text: str, message_ts: str, at: datetime) -> str:
        """The message shortcut: copy a thread message onto the ticket as a comment, once per message."""
        if not request.ticket_key:
            if request.ticket_state is TicketState.FAILED:
                raise InvalidRequest(
                    f"{request.id} has no ticket: {request.ticket_error} Once that is fixed, "
                    f"raise it again (`/support ticket {request.id}`)."
                )
            if request.ticket_state is TicketState.PENDING:
                raise InvalidRequest(
                    f"{request.id}'s ticket is not filed yet (Jira is not answering); try again later."
                )
            raise InvalidRequest(
                f"{request.id} has no Jira ticket yet. Raise one first (`/support ticket {request.id}`)."
            )
        claim = f"ticket-comment:{request.ticket_key}:{message_ts}"
        if not self.repository.claim(claim, at):
            return f"That message is already on {request.ticket_key}."
        try:
            link = self.notifier.permalink(request.channel, message_ts)
        except NotifierUnavailable:
            link = ""
        who = self.name_of(author) if author else "Someone"
        try:
            self.tracker.comment(request.ticket_key, f"{who} in Slack: {text}" + (f"\n{link}" if link else ""))
        except TrackerError:
            self.repository.release(claim)  # not added: let the person try again
            raise
        return f"Added to {request.ticket_key}."

    # ---- issues raised straight on the board, posted for triage
    def take_board_issue(self, key: str, user: str, where: Posted, headline: str, at: datetime) -> None:
        """Take a board issue: In Progress on the board, a note on it, and the triage post says who."""
        self.desk.require_team(user, Permission.TAKE_TICKET)
        if not self.repository.claim(f"board-take:{key}", at, by=user):
            taker = self.repository.claimant(f"board-take:{key}")
            if taker != user:  # the same person again is a replay: finish what it started
                if taker:
                    raise InvalidRequest(f"{key} is already taken by {{taker}}.", people={"taker": taker})
                raise InvalidRequest(f"{key} is already taken.")
        try:
            self.tracker.move(key, Stage.IN_PROGRESS)
            self.tracker.comment(key, f"Taken by {self.name_of(user)} from Slack.")
        except TrackerError:
            self.repository.release(f"board-take:{key}")  # the board does not show it taken: nobody has it
            raise
        self.notifier.board_issue_taken(where, key, headline, user)

    def board_issue_created(self, ticket: Ticket, reporter: str, at: datetime) -> bool:
        """An issue raised straight on the board: posted to the team for triage, once (Jira retries webhooks)."""
        claim = f"jira-created:{ticket.key}"
        if not self.repository.claim(claim, at):
            return False
        try:
            self.notifier.post_board_issue(ticket, reporter)
        except Exception:
            self.repository.release(claim)  # not posted: Jira's retry must be able to post it
            raise
        return True

    def set_board_priority(self, key: str, priority: str, user: str) -> str:
        """Set a board issue's priority; returns what to tell the person."""
        self.desk.require_team(user, Permission.TICKET_PRIORITY)
        self.tracker.set_priority(key, priority)
        return f"{key} is now {priority} priority on the board."


def _summary(request: SupportRequest) -> str:
    first = request.text.strip().splitlines()[0] if request.text.strip() else "Support request"
    return f"{first[:120]} ({request.id})"
