"""The working day: the start-of-day checklist, the end-of-day handover and its 18:00 check."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError

from opsdesk.domain.errors import OpsdeskError
from opsdesk.domain.requests import Stage
from opsdesk.integrations.jira import tracker_for
from opsdesk.slack.views.day import checklist_blocks, handover_blocks, people
from opsdesk.slack.views.incidents import as_dicts
from opsdesk.store.day import DayRepository
from opsdesk.store.requests import RequestRepository
from opsdesk.store.rota import RotaRepository

if TYPE_CHECKING:
    from opsdesk.domain.incidents import Incident
    from opsdesk.services import Services

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

    services: Services

    @classmethod
    def from_services(cls, services: Services) -> WorkingDay:
        return cls(services)

    @property
    def table(self) -> str:
        return self.services.settings.table_name

    def day_of(self, now: datetime) -> str:
        return self.services.settings.hours.local(now).date().isoformat()

    def last_close(self, now: datetime) -> datetime:
        """18:00 on the previous working day: where the out-of-hours handover starts."""
        hours = self.services.settings.hours
        day = hours.local(now).date() - timedelta(days=1)
        while not hours.is_working_day(day):
            day -= timedelta(days=1)
        return datetime.combine(day, hours.closes, tzinfo=hours.zone)

    # ---- 08:00
    def start(self, now: datetime) -> dict[str, object]:
        day = self.day_of(now)
        pair = RotaRepository(self.table).today(hours_date(self, now)).engineers
        sections = [self._unassigned_requests(now), self._board(), self._out_of_hours(now)]
        settings = self.services.settings
        response = self.services.slack.chat_postMessage(
            channel=settings.team_channel_id,
            text=f"Start of day {day}: the support checklist",
            blocks=as_dicts(checklist_blocks(day, pair, sections)),
        )
        DayRepository(self.table).record_post(day, "CHECKLIST", str(response["channel"]), str(response["ts"]), now)
        return {"posted": "checklist", "day": day}

    def _unassigned_requests(self, now: datetime) -> str:
        waiting = RequestRepository(self.table).list_stage(Stage.TODO)
        if not waiting:
            return "*Unassigned requests:* none :sunny:"
        lines = [f"• *{request.id}* waiting {age(request.created_at, now)}: {request.text[:80]}" for request in waiting]
        return f"*Unassigned requests ({len(waiting)}):*\n" + "\n".join(lines[:20])

    def _board(self) -> str:
        tracker = tracker_for(self.services)
        if not tracker.enabled:
            return "*Board:* Jira is not configured, so check the board by hand."
        try:
            tickets = tracker.unassigned()
        except OpsdeskError as error:
            return f"*Board:* could not read Jira ({error}); check the board by hand."
        if not tickets:
            return "*Board:* no unassigned tickets."
        lines = [f"• <{ticket.url}|{ticket.key}> {ticket.summary[:80]}" for ticket in tickets[:20]]
        return f"*Board tickets not assigned ({len(tickets)}):*\n" + "\n".join(lines)

    def _incidents_since(self, since: datetime, now: datetime) -> list[Incident]:
        repository = self.services.incident_repository
        months = {f"{since:%Y-%m}", f"{now:%Y-%m}"}
        found = repository.list_open() + [item for month in months for item in repository.list_closed_in(month)]
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
        if self.services.settings.paging_enabled and high:
            lines.append(f"• Pages: {len(high)} high-priority incident(s) may have paged on call.")
        lines.append(f"• Messages in <#{self.services.settings.ops_channel_id}>: {self._messages_since(since, now)}")
        return "\n".join(lines)

    def _messages_since(self, since: datetime, now: datetime) -> str:
        try:
            history = self.services.slack.conversations_history(
                channel=self.services.settings.ops_channel_id,
                oldest=f"{since.timestamp():.6f}",
                latest=f"{now.timestamp():.6f}",
                limit=200,
            )
        except SlackApiError as error:
            return f"could not read the channel ({error.response.get('error')})"
        people_messages = [message for message in history.get("messages") or [] if not message.get("bot_id")]
        return str(len(people_messages))

    # ---- 17:30
    def end(self, now: datetime) -> dict[str, object]:
        day = self.day_of(now)
        on_call = RotaRepository(self.table).on_call()
        sections = self._handover_sections()
        settings = self.services.settings
        response = self.services.slack.chat_postMessage(
            channel=settings.team_channel_id,
            text=f"End-of-day handover {day}" + (f" to <@{on_call}>" if on_call else ""),
            blocks=as_dicts(handover_blocks(day, on_call, sections)),
        )
        DayRepository(self.table).record_post(day, "HANDOVER", str(response["channel"]), str(response["ts"]), now)
        if on_call:
            self.services.slack.chat_postMessage(
                channel=on_call, text="You are on call tonight. The handover:\n\n" + "\n\n".join(sections)
            )
        return {"posted": "handover", "day": day, "on_call": on_call or ""}

    def _handover_sections(self) -> list[str]:
        high = [incident for incident in self.services.incident_repository.list_open() if incident.is_high]
        in_progress = RequestRepository(self.table).list_stage(Stage.IN_PROGRESS)
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
        repository = DayRepository(self.table)
        first = repository.record_handover(day, user, at)
        post = repository.post_of(day, "HANDOVER")
        if first and post:
            on_call = RotaRepository(self.table).on_call()
            self.services.slack.chat_update(
                channel=post["channel"],
                ts=post["ts"],
                text=f"End-of-day handover {day}: done by <@{user}>",
                blocks=as_dicts(handover_blocks(day, on_call, self._handover_sections(), done_by=user)),
            )
        return first

    # ---- 18:00
    def check_handover(self, now: datetime) -> dict[str, object]:
        day = self.day_of(now)
        post = DayRepository(self.table).post_of(day, "HANDOVER")
        if post and post.get("done_by"):
            return {"handover": "done", "by": str(post["done_by"])}
        pair = RotaRepository(self.table).today(hours_date(self, now)).engineers
        self.services.slack.chat_postMessage(
            channel=self.services.settings.team_channel_id,
            text=f":bell: {people(pair)}: nobody has handed over to on call yet. "
            "Please go through the end-of-day handover and press *Handover done*.",
        )
        return {"handover": "nudged"}

    # ---- ticks
    def record_ticks(self, day: str, selected: list[str], user: str, at: datetime) -> None:
        repository = DayRepository(self.table)
        ticks = repository.record_ticks(day, selected, user, at)
        logger.info("checklist ticks", extra={"day": day, "ticks": ticks})


def hours_date(working_day: WorkingDay, now: datetime) -> date:
    return working_day.services.settings.hours.local(now).date()
