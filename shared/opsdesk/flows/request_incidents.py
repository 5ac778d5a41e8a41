"""A support request declared as an incident follows it: In progress when declared, done when resolved.

The incident keeps the request's id (it was declared from the request's message); this observer
keeps the request in step. On declaration the request records the incident and moves to In
progress; on resolution it is done, with a resolution that names the incident, and its requester
is asked for a rating once. Both are conditional writes that change nothing the second time, so a
follow-up replayed after a crash (flows/followups.py) repeats nothing; a rating a crash left unasked
is asked by the replay (the request's own flag makes it once).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from opsdesk.domain.errors import NotFound
from opsdesk.domain.requests import Stage
from opsdesk.observability import logger

if TYPE_CHECKING:
    from collections.abc import Callable

    from opsdesk.domain.incidents import Incident
    from opsdesk.domain.requests import SupportRequest
    from opsdesk.flows.support import SupportDesk


class LinkedRequests:
    """The IncidentObserver that keeps a request declared as an incident in step with it."""

    def __init__(self, desk: Callable[[], SupportDesk]) -> None:
        # Built on first use: most incidents come from no request, and the Alarms function never needs the desk.
        self._desk = desk

    def on_declared(self, incident: Incident) -> None:
        request = self._request(incident)
        if request is None:
            return
        desk = self._desk()
        stored, changed = desk.apply(
            request, lambda current: current.link_incident(incident.id, incident.declared_by, incident.declared_at)
        )
        if changed:
            desk.refresh(stored)
            desk.notifier.linked_to_incident(stored)
            desk.follow_on_board(stored, Stage.IN_PROGRESS)
        elif stored.incident_id == incident.id:
            desk.refresh(stored)  # a replay: the run that linked them may have died before the panel showed it

    def on_priority_changed(self, incident: Incident) -> None:
        return None

    def on_resolved(self, incident: Incident) -> None:
        request = self._request(incident)
        if request is None:
            return
        desk = self._desk()
        at = incident.resolved_at or desk.now()
        stored, changed = desk.apply(
            request, lambda current: current.resolved_with(incident.id, incident.resolution, at)
        )
        if changed:
            desk.finished(stored, at)
            desk.follow_on_board(stored, Stage.DONE)
        elif stored.incident_id == incident.id and stored.stage is Stage.DONE:
            desk.ask_for_rating(stored)  # a replay: the run that closed it may have died before asking

    def _request(self, incident: Incident) -> SupportRequest | None:
        if not incident.request_id:
            return None
        try:
            return self._desk().request_by_id(incident.request_id)
        except NotFound:
            logger.warning("the incident's request is gone", extra={"incident": incident.id})
            return None
