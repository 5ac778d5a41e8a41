"""The incident observers in force: postmortems and paging react to incident milestones."""

from __future__ import annotations

from typing import TYPE_CHECKING

from opsdesk.flows.paging import Paging
from opsdesk.flows.postmortems import PostmortemFlows
from opsdesk.store.pages import PageCounts
from opsdesk.store.rota import RotaRepository

if TYPE_CHECKING:
    from datetime import datetime

    from opsdesk.domain.ports import IncidentObserver
    from opsdesk.services import Services


def paging_for(services: Services) -> Paging:
    rota = RotaRepository(services.settings.table_name)

    def on_call(_at: datetime) -> str | None:
        return rota.on_call()

    return Paging(services, services.alerts, PageCounts(services.settings.table_name), on_call)


def incident_observers(services: Services) -> list[IncidentObserver]:
    """Build the observers from settings (paging contributes nothing while the trial is off)."""
    observers: list[IncidentObserver] = [PostmortemFlows(services)]
    if services.settings.paging_enabled:
        observers.append(paging_for(services))
    return observers
