"""The weekend paging trial: page PagerDuty for high-priority incidents out of hours, resolve with them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from opsdesk.domain.errors import InvalidRequest
from opsdesk.domain.incidents import EntryKind, Incident, TimelineEntry
from opsdesk.domain.paging import Alert, PagingFailed
from opsdesk.flows.incidents import Change, IncidentRunner
from opsdesk.observability import logger, record

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from opsdesk.domain.clock import SupportHours
    from opsdesk.domain.paging import Alerts
    from opsdesk.services import Services
    from opsdesk.store.pages import PageCounts

ON_CALL = "on-call"
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
        services: Services,
        alerts: Alerts,
        counts: PageCounts,
        on_call: Callable[[datetime], str | None] | None = None,
    ) -> None:
        self.services = services
        self.alerts = alerts
        self.counts = counts
        self.on_call = on_call or (lambda _at: None)

    @property
    def runner(self) -> IncidentRunner:
        # Built on use: the observers are created while services.incidents is being built.
        return IncidentRunner(self.services.incidents)

    # ---- IncidentObserver
    def on_declared(self, incident: Incident) -> None:
        # One key per declaration: a run finishing a crashed one's follow-ups pages nobody twice.
        self._page_if_due(incident, incident.declared_at, "page:auto:declared")

    def on_priority_changed(self, incident: Incident) -> None:
        self._page_if_due(incident, self.services.now(), f"page:auto:priority:{incident.version}")

    def on_resolved(self, incident: Incident) -> None:
        entries = self.services.incident_repository.timeline(incident.id)
        if not any(entry.kind is EntryKind.PAGE and entry.source_key.startswith("page:") for entry in entries):
            return
        at = incident.resolved_at or self.services.now()
        try:
            self.alerts.resolve(incident.id)
        except PagingFailed as failed:
            self._report_failure(incident, at, str(failed))
            return
        # Keyed on the resolution, not the version: a run finishing a crashed one's follow-ups adds nothing.
        change = Change("opsdesk", at, f"page-resolve:{at.isoformat()}")
        self.runner.add_note(incident.id, change, "Page resolved in PagerDuty", kind=EntryKind.PAGE)

    # ---- paging
    def page_by_hand(self, incident_id: str, by: str, at: datetime, source_key: str) -> Incident:
        """`/incident page`: page now, whatever the time, when the trial is on."""
        if not self.alerts.enabled:
            raise InvalidRequest("Paging is off (the weekend trial is not enabled), so nobody can be paged from here.")
        incident = self.services.incident_repository.get(incident_id)
        if not incident.is_open:
            raise InvalidRequest(f"{incident.id} is resolved; there is nothing to page about.")
        self.page(incident, at, f"page:{source_key}", by=by)
        return incident

    def _page_if_due(self, incident: Incident, at: datetime, source_key: str) -> None:
        settings = self.services.settings
        if incident.is_open and incident.is_high and out_of_hours(at, settings.hours, settings.paging_out_of_hours):
            self.page(incident, at, source_key)

    def page(self, incident: Incident, at: datetime, source_key: str, by: str = "opsdesk") -> bool:
        """Trigger the alert, then record it once (a replay finds the entry and counts nothing)."""
        person = self.on_call(at) or ON_CALL
        try:
            self.alerts.trigger(self._alert(incident, at))
        except PagingFailed as failed:
            self._report_failure(incident, at, str(failed))
            return False
        who = f"<@{person}>" if person[:1] in "UW" and person != ON_CALL else person
        text = f"Paged {who} via PagerDuty" + (f" (asked by <@{by}>)" if by != "opsdesk" else "")
        _, changed = self.runner.apply(
            incident.id,
            Change(by, at, source_key),
            lambda current: (current, TimelineEntry(at, EntryKind.PAGE, text, by, source_key)),
        )
        if changed:
            self.counts.add(person, at)
            record("Pages", 1, trigger="manual" if by != "opsdesk" else "automatic")  # per person: PageCounts
            # The caller's view knows the announcement even before the declaration stores it.
            self.services.incidents.notifier.post_in_thread(incident, f":pager: {text}.")
        return changed

    def _alert(self, incident: Incident, at: datetime) -> Alert:
        links = []
        if incident.announcement is not None:
            links.append((self._permalink(incident), "Slack thread"))
        if self.services.status_url:
            links.append((self.services.status_url, "Status page"))
        return Alert(
            dedup_key=incident.id,
            summary=f"{incident.id} ({incident.priority.value} priority): {incident.title}",
            source=incident.service or "opsdesk",
            timestamp=at,
            links=tuple(links),
        )

    def _permalink(self, incident: Incident) -> str:
        announcement = incident.announcement
        if announcement is None:
            return ""
        try:
            response = self.services.slack.chat_getPermalink(channel=announcement.channel, message_ts=announcement.ts)
            return str(response.get("permalink") or "")
        except Exception:  # a missing link must not stop the page
            logger.exception("could not get the thread permalink")
            return ""

    def _report_failure(self, incident: Incident, at: datetime, reason: str) -> None:
        logger.error("paging failed", extra={"incident": incident.id, "reason": reason})
        record("PagesFailed", 1)
        self.services.incidents.notifier.post_in_thread(
            incident, f":warning: Paging failed: {reason} Please phone the on-call engineer."
        )
