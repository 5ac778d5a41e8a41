"""WebhooksFunction: Jira and PagerDuty webhooks, routed by path; each module authenticates its own."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from opsdesk.entrypoints import wiring
from opsdesk.observability import logger
from opsdesk.slack.http import reply

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

# Imported on first use, so a Jira webhook never pays for the PagerDuty code and vice versa.
ROUTES = {"/jira/webhook": "opsdesk.webhooks.jira", "/pagerduty/webhook": "opsdesk.webhooks.pagerduty"}


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    module = ROUTES.get(str(event.get("resource") or event.get("path") or ""))
    if module is None:
        return reply(404, "no webhook here")
    return importlib.import_module(module).handle(event, wiring())  # type: ignore[no-any-return]
