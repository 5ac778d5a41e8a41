"""Postmortem action items: added, marked done, raised as Jira tickets (once, however often clicked)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from opsdesk.domain.errors import Conflict, InvalidRequest
from opsdesk.domain.postmortems import ActionItem
from opsdesk.domain.requests import Stage
from opsdesk.domain.tickets import TrackerError, TrackerRefused, TrackerUnavailable
from opsdesk.flows.optimistic import Optimistic
from opsdesk.flows.postmortems import name_of, require_team, with_names_for
from opsdesk.observability import logger, record

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import date, datetime

    from opsdesk.domain.ports import People, Team
    from opsdesk.domain.postmortems import ActionPriority, Postmortem
    from opsdesk.domain.tickets import TicketTracker
    from opsdesk.store.postmortems import PostmortemRepository


def ticket_label(incident_id: str, number: int) -> str:
    """The Jira label that finds an action's ticket again after a timeout or a lost reply."""
    return f"opsdesk-{incident_id.lower()}-action-{number}"


class PostmortemActions:
    """The prioritised list of improvements, with owners."""

    def __init__(
        self,
        repository: PostmortemRepository,
        team: Team,
        people: People,
        tracker: TicketTracker,
        now: Callable[[], datetime],
    ) -> None:
        self.repository = repository
        self.items = repository.action_items
        self.team = team
        self.people = people
        self.tracker = tracker
        self.now = now

    def add(
        self,
        incident_id: str,
        by: str,
        at: datetime,
        *,
        description: str,
        owner: str,
        priority: ActionPriority,
        due: date | None = None,
    ) -> ActionItem:
        require_team(self.team, by)
        if len(description.strip()) < 3:
            raise InvalidRequest("Describe the action, e.g. `/postmortem action INC-7K3QF high @sam Add a disk alarm`.")
        postmortem = self.repository.get(incident_id)  # the postmortem must exist
        action = ActionItem(0, description.strip(), owner, priority, at, due=due)
        # Numbered by a conditional put: two people adding at once get the next two numbers.
        writes: Optimistic[ActionItem, ActionItem] = Optimistic(
            lambda: replace(action, number=self.items.next_number(incident_id)),
            lambda numbered: self.items.add(incident_id, numbered),
            "Action items are being added fast; please try again.",
        )
        item, _ = writes.apply(lambda numbered: numbered)
        if postmortem.is_published:
            self._remember_names(postmortem, [item.owner, item.description])
        return item

    def _remember_names(self, postmortem: Postmortem, texts: list[str]) -> None:
        """Capture names for the public page; without them it shows the neutral phrase, never an id."""
        named = with_names_for(self.people, postmortem, texts)
        if named is postmortem:
            return
        try:
            self.repository.save(named)
        except Conflict:
            logger.info("names not captured: postmortem changed", extra={"incident_id": postmortem.incident_id})

    def _item(self, incident_id: str, number: int) -> ActionItem:
        self.repository.get(incident_id)  # "no postmortem" reads better than "no action"
        item = self.items.find(incident_id, number)
        if item is None:
            raise InvalidRequest(f"{incident_id} has no action {number}. See `/postmortem show {incident_id}`.")
        return item

    def mark_done(self, incident_id: str, number: int, by: str, at: datetime) -> tuple[ActionItem, bool]:
        """Mark an action done (it stops being nudged); the bool says whether this call changed it."""
        require_team(self.team, by)
        self._item(incident_id, number)
        done = self.items.mark_done(incident_id, number, by, at)
        if done is None:
            return self._item(incident_id, number), False
        record("PostmortemActionsDone", 1)
        self._close_ticket(done)
        return done, True

    def _close_ticket(self, item: ActionItem) -> None:
        """The ticket is the record: it follows the action to Done (best effort; Slack already says so)."""
        if not item.ticket_key or not self.tracker.enabled:
            return
        try:
            self.tracker.move(item.ticket_key, Stage.DONE)
        except TrackerError:
            logger.warning("action done, its Jira ticket not moved", extra={"ticket": item.ticket_key})

    def raise_ticket(self, incident_id: str, number: int, by: str) -> ActionItem:
        """One click: the action item becomes one Jira ticket, however often it is clicked or replayed.

        Claim, create, record (as for requests, flows/ticket_filing.py): a lease on the item stops two
        clicks racing; the first attempt creates at once, a later one looks for the label first (an
        earlier attempt may have created the issue and died, or timed out). After a timeout the lease is
        kept until it lapses, by when Jira's search shows what that attempt created; after a refusal it
        is given back, since nothing was created, and the person is told what to fix.
        """
        require_team(self.team, by)
        item = self._item(incident_id, number)
        if item.ticket_key:
            return item
        tracker = self.tracker
        if not tracker.enabled:
            raise InvalidRequest("Jira is not configured (JIRA_URL), so no ticket can be raised.")
        attempt = self.items.claim_ticket(incident_id, number, self.now())
        if attempt is None:
            item = self._item(incident_id, number)
            if item.ticket_key:
                return item
            raise Conflict(
                f"A Jira ticket for action {number} of {incident_id} is being raised (or Jira was tried a moment "
                "ago); it will show shortly, or try again in a couple of minutes."
            )
        postmortem = self.repository.get(incident_id)
        label = ticket_label(incident_id, number)
        owner = name_of(self.people, item.owner) if item.owner[:1] in "UW" else item.owner
        try:
            found = tracker.find_by_label(label) if attempt > 1 else None
            ticket = found or tracker.create(
                f"[{item.priority.value}] {item.description}"[:250],
                f"Action from the postmortem of {incident_id} ({postmortem.title}). Owner: {owner}.",
                [label, "postmortem-action"],
            )
        except TrackerRefused as refusal:
            self.items.release_ticket(incident_id, number)
            logger.error(
                "Jira refused the ticket for an action", extra={"incident_id": incident_id, "reason": str(refusal)}
            )
            raise TrackerRefused(
                f"{refusal} No ticket was raised for action {number} of {incident_id}; once that is fixed, "
                "raise it again."
            ) from None
        except TrackerUnavailable as error:
            raise TrackerUnavailable(
                f"{error} No ticket is recorded for action {number} of {incident_id} yet; try again in a few minutes."
            ) from None
        return self.items.set_ticket(incident_id, number, ticket.key)
