"""Postmortems: opened when a high-priority incident resolves, scheduled, held, edited, reminded."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from opsdesk.domain.errors import NotifierUnavailable
from opsdesk.domain.postmortems import NEUTRAL_PERSON, draft_from, people_in
from opsdesk.flows import permissions
from opsdesk.observability import logger, record

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping
    from datetime import date, datetime

    from opsdesk.domain.clock import SupportHours
    from opsdesk.domain.incidents import Incident
    from opsdesk.domain.ports import IncidentNotifier, People, Team
    from opsdesk.domain.postmortems import ActionItem, Postmortem, Section
    from opsdesk.store.incidents import IncidentRepository
    from opsdesk.store.postmortems import PostmortemRepository


def require_team(team: Team, user: str) -> None:
    """Refuse unless `user` is on the support team (flows/permissions.py)."""
    permissions.require_team(team, user, permissions.Permission.POSTMORTEM)


def name_of(people: People, user: str) -> str:
    """A display name for records outside Slack; the neutral phrase for anyone Slack cannot name (deactivated)."""
    return people.display_name(user) or NEUTRAL_PERSON


def names_of(people: People, users: Iterable[str]) -> dict[str, str]:
    return {user: name_of(people, user) for user in sorted(users)}


def with_names_for(people: People, postmortem: Postmortem, texts: Iterable[str]) -> Postmortem:
    """Add display names for people mentioned in `texts` that the postmortem has no name for yet."""
    missing = people_in(texts) - set(postmortem.names)
    if not missing:
        return postmortem
    return postmortem.with_names(names_of(people, missing))


class PostmortemFlows:
    """Postmortem use cases; also the IncidentObserver that opens one on resolution."""

    def __init__(
        self,
        repository: PostmortemRepository,
        incidents: IncidentRepository,
        notifier: IncidentNotifier,
        *,
        team: Team,
        people: People,
        hours: SupportHours,
        now: Callable[[], datetime],
    ) -> None:
        self.repository = repository
        self.incidents = incidents
        self.notifier = notifier
        self.team = team
        self.people = people
        self.hours = hours
        self.now = now

    # ---- IncidentObserver
    def on_declared(self, incident: Incident) -> None:
        return None

    def on_priority_changed(self, incident: Incident) -> None:
        return None

    def on_resolved(self, incident: Incident) -> None:
        if incident.postmortem_due:
            self.open(incident)

    # ---- reading
    def get(self, incident_id: str) -> Postmortem:
        return self.repository.get(incident_id)

    def find(self, incident_id: str) -> Postmortem | None:
        return self.repository.find(incident_id)

    def actions(self, incident_id: str) -> list[ActionItem]:
        return self.repository.actions(incident_id)

    # ---- flows
    def open(self, incident: Incident) -> Postmortem:
        """Draft from the recorded timeline and ask the lead to schedule the session (once)."""
        entries = self.incidents.timeline(incident.id)
        draft = draft_from(incident, entries, incident.resolved_at or self.now())
        if not self.repository.create(draft):
            return self.repository.get(incident.id)
        record("PostmortemsOpened", 1)
        self._ask_lead(incident, draft)
        return draft

    def _ask_lead(self, incident: Incident, postmortem: Postmortem, *, reminder: bool = False) -> None:
        owner = postmortem.lead or incident.lead or incident.declared_by
        self.notifier.ask_for_postmortem(incident, owner, reminder=reminder)

    def mark_held(self, incident_id: str, by: str, at: datetime) -> Postmortem:
        require_team(self.team, by)
        saved = self.repository.save(self.repository.get(incident_id).mark_held(at))
        record("PostmortemSessionsHeld", 1)
        return saved

    def edit(
        self, incident_id: str, version: int, texts: Mapping[Section, str], *, by: str, at: datetime, claim: str
    ) -> Postmortem | None:
        """Save the edited sections if nobody saved since `version` was read, once per `claim` (the view id).

        Returns the saved postmortem, or None for a replay of a submission already saved;
        raises Conflict when somebody else saved first.
        """
        require_team(self.team, by)
        edited = replace(self.repository.get(incident_id).edit(texts, by, at), version=version)
        if edited.is_published:  # the public page reads names captured when they are written
            edited = with_names_for(self.people, edited, edited.sections().values())
        return self.repository.save_once(edited, claim, at)

    # ---- reminders
    def remind(self, now: datetime) -> dict[str, int]:
        """Working days only: remind leads of sessions not held, owners of overdue and (weekly) undated actions."""
        hours = self.hours
        today = hours.local(now).date()
        if not hours.is_working_day(today):
            return {"sessions": 0, "actions": 0, "undated_actions": 0}
        sessions = 0
        for postmortem in self.repository.list_open():
            opened_on = hours.local(postmortem.opened_at).date()
            if opened_on < today and postmortem.needs_session_reminder(today):
                incident = self.incidents.get(postmortem.incident_id)
                self._ask_lead(incident, postmortem, reminder=True)
                self.repository.save(replace(postmortem, last_reminded_on=today))
                sessions += 1
        overdue = self.repository.action_items.open_due_before(today)  # done items are not in this index
        for incident_id, item in overdue:
            self._remind_owner(incident_id, item)
        return {"sessions": sessions, "actions": len(overdue), "undated_actions": self._remind_undated(today, now)}

    def _remind_owner(self, incident_id: str, item: ActionItem) -> None:
        if item.owner[:1] not in "UW":
            return  # an owner who is not a Slack user (a team's name) cannot be messaged
        try:
            self.notifier.action_overdue(incident_id, item)
        except NotifierUnavailable as error:
            # One unreachable owner must not stop (or, on a retry, repeat) everyone else's reminder.
            logger.warning("reminder not sent", extra={"owner": item.owner, "reason": str(error)})

    def _remind_undated(self, today: date, now: datetime) -> int:
        """A week after an action with no due date was added or last reminded, remind its owner (recorded first)."""
        items = self.repository.action_items
        reminded = 0
        for incident_id, item in items.undated_due_by(today):
            marked = items.mark_reminded(incident_id, item, now)
            if marked is None:
                continue  # done, or reminded by an overlapping run, since it was read
            try:
                self._remind_owner(incident_id, marked)
            except Exception:
                items.unmark_reminded(incident_id, item, marked)  # not told: the job's retry tells them
                raise
            reminded += 1
        return reminded
