"""Out of hours nobody watches Slack: a high-priority alert pages PagerDuty (the paging trial's adapter and rule).

The dedup key is the alert group's id, so a storm is one page; it resolves when the group closes
(recovered on its own, or not an incident) or when the incident it became is resolved.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from opsdesk.domain.alerts import AlertGroup, AlertNote, AlertStatus, NoteKind, PageState
from opsdesk.domain.incidents import Priority
from opsdesk.domain.paging import Alert, PagingFailed
from opsdesk.flows.paging import out_of_hours
from opsdesk.observability import logger, record

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from opsdesk.domain.clock import SupportHours
    from opsdesk.domain.incidents import Incident
    from opsdesk.domain.paging import Alerts
    from opsdesk.domain.ports import AlertNotifier

_CLOSED = (AlertStatus.RECOVERED, AlertStatus.DISMISSED)


class AlertPaging:
    """Pages for an alert group and resolves the page, when the trial is on."""

    def __init__(
        self, pager: Alerts, notifier: AlertNotifier, hours: SupportHours, *, enabled: bool, mode: str = "weekends"
    ) -> None:
        self.pager = pager
        self.notifier = notifier
        self.hours = hours
        self.enabled = enabled
        self.mode = mode

    def keep_in_step(self, group: AlertGroup, now: datetime) -> PageState | None:
        """Trigger or resolve the group's page as its state asks; the new page state, or None if unchanged."""
        if not self.enabled:
            return None
        high = group.priority is Priority.HIGH
        if group.page is PageState.NONE and group.is_open and high and out_of_hours(now, self.hours, self.mode):
            return self._trigger(group, now)
        if group.page is PageState.TRIGGERED and group.status in _CLOSED:
            return self.resolve(group)
        return None

    def resolve(self, group: AlertGroup) -> PageState | None:
        try:
            self.pager.resolve(group.id)
        except PagingFailed as failed:
            self._failed(group, str(failed))
            return None
        self.notifier.note(group, AlertNote(NoteKind.PAGE_RESOLVED), key="page:resolved")
        return PageState.RESOLVED

    def _trigger(self, group: AlertGroup, now: datetime) -> PageState | None:
        alert = Alert(
            dedup_key=group.id,
            summary=f"{group.id} (alert, high priority): {group.suggested_title}",
            source=group.service or "opsdesk",
            timestamp=now,
        )
        try:
            self.pager.trigger(alert)
        except PagingFailed as failed:
            self._failed(group, str(failed))
            return None
        record("Pages", 1, trigger="alert")
        self.notifier.note(group, AlertNote(NoteKind.PAGED), key="page:triggered")
        return PageState.TRIGGERED

    def _failed(self, group: AlertGroup, reason: str) -> None:
        logger.error("paging for an alert failed", extra={"alert": group.id, "reason": reason})
        record("PagesFailed", 1)
        self.notifier.note(group, AlertNote(NoteKind.PAGE_FAILED, text=reason), key=f"page:failed:{group.version}")


class AlertPagesFollowIncidents:
    """An IncidentObserver: the page of the alert an incident was declared from resolves with the incident.

    It is handed how to reach the alert flows rather than the flows themselves: they are built from the
    incident flows it watches, and only when an incident is resolved is one needed.
    """

    def __init__(self, resolve_page: Callable[[str], None]) -> None:
        self.resolve_page = resolve_page

    def on_declared(self, incident: Incident) -> None:
        return None  # the alert paged already if it had to; the incident's own page is the paging trial's

    def on_priority_changed(self, incident: Incident) -> None:
        return None

    def on_resolved(self, incident: Incident) -> None:
        self.resolve_page(incident.id)
