"""PagesFunction: the public status page and published postmortems (reads only)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from opsdesk.domain.ids import normalise_incident_id
from opsdesk.domain.stats import months_between
from opsdesk.entrypoints import wiring
from opsdesk.observability import logger
from opsdesk.pages.postmortems import index_page, markdown, postmortem_page
from opsdesk.pages.status import status_data, status_page
from opsdesk.slack.http import reply

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from opsdesk.wiring import Wiring

HTML = "text/html; charset=utf-8"
MARKDOWN = "text/markdown; charset=utf-8"
# Short caching: the page stays current during an incident without hammering the table.
CACHE = {"Cache-Control": "public, max-age=30"}


def _page(status: int, body: str, content_type: str) -> dict[str, Any]:
    response = reply(status, body, content_type)
    response["headers"].update(CACHE)
    return response


def _not_found() -> dict[str, Any]:
    return _page(404, "<!doctype html><title>Not found</title><h1>Not found</h1>", HTML)


def _status(built: Wiring, as_json: bool) -> dict[str, Any]:
    now = built.now()
    repository = built.incident_repository
    closed = [
        incident
        for month in months_between(now - timedelta(days=90), now)
        for incident in repository.list_closed_in(month)
    ]
    data = status_data(repository.list_open(), closed, now)
    if as_json:
        return _page(200, json.dumps(data), "application/json")
    return _page(200, status_page(data), HTML)


def _postmortem(built: Wiring, raw_id: str, query: dict[str, str]) -> dict[str, Any]:
    wants_markdown = raw_id.lower().endswith(".md") or query.get("format") == "md"
    incident_id = normalise_incident_id(raw_id.removesuffix(".md").removesuffix(".MD"))
    repository = built.postmortem_repository
    postmortem = repository.find(incident_id) if incident_id else None
    if postmortem is None or not postmortem.is_published:
        return _not_found()  # unpublished ones are indistinguishable from missing ones
    actions = repository.actions(postmortem.incident_id)
    if wants_markdown:
        return _page(200, markdown(postmortem, actions), MARKDOWN)
    return _page(200, postmortem_page(postmortem, actions), HTML)


def route(event: dict[str, Any], built: Wiring) -> dict[str, Any]:
    if event.get("httpMethod", "GET") != "GET":
        return reply(405, "only GET")
    path = str(event.get("path") or "").rstrip("/") or "/"
    query = {str(k): str(v) for k, v in (event.get("queryStringParameters") or {}).items()}
    if path == "/status":
        return _status(built, as_json=False)
    if path == "/status.json":
        return _status(built, as_json=True)
    if path == "/postmortems":
        published = built.postmortem_repository.list_published()
        return _page(200, index_page(published), HTML)
    if path.startswith("/postmortems/"):
        raw_id = str((event.get("pathParameters") or {}).get("id") or path.removeprefix("/postmortems/"))
        return _postmortem(built, raw_id, query)
    return _not_found()


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return route(event, wiring())
