"""Postmortems: opened when a high-priority incident resolves, held, actioned, published."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from opsdesk.domain.errors import InvalidRequest, NotAllowed
from opsdesk.domain.postmortems import ActionItem, draft_from, people_in
from opsdesk.integrations.confluence import ConfluencePages, Pages, PublishingFailed
from opsdesk.observability import logger, record
from opsdesk.pages.postmortems import body_html, title_of
from opsdesk.store.postmortems import PostmortemRepository

if TYPE_CHECKING:
    from datetime import date, datetime

    from opsdesk.domain.incidents import Incident
    from opsdesk.domain.postmortems import ActionPriority, Postmortem
    from opsdesk.services import Services

ASK = (
    ":spiral_note_pad: A blameless postmortem for *{id}* is open with a draft timeline. "
    "{lead}, please book the group session as soon as you can (ideally within two working days), "
    "then mark it held with `/postmortem held {id}`. Add actions with `/postmortem action {id}`."
)


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
        notifier.post_in_thread(incident, text)
        if owner[:1] in "UW":
            notifier.tell_user(owner, text)

    def require_team(self, user: str) -> None:
        if not self.services.team.is_member(user):
            raise NotAllowed("Only the support team can change postmortems.")

    def mark_held(self, incident_id: str, by: str, at: datetime) -> Postmortem:
        self.require_team(by)
        saved = self.repository.save(self.repository.get(incident_id).mark_held(at))
        record("PostmortemSessionsHeld", 1)
        return saved

    def add_action(
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
        self.require_team(by)
        if len(description.strip()) < 3:
            raise InvalidRequest("Describe the action, e.g. `/postmortem action INC-7K3QF high @sam Add a disk alarm`.")
        self.repository.get(incident_id)  # the postmortem must exist
        item = ActionItem(0, description.strip(), owner, priority, at, due=due)
        return self.repository.add_action(incident_id, item)

    def raise_ticket(self, incident_id: str, number: int, by: str) -> ActionItem:
        """One click: the action item becomes a Jira ticket (found again by label after a timeout)."""
        from opsdesk.integrations.jira import tracker_for  # noqa: PLC0415  # the jira client is heavy

        self.require_team(by)
        postmortem = self.repository.get(incident_id)
        item = next((a for a in self.repository.actions(incident_id) if a.number == number), None)
        if item is None:
            raise InvalidRequest(f"{incident_id} has no action {number}.")
        if item.ticket_key:
            return item
        tracker = tracker_for(self.services)
        if not tracker.enabled:
            raise InvalidRequest("Jira is not configured (JIRA_URL), so no ticket can be raised.")
        label = f"opsdesk-{incident_id.lower()}-action-{number}"
        ticket = tracker.find_by_label(label) or tracker.create(
            f"[{item.priority.value}] {item.description}"[:250],
            f"Action from the postmortem of {incident_id} ({postmortem.title}). Owner: {item.owner}.",
            [label, "postmortem-action"],
        )
        item = replace(item, ticket_key=ticket.key)
        self.repository.save_action(incident_id, item)
        return item

    def publish(self, incident_id: str, by: str, at: datetime) -> tuple[Postmortem, str]:
        """Publish with display names captured now; also to Confluence when configured.

        Returns the stored postmortem and the Confluence URL ("" when not configured or failed).
        """
        self.require_team(by)
        postmortem = self.repository.get(incident_id)
        actions = self.repository.actions(incident_id)
        texts = [line.text for line in postmortem.timeline]
        texts += [postmortem.summary, postmortem.impact, postmortem.lead or ""]
        texts += [item.owner for item in actions] + [item.description for item in actions]
        names = {user: self._display_name(user) for user in people_in(texts)}
        published = self.repository.save(postmortem.publish(at, names))
        record("PostmortemsPublished", 1)
        url = ""
        try:
            url = self._confluence().publish(title_of(published), body_html(published, actions))
        except (PublishingFailed, OSError) as failed:
            logger.warning("confluence publish failed", extra={"reason": str(failed)})
        return published, url

    def _display_name(self, user: str) -> str:
        try:
            profile = self.services.slack.users_info(user=user)["user"]
        except Exception:  # a deactivated or unknown user gets the neutral phrase, not a failed publish
            logger.warning("users.info failed", extra={"user": user})
            return "a support engineer"
        details = profile.get("profile") or {}
        return str(details.get("real_name") or details.get("display_name") or profile.get("real_name") or "")

    def _confluence(self) -> Pages:
        settings = self.services.settings
        if not settings.confluence_url:
            return Pages()
        return ConfluencePages(
            settings.confluence_url,
            settings.confluence_space or settings.jira_project,
            settings.jira_email,
            self.services.secrets.jira_api_token,
        )

    # ---- reminders
    def remind(self, now: datetime) -> dict[str, int]:
        """Working days only: nudge leads whose session is not held, and owners of overdue actions."""
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
        overdue = self.repository.open_actions_due_before(today)
        notifier = self.services.incidents.notifier
        for incident_id, item in overdue:
            if item.owner[:1] in "UW":
                due = item.due.isoformat() if item.due else "?"
                notifier.tell_user(
                    item.owner,
                    f":hourglass: Action {item.number} from the {incident_id} postmortem was due {due}: "
                    f"{item.description}",
                )
        return {"sessions": sessions, "actions": len(overdue)}
