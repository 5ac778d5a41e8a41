"""WebhooksFunction's routes (Powertools' REST resolver): Jira's and PagerDuty's webhooks, POST only.

Each webhook module is imported on first use, so a Jira webhook never pays for the PagerDuty code and
the other way round. Each checks the body's size, then authenticates the raw bytes, and only then
reads them. Refusals are the resolver's JSON errors, `{"statusCode": 401, "message": "..."}`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types

from opsdesk.entrypoints import wiring

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler.exceptions import NotFoundError

JIRA, PAGERDUTY = "/jira/webhook", "/pagerduty/webhook"

app = APIGatewayRestResolver()


@app.post(JIRA)
def jira_webhook() -> dict[str, Any]:
    from opsdesk.webhooks import jira  # noqa: PLC0415  # see the module docstring

    return jira.handle(app.current_event.raw_event, wiring())


@app.post(PAGERDUTY)
def pagerduty_webhook() -> dict[str, Any]:
    from opsdesk.webhooks import pagerduty  # noqa: PLC0415  # see the module docstring

    return pagerduty.handle(app.current_event.raw_event, wiring())


@app.not_found
def not_found(_: NotFoundError) -> Response[dict[str, Any]]:
    if app.current_event.path.rstrip("/") in (JIRA, PAGERDUTY):
        return _refusal(405, "webhooks are POSTs", Allow="POST")
    return _refusal(404, "no webhook here")


def _refusal(status: int, message: str, **headers: str) -> Response[dict[str, Any]]:
    """The same shape as the resolver's own errors."""
    body = {"statusCode": status, "message": message}
    return Response(status, content_types.APPLICATION_JSON, body, headers=dict(headers))
