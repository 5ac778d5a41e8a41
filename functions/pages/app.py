"""PagesFunction: the public status page and published postmortems (reads only)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from opsdesk.deadline import within_invocation
from opsdesk.observability import logger
from opsdesk.pages.routes import app

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(clear_state=True)
@within_invocation
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
