"""Run one schedule tick: validate it, run the job once for its slot, with the tick's time as now."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyAlreadyInProgressError

# Importing a job module registers its jobs.
from opsdesk.jobs import day as _day_jobs  # noqa: F401
from opsdesk.jobs import incidents as _incident_jobs  # noqa: F401
from opsdesk.jobs import reports as _report_jobs  # noqa: F401
from opsdesk.jobs import support as _support_jobs  # noqa: F401
from opsdesk.jobs.registry import JOBS, Tick
from opsdesk.observability import logger
from opsdesk.store.job_runs import run_once

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
    try:
        return run_once(
            services.settings.table_name,
            tick.job,
            slot,
            lambda: {"job": tick.job, "slot": slot, **job.run(services, tick.time)},
        )
    except IdempotencyAlreadyInProgressError:
        # A live run has the slot; if it dies, Lambda retries that run's tick, not this one.
        logger.info("job is running for this slot now", extra={"slot": slot})
        return {"job": tick.job, "skipped": "running now", "slot": slot}
