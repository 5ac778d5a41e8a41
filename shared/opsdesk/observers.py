"""The incident observers in force: postmortems and paging react to incident milestones."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from opsdesk.domain.ports import IncidentObserver
    from opsdesk.services import Services


def incident_observers(services: Services) -> list[IncidentObserver]:
    """Build the observers from settings (a disabled integration contributes none)."""
    return []
