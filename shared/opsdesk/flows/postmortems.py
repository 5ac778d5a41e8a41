"""Postmortems: opened when a high-priority incident resolves, scheduled, held, edited, reminded."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from opsdesk.domain.errors import NotAllowed, NotifierUnavailable
from opsdesk.domain.postmortems import NEUTRAL_PERSON, draft_from, people_in
from opsdesk.observability import logger, record
from opsdesk.store.postmortems import PostmortemRepository

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from datetime import datetime

    from opsdesk.domain.incidents import Incident
    from opsdesk.domain.postmortems import Postmortem, Section
    from opsdesk.services import Services

ASK = (
    ":spiral_note_pad: A blameless postmortem for *{id}* is open with a draft timeline. "
    "{lead}, please book the group session as soon as you can (ideally within two working days), "
    "then mark it held with `/postmortem held {id}`. Write it up with `/postmortem edit {id}` "
    "and add actions with `/postmortem action {id}`."
)


def require_team(services: Services, user: str) -> None:
    if not services.team.is_member(user):
        raise NotAllowed("Only the support team can change postmortems.")


def display_name(services: Services, user: str) -> str:
    """The person's name as Slack shows it; the neutral phrase for a deactivated or unknown user."""
    try:
        profile = services.slack.users_info(user=user)["user"]
    except Exception:  # a missing name must not fail a publish; the neutral phrase is safe to show
        logger.warning("users.info failed", extra={"user": user})
        return NEUTRAL_PERSON
    details = profile.get("profile") or {}
    name = details.get("real_name") or details.get("display_name") or profile.get("real_name")
    return str(name or NEUTRAL_PERSON)


def with_names_for(services: Services, postmortem: Postmortem, texts: Iterable[str]) -> Postmortem:
    """Add display names for people mentioned in `texts` that the postmortem has no name for yet."""
    missing = people_in(texts) - set(postmortem.names)
    if not missing:
        return postmortem
    return postmortem.with_names({user: display_name(services, user) for user in sorted(missing)})


class PostmortemFlows:
    """Postmortem use cases; also the IncidentObserver that opens one on resolution."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.repository = PostmortemRepository(services.settings.table_name)

    # ---- IncidentObserver
    def on_declared(self, incident: Incident) -> None:
        return None

    def on_priority_changed(self, incident: Incident) -> None:
        return None

    def on_resolved(self, incident: Incident) -> None:
        if incident.postmortem_due:
            self.open(incident)

    # ---- flows
    def open(self, incident: Incident) -> Postmortem:
        """Draft from the recorded timeline and ask the lead to schedule the session (once)."""
        entries = self.services.incident_repository.timeline(incident.id)
        draft = draft_from(incident, entries, incident.resolved_at or self.services.now())
        if not self.repository.create(draft):
            return self.repository.get(incident.id)
        record("PostmortemsOpened", 1)
        self._ask_lead(incident, draft)
        return draft

    def _ask_lead(self, incident: Incident, postmortem: Postmortem, prefix: str = "") -> None:
        owner = postmortem.lead or incident.lead or incident.declared_by
        who = f"<@{owner}>" if owner[:1] in "UW" else "Incident lead"
        text = prefix + ASK.format(id=incident.id, lead=who)
        notifier = self.services.incidents.notifier
        notifier.ask_for_postmortem(incident, text)
        if owner[:1] in "UW":
            notifier.tell_user(owner, text)

    def mark_held(self, incident_id: str, by: str, at: datetime) -> Postmortem:
        require_team(self.services, by)
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
        require_team(self.services, by)
        edited = replace(self.repository.get(incident_id).edit(texts, by, at), version=version)
        if edited.is_published:  # the public page reads names captured when they are written
            edited = with_names_for(self.services, edited, edited.sections().values())
        return self.repository.save_once(edited, claim, at)

    # ---- reminders
    def remind(self, now: datetime) -> dict[str, int]:
        """Working days only: nudge leads whose session is not held, and owners of overdue open actions."""
        hours = self.services.settings.hours
        today = hours.local(now).date()
        if not hours.is_working_day(today):
            return {"sessions": 0, "actions": 0}
        sessions = 0
        for postmortem in self.repository.list_open():
            opened_on = hours.local(postmortem.opened_at).date()
            if opened_on < today and postmortem.needs_session_reminder(today):
                incident = self.services.incident_repository.get(postmortem.incident_id)
                self._ask_lead(incident, postmortem, prefix="*Reminder:* ")
                self.repository.save(replace(postmortem, last_reminded_on=today))
                sessions += 1
        overdue = self.repository.action_items.open_due_before(today)  # done items are not in this index
        notifier = self.services.incidents.notifier
        for incident_id, item in overdue:
            if item.owner[:1] in "UW":
                due = item.due.isoformat() if item.due else "?"
                try:
                    notifier.tell_user(
                        item.owner,
                        f":hourglass: Action {item.number} from the {incident_id} postmortem was due {due}: "
                        f"{item.description}. When it is done: `/postmortem done {incident_id} {item.number}`.",
                    )
                except NotifierUnavailable as error:
                    # One unreachable owner must not stop (or, on a retry, repeat) everyone else's reminder.
                    logger.warning("reminder not sent", extra={"owner": item.owner, "reason": str(error)})
        return {"sessions": sessions, "actions": len(overdue)}
