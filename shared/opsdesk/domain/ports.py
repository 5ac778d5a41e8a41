"""What the flows need from the outside world, as protocols the adapters implement."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from opsdesk.domain.incidents import Announcement, Incident, TimelineEntry


class IncidentNotifier(Protocol):
    """Tells people about incidents (Slack in production, a recorder in tests)."""

    def announce(self, incident: Incident) -> Announcement: ...

    def refresh(self, incident: Incident) -> None: ...

    def post_in_thread(
        self, incident: Incident, text: str, *, blocks: list[dict[str, object]] | None = None
    ) -> None: ...

    def tell_leadership(self, incident: Incident, headline: str) -> None: ...

    def tell_user(self, user: str, text: str, *, channel: str | None = None) -> None: ...

    def timeline_entry_posted(self, incident: Incident, entry: TimelineEntry) -> None: ...


class Team(Protocol):
    """Who is on the support team."""

    def is_member(self, user: str) -> bool: ...


class IncidentObserver(Protocol):
    """Reacts to incident milestones (postmortems, paging); called after the change is stored."""

    def on_declared(self, incident: Incident) -> None: ...

    def on_priority_changed(self, incident: Incident) -> None: ...

    def on_resolved(self, incident: Incident) -> None: ...
