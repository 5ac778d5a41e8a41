"""The working day: the start-of-day checklist, the end-of-day handover and its 18:00 check."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from opsdesk.domain.errors import NotifierUnavailable, OpsdeskError
from opsdesk.domain.ports import Checklist, Posted, Ticks
from opsdesk.domain.requests import Stage
from opsdesk.domain.stats import months_between
from opsdesk.flows.optimistic import Optimistic
from opsdesk.store.day import DayRepository
from opsdesk.store.requests import RequestRepository
from opsdesk.store.rota import RotaRepository

if TYPE_CHECKING:
    from opsdesk.domain.incidents import Incident
    from opsdesk.domain.ports import DayNotifier
    from opsdesk.domain.tickets import TicketTracker
    from opsdesk.services import Services
    from opsdesk.settings import Settings
    from opsdesk.store.incidents import IncidentRepository

logger = logging.getLogger(__name__)


def age(since: datetime, now: datetime) -> str:
    minutes = max(int((now - since).total_seconds() // 60), 0)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours >= 48:
        return f"{hours // 24} days"
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


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

    @classmethod
    def from_services(cls, services: Services) -> WorkingDay:
        table = services.settings.table_name
        return cls(
            services.settings,
            services.day_notifier,
            services.incident_repository,
            RequestRepository(table),
            RotaRepository(table),
            DayRepository(table),
            services.tracker,
        )

    def day_of(self, now: datetime) -> str:
        return self.settings.hours.local(now).date().isoformat()

    def local_date(self, now: datetime) -> date:
        return self.settings.hours.local(now).date()

    def last_close(self, now: datetime) -> datetime:
        """18:00 on the previous working day: where the out-of-hours handover starts."""
        hours = self.settings.hours
        day = hours.local(now).date() - timedelta(days=1)
        while not hours.is_working_day(day):
            day -= timedelta(days=1)
        return datetime.combine(day, hours.closes, tzinfo=hours.zone)

    # ---- 08:00
    def start(self, now: datetime) -> dict[str, object]:
        day = self.day_of(now)
        pair = self.rota.today(self.local_date(now)).engineers
        sections = (self._unassigned_requests(now), self._board(), self._out_of_hours(now))
        checklist = Checklist(day, tuple(pair), sections)
        posted = self.notifier.post_checklist(checklist)
        self.days.record_checklist(checklist, posted, now)
        return {"posted": "checklist", "day": day}

    def _unassigned_requests(self, now: datetime) -> str:
        waiting = self.requests.list_stage(Stage.TODO)
        if not waiting:
            return "*Unassigned requests:* none :sunny:"
        lines = [f"• *{request.id}* waiting {age(request.created_at, now)}: {request.text[:80]}" for request in waiting]
        return f"*Unassigned requests ({len(waiting)}):*\n" + "\n".join(lines[:20])

    def _board(self) -> str:
        if not self.tracker.enabled:
            return "*Board:* Jira is not configured, so check the board by hand."
        try:
            tickets = self.tracker.unassigned()
        except OpsdeskError as error:
            return f"*Board:* could not read Jira ({error}); check the board by hand."
        if not tickets:
            return "*Board:* no unassigned tickets."
        lines = [f"• <{ticket.url}|{ticket.key}> {ticket.summary[:80]}" for ticket in tickets[:20]]
        return f"*Board tickets not assigned ({len(tickets)}):*\n" + "\n".join(lines)

    def _incidents_since(self, since: datetime, now: datetime) -> list[Incident]:
        months = months_between(since, now)
        found = self.incidents.list_open() + [item for month in months for item in self.incidents.list_closed_in(month)]
        unique = {incident.id: incident for incident in found if incident.declared_at >= since}
        return sorted(unique.values(), key=lambda incident: incident.declared_at)

    def _out_of_hours(self, now: datetime) -> str:
        since = self.last_close(now)
        incidents = self._incidents_since(since, now)
        lines = [f"*Out-of-hours handover* (since {since:%a %H:%M}):"]
        lines += [f"• {incident.id} ({incident.priority.value}) {incident.title[:80]}" for incident in incidents]
        if not incidents:
            lines.append("• No incidents.")
        high = [incident for incident in incidents if incident.is_high]
        if self.settings.paging_enabled and high:
            lines.append(f"• Pages: {len(high)} high-priority incident(s) may have paged on call.")
        lines.append(f"• Messages in <#{self.settings.ops_channel_id}>: {self._messages_since(since, now)}")
        return "\n".join(lines)

    def _messages_since(self, since: datetime, now: datetime) -> str:
        try:
            return str(self.notifier.messages_since(self.settings.ops_channel_id, since, now))
        except NotifierUnavailable as error:
            # The checklist still goes out; the person reads the channel by hand.
            return f"could not read the channel ({error})"

    # ---- 17:30
    def end(self, now: datetime) -> dict[str, object]:
        day = self.day_of(now)
        on_call = self.rota.on_call()
        sections = self._handover_sections()
        # A retry after a later step failed finds the handover already posted, and keeps who did it.
        if self.days.post_of(day, "HANDOVER") is None:
            posted = self.notifier.post_handover(day, on_call, sections)
            self.days.record_post(day, "HANDOVER", posted.channel, posted.ts, now)
        if on_call:
            self.notifier.send_handover_to_on_call(on_call, sections)
        return {"posted": "handover", "day": day, "on_call": on_call or ""}

    def _handover_sections(self) -> list[str]:
        high = [incident for incident in self.incidents.list_open() if incident.is_high]
        in_progress = self.requests.list_stage(Stage.IN_PROGRESS)
        incidents = "\n".join(f"• {incident.id} {incident.title[:80]}" for incident in high) or "• None."
        requests = (
            "\n".join(
                f"• {request.id} <@{request.assignee}>: {request.text[:80]}" if request.assignee else f"• {request.id}"
                for request in in_progress
            )
            or "• None."
        )
        return [
            f"*Open high-priority incidents:*\n{incidents}",
            f"*Requests in progress:*\n{requests}",
            "*Planned work:* reply in this thread with anything planned for out of hours.",
        ]

    def record_handover(self, day: str, user: str, at: datetime) -> bool:
        first = self.days.record_handover(day, user, at)
        post = self.days.post_of(day, "HANDOVER")
        if first and post:
            where = _posted(post)
            self.notifier.show_handover_done(where, day, self.rota.on_call(), self._handover_sections(), user)
        return first

    # ---- 18:00
    def check_handover(self, now: datetime) -> dict[str, object]:
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
        found = self.days.checklist(day)
        if found is not None:
            where, checklist = found
            self.notifier.show_ticks(where, checklist)


def _posted(item: dict[str, object]) -> Posted:
    return Posted(str(item["channel"]), str(item["ts"]))
