"""Nobody left waiting: untaken requests raised to whoever is on support, then to the whole team; cover reminded.

The process wants one engineer answering the ops channel throughout support hours, lunch included.
Every few minutes in support hours (the triage sweep), each request still in To do is checked
against the support-hours time it has waited: at UNTAKEN_MINUTES it is raised in the team channel
to whoever is on support now (the cover person inside a cover window, else the day's pair), at
UNTAKEN_TEAM_MINUTES to the whole support team. Each raise is recorded on the request in a
conditional write before it is posted, so overlapping sweeps raise once; the post's ts is kept, so
the raise can be edited to say who took it. A cover window's start reminds its cover person once
(recorded on the cover item first, given back if the reminder could not be sent).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from opsdesk.domain.errors import NotifierUnavailable
from opsdesk.domain.requests import Raise, Stage, SupportRequest
from opsdesk.observability import logger, record

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from opsdesk.domain.rota import Cover, OnDuty
    from opsdesk.flows.rota import Rota
    from opsdesk.flows.support import SupportDesk
    from opsdesk.store.rota import RotaRepository


class Waiting:
    """Raises requests nobody has taken and reminds the cover person, during support hours only."""

    def __init__(self, desk: SupportDesk, rota: Rota, rota_repository: RotaRepository) -> None:
        self.desk = desk
        self.rota = rota
        self.covers = rota_repository
        self.notifier = desk.notifier
        self.settings = desk.settings

    def sweep(self, now: datetime) -> dict[str, int]:
        """Raise what waits too long and remind a cover person whose window has started."""
        if not self.settings.hours.is_open(now):
            return {"raised": 0, "raised_to_team": 0, "cover_reminded": 0}
        waiting = self.desk.repository.list_stage(Stage.TODO)
        today, at = self.rota.today(now), self.settings.hours.local(now).time()
        raised = {level: 0 for level in Raise}
        for request in waiting:
            level = self._due(request, now)
            if level is not None and self.raise_untaken(request, level, today.on_duty(at), now):
                raised[level] += 1
        reminded = self.remind_cover(today.covers, now, len(waiting))
        return {"raised": raised[Raise.ON_DUTY], "raised_to_team": raised[Raise.TEAM], "cover_reminded": reminded}

    def _due(self, request: SupportRequest, now: datetime) -> Raise | None:
        settings = self.settings
        return request.raise_due(now, settings.hours, on_duty=settings.untaken_after, team=settings.untaken_team_after)

    def raise_untaken(self, request: SupportRequest, level: Raise, on_duty: OnDuty, now: datetime) -> bool:
        """Raise once at this level: the mark is saved before posting, so overlapping sweeps cannot both post."""

        def decide(current: SupportRequest) -> SupportRequest | None:
            return current.mark_raised(level, now) if self._due(current, now) is level else None

        stored, changed = self.desk.apply(request, decide)
        if not changed:
            return False
        waited = self.settings.hours.support_time_between(stored.created_at, now)
        try:
            ts = self.notifier.raise_untaken(stored, level, on_duty, waited)
        except Exception:
            self._unmark(stored, request)  # not posted: the job's retry (or the next sweep) raises it
            raise
        record("SupportRequestsRaised", 1, trigger=level.value)
        # Kept so the raise can say who took it; if this write is lost, the raise simply stays as posted.
        self.desk.apply(stored, lambda current: replace(current, raise_posts=(*current.raise_posts, ts)))
        return True

    def _unmark(self, marked: SupportRequest, before: SupportRequest) -> None:
        """Give a raise back, unless someone changed the request since (then the mark is theirs to keep)."""

        def undo(current: SupportRequest) -> SupportRequest | None:
            if (current.raised_at, current.escalated_at) != (marked.raised_at, marked.escalated_at):
                return None
            return replace(current, raised_at=before.raised_at, escalated_at=before.escalated_at)

        try:
            self.desk.apply(marked, undo)
        except Exception:  # the original failure is what matters; the raise is then simply not repeated
            logger.exception("could not give back an untaken request's raise", extra={"request": marked.id})

    def remind_cover(self, covers: Sequence[Cover], now: datetime, waiting: int) -> int:
        """Remind each cover person whose window is on and who has not been reminded of it."""
        at = self.settings.hours.local(now).time()
        reminded = 0
        for cover in covers:
            if not cover.covers(at) or not self.covers.mark_cover_reminded(cover, now):
                continue
            try:
                self.notifier.remind_cover(cover, waiting)
            except NotifierUnavailable as error:  # a person Slack cannot reach is not retried every 5 minutes
                logger.warning("cover reminder not sent", extra={"user": cover.user, "reason": str(error)})
                continue
            except Exception:
                self.covers.unmark_cover_reminded(cover)  # the next sweep tries again
                raise
            reminded += 1
        return reminded
