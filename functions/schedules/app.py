"""SchedulesFunction: EventBridge Scheduler ticks; the tick's scheduled time is "now"."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from opsdesk.deadline import within_invocation
from opsdesk.entrypoints import wiring
from opsdesk.jobs.runner import run_tick
from opsdesk.observability import logger

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(clear_state=True)
@within_invocation
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, object]:
    return run_tick(wiring(), event)
