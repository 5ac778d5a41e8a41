"""Filing a support request's Jira ticket exactly once: claim, create, record.

Jira has no idempotency key for creating an issue, and Jira Cloud's search is eventually consistent:
an issue created a moment ago may not be found. So "search, then create if missing" files twice when
two runs overlap (a double click, a click and the sweep, a Lambda retry) or when a create that timed
out had in fact landed. Instead:

1. Claim. The run that files sets `ticket_claimed_at` on the request (a write conditional on the
   request's version) unless another run claimed it less than SETTLE ago: one filer at a time.
2. Create, or look first. The first attempt creates at once: nothing can exist yet. A later attempt
   (`ticket_attempts` > 0: an earlier one may have reached Jira, then died or timed out) first looks
   for the request's label in the project. A claim is taken over only once it is SETTLE old, by when
   the search index shows what the earlier attempt created.
3. Record the key (FILED), then tell the thread and the product manager (`ticket_announced`), so a
   replay finishes the telling and never files again.

A transient failure (5xx, 429, a timeout) keeps the request PENDING and claimed: the triage sweep,
every 5 minutes, tries again once the claim is SETTLE old. A refusal (410, 400, 403, 404, bad
credentials) makes it FAILED, said once in the thread (what failed, what to fix) and Jira's reason logged; nothing
retries it until a person, having fixed the cause, asks for the ticket again.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING

from opsdesk.domain.requests import SupportRequest, TicketState
from opsdesk.domain.tickets import Ticket, TrackerRefused, TrackerUnavailable

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from opsdesk.flows.support import SupportDesk

logger = logging.getLogger(__name__)
# Longer than a filing run can take (Jira's 10 s timeout, the function's timeout) plus Jira Cloud's index lag.
SETTLE = timedelta(minutes=2)


def claimed(request: SupportRequest, now: datetime) -> SupportRequest | None:
    """The request claimed for filing by this run, or None if it needs no filing or another run holds it."""
    if request.ticket_state is not TicketState.PENDING:
        return None
    if request.ticket_claimed_at is not None and now - request.ticket_claimed_at < SETTLE:
        return None
    return replace(request, ticket_claimed_at=now, ticket_attempts=request.ticket_attempts + 1)


class TicketFiling:
    """Claims, creates (or finds) and records one request's ticket; reports a refusal once."""

    def __init__(self, desk: SupportDesk, summary: Callable[[SupportRequest], str]) -> None:
        self.desk = desk
        self.tracker = desk.tracker
        self.summary = summary

    def file(
        self, request: SupportRequest, now: datetime, describe: Callable[[SupportRequest], str]
    ) -> tuple[SupportRequest, Ticket | None]:
        """Claim and file; (the stored request, the ticket if this run created or found it).

        Raises TrackerUnavailable (kept pending and claimed) or TrackerRefused (now FAILED, said once).
        """
        stored, won = self.desk.apply(request, lambda current: claimed(current, now))
        if not won:
            return stored, None
        try:
            found = self.tracker.find_by_label(stored.label) if stored.ticket_attempts > 1 else None
            ticket = found or self.tracker.create(
                self.summary(stored), describe(stored), ["opsdesk", "support-request", stored.label]
            )
        except TrackerRefused as refusal:
            self._refused(stored, refusal)
            raise
        except TrackerUnavailable as error:
            logger.warning("ticket for %s not filed yet (attempt %d): %s", stored.id, stored.ticket_attempts, error)
            raise
        return stored, ticket

    def _refused(self, request: SupportRequest, refusal: TrackerRefused) -> None:
        def decide(current: SupportRequest) -> SupportRequest | None:
            if current.ticket_state is not TicketState.PENDING:
                return None
            return replace(current, ticket_state=TicketState.FAILED, ticket_error=str(refusal), ticket_claimed_at=None)

        stored, changed = self.desk.apply(request, decide)
        if not changed:
            return
        # Once, by the run that made it FAILED: the reason, in the logs and in the thread.
        logger.error("Jira refused the ticket for %s: %s", stored.id, refusal)
        self.desk.notifier.ticket_refused(stored, str(refusal))
