"""The weekend paging trial: page PagerDuty for high-priority incidents out of hours, resolve with them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from opsdesk.domain.errors import InvalidRequest
from opsdesk.domain.incidents import EntryKind, Incident
from opsdesk.domain.paging import Alert, PagingFailed
from opsdesk.flows.incidents import Change
from opsdesk.flows.permissions import Permission
from opsdesk.observability import logger, record

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from opsdesk.domain.clock import SupportHours
    from opsdesk.domain.paging import Alerts
    from opsdesk.flows.incidents import IncidentRunner
    from opsdesk.store.pages import PageCounts

ON_CALL = "on-call"
OPSDESK = "opsdesk"
_WEEKEND = {5, 6}


def out_of_hours(moment: datetime, hours: SupportHours, mode: str) -> bool:
    """Whether the trial pages now: weekends always; "weeknights" adds nights and bank holidays."""
    if hours.local(moment).weekday() in _WEEKEND:
        return True
    return mode == "weeknights" and not hours.is_open(moment)


class Paging:
    """Pages and resolves; as an IncidentObserver it reacts to high-priority incidents out of hours."""

    def __init__(
        self,
        runner: IncidentRunner,
        alerts: Alerts,
        counts: PageCounts,
        hours: SupportHours,
        *,
        mode: str = "weekends",
        on_call: Callable[[], str | None] = lambda: None,
        status_url: str = "",
        now: Callable[[], datetime],
        already_paged: Callable[[Incident], bool] = lambda _incident: False,
    ) -> None:
        self.already_paged = already_paged  # e.g. by the alert it was declared from: a storm is one page
        self.runner = runner
        self.notifier = runner.notifier
        self.alerts = alerts
        self.counts = counts
        self.hours = hours
        self.mode = mode
        self.on_call = on_call
        self.status_url = status_url
        self.now = now

    # ---- IncidentObserver
    def on_declared(self, incident: Incident) -> None:
        # One key per declaration: a run finishing a crashed one's follow-ups pages nobody twice.
        self._page_if_due(incident, incident.declared_at, "page:auto:declared")

    def on_priority_changed(self, incident: Incident) -> None:
        self._page_if_due(incident, self.now(), f"page:auto:priority:{incident.version}")

    def on_resolved(self, incident: Incident) -> None:
        entries = self.runner.repository.timeline(incident.id)
        if not any(entry.kind is EntryKind.PAGE and entry.source_key.startswith("page:") for entry in entries):
            return
        at = incident.resolved_at or self.now()
        try:
            self.alerts.resolve(incident.id)
        except PagingFailed as failed:
            self._report_failure(incident, str(failed))
            return
        # Keyed on the resolution, not the version: a run finishing a crashed one's follow-ups adds nothing.
        change = Change(OPSDESK, at, f"page-resolve:{at.isoformat()}")
        self.runner.add_note(incident.id, change.entry(EntryKind.PAGE, "Page resolved in PagerDuty"))

    # ---- paging
    def page_by_hand(self, incident_id: str, by: str, at: datetime, source_key: str) -> Incident:
        """`/incident page`: page now, whatever the time, when the trial is on."""
        self.runner.flows.require_team(by, Permission.PAGE)
        if not self.alerts.enabled:
            raise InvalidRequest("Paging is off (the weekend trial is not enabled), so nobody can be paged from here.")
        incident = self.runner.repository.get(incident_id)
        if not incident.is_open:
            raise InvalidRequest(f"{incident.id} is resolved; there is nothing to page about.")
        self.page(incident, at, f"page:{source_key}", by=by)
        return incident

    def _page_if_due(self, incident: Incident, at: datetime, source_key: str) -> None:
        due = incident.is_open and incident.is_high and out_of_hours(at, self.hours, self.mode)
        if due and not self.already_paged(incident):
            self.page(incident, at, source_key)

    def page(self, incident: Incident, at: datetime, source_key: str, by: str = OPSDESK) -> bool:
        """Trigger the alert, then record it once (a replay finds the entry and counts nothing)."""
        person = self.on_call() or ON_CALL
        try:
            self.alerts.trigger(self._alert(incident, at))
        except PagingFailed as failed:
            self._report_failure(incident, str(failed))
            return False
        entry = Change(by, at, source_key).entry(EntryKind.PAGE, subject=person)
        _, changed = self.runner.apply(incident.id, lambda current: (current, entry))
        if changed:
            self.counts.add(person, at)
            record("Pages", 1, trigger="manual" if by != OPSDESK else "automatic")  # per person: PageCounts
            # The caller's view knows the announcement even before the declaration stores it.
            self.notifier.recorded(incident, entry)
        return changed

    def acknowledged(self, incident_id: str, agent: str, change: Change) -> tuple[Incident, bool] | None:
        """PagerDuty says someone acknowledged the page: on the timeline and in the thread, once.

        None when the incident is not one of ours.
        """
        incident = self.runner.repository.find(incident_id)
        if incident is None:
            return None
        entry = change.entry(EntryKind.PAGE, f"Page acknowledged in PagerDuty by {agent}")
        stored, changed = self.runner.apply(incident.id, lambda current: (current, entry))
        if changed:
            self.notifier.recorded(stored, entry)
        return stored, changed

    def _alert(self, incident: Incident, at: datetime) -> Alert:
        links = []
        if incident.announcement is not None:
            links.append((self.notifier.thread_link(incident), "Slack thread"))
        if self.status_url:
            links.append((self.status_url, "Status page"))
        return Alert(
            dedup_key=incident.id,
            summary=f"{incident.id} ({incident.priority.value} priority): {incident.title}",
            source=incident.service or "opsdesk",
            timestamp=at,
            links=tuple(links),
        )

    def _report_failure(self, incident: Incident, reason: str) -> None:
        logger.error("paging failed", extra={"incident": incident.id, "reason": reason})
        record("PagesFailed", 1)
        self.notifier.paging_failed(incident, reason)
