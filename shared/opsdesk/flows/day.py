"""The working day: the start-of-day checklist, the end-of-day handover and its 18:00 check."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from opsdesk.domain.day import LISTED, Board, Handover, MorningDigest, Overnight
from opsdesk.domain.errors import NotAllowed, NotifierUnavailable, OpsdeskError
from opsdesk.domain.ports import Posted, Ticks
from opsdesk.domain.requests import Stage
from opsdesk.domain.stats import months_between
from opsdesk.flows.optimistic import Optimistic
from opsdesk.flows.permissions import Permission, require_team

if TYPE_CHECKING:
    from opsdesk.domain.incidents import Incident
    from opsdesk.domain.ports import DayNotifier, Team
    from opsdesk.domain.tickets import TicketTracker
    from opsdesk.settings import Settings
    from opsdesk.store.day import DayRepository
    from opsdesk.store.incidents import IncidentRepository
    from opsdesk.store.requests import RequestRepository
    from opsdesk.store.rota import RotaRepository

logger = logging.getLogger(__name__)


@dataclass
class WorkingDay:
    """Builds and posts the day's messages from the open work, the rota and the board."""

    settings: Settings
    notifier: DayNotifier
    incidents: IncidentRepository
    requests: RequestRepository
    rota: RotaRepository
    days: DayRepository
    tracker: TicketTracker
    team: Team

    def day_of(self, now: datetime) -> str:
        return self.settings.hours.local(now).date().isoformat()

    def local_date(self, now: datetime) -> date:
        return self.settings.hours.local(now).date()

    def closed(self, now: datetime) -> dict[str, object] | None:
        """Why the day's jobs do nothing today (a weekend, a bank holiday), or None on a working day."""
        day = self.local_date(now)
        if self.settings.hours.is_working_day(day):
            return None
        return {"skipped": "not a working day", "day": day.isoformat()}

    def last_close(self, now: datetime) -> datetime:
        """18:00 on the previous working day: where the out-of-hours handover starts."""
        hours = self.settings.hours
        day = hours.local(now).date() - timedelta(days=1)
        while not hours.is_working_day(day):
            day -= timedelta(days=1)
        return datetime.combine(day, hours.closes, tzinfo=hours.zone)

    # ---- 08:00
    def start(self, now: datetime) -> dict[str, object]:
        if skipped := self.closed(now):
            return skipped
        day = self.day_of(now)
        pair = self.rota.today(self.local_date(now)).engineers
        waiting = self.requests.list_stage(Stage.TODO)
        board = self._board()
        digest = MorningDigest(now, tuple(waiting[:LISTED]), len(waiting), board, self._overnight(now))
        posted, checklist = self.notifier.post_checklist(day, tuple(pair), digest)
        self.days.record_checklist(checklist, posted, now)
        return {"posted": "checklist", "day": day}

    def _board(self) -> Board:
        if not self.tracker.enabled:
            return Board(configured=False)
        try:
            tickets = self.tracker.unassigned()
        except OpsdeskError as error:
            return Board(configured=True, error=str(error))
        return Board(configured=True, tickets=tuple(tickets[:LISTED]), total=len(tickets))

    def _incidents_since(self, since: datetime, now: datetime) -> list[Incident]:
        months = months_between(since, now)
        found = self.incidents.list_open() + [item for month in months for item in self.incidents.list_closed_in(month)]
        unique = {incident.id: incident for incident in found if incident.declared_at >= since}
        return sorted(unique.values(), key=lambda incident: incident.declared_at)

    def _overnight(self, now: datetime) -> Overnight:
        since = self.last_close(now)
        incidents = self._incidents_since(since, now)
        paged = sum(incident.is_high for incident in incidents) if self.settings.paging_enabled else 0
        channel = self.settings.ops_channel_id
        try:
            messages, unread = self.notifier.messages_since(channel, since, now), ""
        except NotifierUnavailable as error:
            # The checklist still goes out; the person reads the channel by hand.
            messages, unread = None, str(error)
        return Overnight(since, tuple(incidents), channel, paged, messages, unread)

    # ---- 17:30
    def end(self, now: datetime) -> dict[str, object]:
        if skipped := self.closed(now):
            return skipped
        day = self.day_of(now)
        on_call = self.rota.on_call()
        handover = self._handover()
        # A retry after a later step failed finds the handover already posted, and keeps who did it.
        if self.days.post_of(day, "HANDOVER") is None:
            posted = self.notifier.post_handover(day, on_call, handover)
            self.days.record_post(day, "HANDOVER", posted.channel, posted.ts, now)
        if on_call:
            self.notifier.send_handover_to_on_call(on_call, handover)
        return {"posted": "handover", "day": day, "on_call": on_call or ""}

    def _handover(self) -> Handover:
        high = [incident for incident in self.incidents.list_open() if incident.is_high]
        return Handover(tuple(high), tuple(self.requests.list_stage(Stage.IN_PROGRESS)))

    def record_handover(self, day: str, user: str, at: datetime) -> bool:
        require_team(self.team, user, Permission.HANDOVER)
        first = self.days.record_handover(day, user, at)
        post = self.days.post_of(day, "HANDOVER")
        if first and post:
            where = _posted(post)
            self.notifier.show_handover_done(where, day, self.rota.on_call(), self._handover(), user)
        return first

    # ---- 18:00
    def check_handover(self, now: datetime) -> dict[str, object]:
        if skipped := self.closed(now):
            return skipped
        day = self.day_of(now)
        post = self.days.post_of(day, "HANDOVER")
        if post and post.get("done_by"):
            return {"handover": "done", "by": str(post["done_by"])}
        self.notifier.nudge_about_handover(self.rota.today(self.local_date(now)).engineers)
        return {"handover": "nudged"}

    # ---- ticks
    def record_ticks(
        self, day: str, selected: list[str], user: str, at: datetime, *, shown: list[str] | None = None
    ) -> None:
        """Keep the first ticker of each item still ticked, and show who ticked what to the whole team.

        `selected` is the whole selection as the clicker saw it, and `shown` what their message showed
        ticked before the click: only the difference is applied, so someone clicking on a message that
        did not show a colleague's tick yet does not untick it. Without `shown`, `selected` is taken as
        the whole truth. The save is conditional on the ticks read, so two people ticking at once both count.
        """
        try:
            require_team(self.team, user, Permission.CHECKLIST)
        except NotAllowed:
            self._show_checklist(day)  # their Slack shows their click ticked: show them the checklist as it is
            raise

        def tick(current: Ticks) -> Ticks:
            unticked = set(current.ticks) - set(selected) if shown is None else set(shown) - set(selected)
            ticks = {item: who for item, who in current.ticks.items() if item not in unticked}
            for item in selected:
                ticks.setdefault(item, f"{user}@{at.isoformat()}")
            return Ticks(ticks, current.version)

        writes: Optimistic[Ticks, Ticks] = Optimistic(
            lambda: self.days.ticks(day),
            lambda ticks: self.days.save_ticks(day, ticks),
            "The checklist is changing fast; please tick again.",
        )
        saved, _ = writes.apply(tick)
        logger.info("checklist ticks", extra={"day": day, "ticks": dict(saved.ticks)})
        self._show_checklist(day)

    def _show_checklist(self, day: str) -> None:
        found = self.days.checklist(day)
        if found is not None:
            where, checklist = found
            self.notifier.show_ticks(where, checklist)


def _posted(item: dict[str, object]) -> Posted:
    return Posted(str(item["channel"]), str(item["ts"]))
