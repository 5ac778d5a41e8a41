"""The working day's jobs: start-of-day checklist, end-of-day handover, the 18:00 handover check."""

from __future__ import annotations

from typing import TYPE_CHECKING

from opsdesk.flows.day import WorkingDay
from opsdesk.jobs.registry import job, local_day

if TYPE_CHECKING:
    from datetime import datetime

    from opsdesk.services import Services


def _closed(services: Services, now: datetime) -> dict[str, object] | None:
    day = services.settings.hours.local(now).date()
    if services.settings.hours.is_working_day(day):
        return None
    return {"skipped": "not a working day", "day": day.isoformat()}


@job("start-of-day", once_per=local_day)
def start_of_day(services: Services, now: datetime) -> dict[str, object]:
    return _closed(services, now) or WorkingDay.from_services(services).start(now)


@job("end-of-day", once_per=local_day)
def end_of_day(services: Services, now: datetime) -> dict[str, object]:
    return _closed(services, now) or WorkingDay.from_services(services).end(now)


@job("handover-check", once_per=local_day)
def handover_check(services: Services, now: datetime) -> dict[str, object]:
    return _closed(services, now) or WorkingDay.from_services(services).check_handover(now)
