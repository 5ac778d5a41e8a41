"""Run one schedule tick: validate it, claim its slot, run the job with the tick's time as now."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

# Importing a job module registers its jobs.
from opsdesk.jobs import day as _day_jobs  # noqa: F401
from opsdesk.jobs import incidents as _incident_jobs  # noqa: F401
from opsdesk.jobs import reports as _report_jobs  # noqa: F401
from opsdesk.jobs import support as _support_jobs  # noqa: F401
from opsdesk.jobs.registry import JOBS, Tick
from opsdesk.observability import logger
from opsdesk.store.job_runs import JobRuns

if TYPE_CHECKING:
    from opsdesk.wiring import Wiring


def run_tick(services: Wiring, event: dict[str, Any]) -> dict[str, object]:
    """Run the job the tick names; a repeated tick for a claimed slot does nothing."""
    tick = Tick.model_validate(event)
    job = JOBS.get(tick.job)
    if job is None:
        raise ValueError(f"unknown job {tick.job!r}; known jobs: {', '.join(sorted(JOBS))}")
    logger.append_keys(job=tick.job, scheduled_time=tick.time.isoformat())
    if job.once_per is None:
        return {"job": tick.job, **job.run(services, tick.time)}
    slot = job.once_per(services, tick.time)
    runs = JobRuns(services.settings.table_name)
    # The lease runs on the wall clock: every retry of a tick carries the same scheduled time.
    if not runs.claim(tick.job, slot, services.now()):
        logger.info("job already ran for this slot", extra={"slot": slot})
        return {"job": tick.job, "skipped": "already ran", "slot": slot}
    try:
        result = job.run(services, tick.time)
    except Exception:
        runs.release(tick.job, slot)
        raise
    runs.complete(tick.job, slot)
    return {"job": tick.job, "slot": slot, **result}
