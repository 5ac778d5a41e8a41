"""The working day's jobs: start-of-day checklist, end-of-day handover, the 18:00 handover check."""

from __future__ import annotations

from typing import TYPE_CHECKING

from opsdesk.jobs.registry import job, local_day

if TYPE_CHECKING:
    from datetime import datetime

    from opsdesk.wiring import Wiring


@job("start-of-day", once_per=local_day)
def start_of_day(wiring: Wiring, now: datetime) -> dict[str, object]:
    return wiring.day.start(now)


@job("end-of-day", once_per=local_day)
def end_of_day(wiring: Wiring, now: datetime) -> dict[str, object]:
    return wiring.day.end(now)


@job("handover-check", once_per=local_day)
def handover_check(wiring: Wiring, now: datetime) -> dict[str, object]:
    return wiring.day.check_handover(now)
