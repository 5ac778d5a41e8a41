"""Putting an incident on the public status page, its public updates, and taking it off: support team only."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from opsdesk.domain.errors import Conflict, InvalidRequest
from opsdesk.domain.incidents import EntryKind
from opsdesk.domain.public_status import PublicNotice, public_text, public_title
from opsdesk.flows.permissions import Permission

if TYPE_CHECKING:
    from opsdesk.domain.incidents import Incident
    from opsdesk.flows.incidents import Change, IncidentRunner


class PublicStatus:
    """Each change is an optimistic, idempotent write whose thread message is owed with it (flows/followups.py)."""

    def __init__(self, runner: IncidentRunner) -> None:
        self.runner = runner

    def publish(self, incident_id: str, change: Change, title: str) -> Incident:
        """Show the incident on the status page under `title` (or retitle it there)."""
        self.runner.flows.require_team(change.by, Permission.PUBLISH)
        shown = public_title(title)
        entry = change.entry(EntryKind.PUBLISHED, shown)

        def decide(incident: Incident) -> Incident | None:
            if incident.public is None:
                return replace(incident, public=PublicNotice(shown, change.at))
            if incident.is_public and incident.public.title == shown:
                return None
            return replace(incident, public=incident.public.retitled(shown))

        return self.runner.told(incident_id, entry, decide)

    def update(self, incident_id: str, change: Change, text: str) -> Incident:
        """Add an update for the public, kept apart from the internal updates."""
        self.runner.flows.require_team(change.by, Permission.PUBLISH)
        said = public_text(text)
        entry = change.entry(EntryKind.PUBLIC_UPDATE, said)

        def decide(incident: Incident) -> Incident:
            if not incident.is_public or incident.public is None:
                raise InvalidRequest(
                    f"{incident.id} is not on the status page. Publish it first: "
                    f"`/incident public {incident.id} <the title the public sees>`."
                )
            return replace(incident, public=incident.public.with_update(said, change.at))

        return self.runner.told(incident_id, entry, decide)

    def withdraw(self, incident_id: str, change: Change) -> Incident:
        """Take the incident off the status page (published by mistake)."""
        self.runner.flows.require_team(change.by, Permission.PUBLISH)
        entry = change.entry(EntryKind.UNPUBLISHED)

        def decide(incident: Incident) -> Incident | None:
            if incident.public is None:
                raise Conflict(f"{incident.id} is not on the status page.")
            return (
                None
                if incident.public.withdrawn
                else replace(incident, public=replace(incident.public, withdrawn=True))
            )

        return self.runner.told(incident_id, entry, decide)
