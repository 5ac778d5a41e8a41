"""PagesFunction's routes (Powertools' REST resolver): the status page as HTML and JSON, published postmortems
as HTML and Markdown. Public and read-only: GET only.

Every answer, 404s and refusals included, passes one middleware that adds the security headers: a
Content-Security-Policy allowing nothing but the inline styles and same-origin images (no script, no
frame, no form), `nosniff`, no referrer, and a short public cache, so a burst of readers during an
incident is served from their browsers for 30 seconds instead of reading the table each time.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types

from opsdesk.domain.ids import normalise_incident_id
from opsdesk.domain.stats import months_between
from opsdesk.entrypoints import wiring
from opsdesk.pages.postmortems import index_page, markdown, postmortem_page
from opsdesk.pages.status import status_data, status_page

if TYPE_CHECKING:
    from typing import Any

    from aws_lambda_powertools.event_handler.exceptions import NotFoundError
    from aws_lambda_powertools.event_handler.middlewares import NextMiddleware

HTML = "text/html; charset=utf-8"
MARKDOWN = "text/markdown; charset=utf-8"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate it
    "Referrer-Policy": "no-referrer",
    # Short: the page stays current during an incident; a burst of readers costs one table read each per 30 s.
    "Cache-Control": "public, max-age=30",
}
NOT_FOUND_PAGE = "<!doctype html><title>Not found</title><h1>Not found</h1>"

app = APIGatewayRestResolver()


def public_headers(router: APIGatewayRestResolver, next_middleware: NextMiddleware) -> Response[Any]:
    """Refuse anything but GET, then give every answer the security headers."""
    # HTTP methods are case-sensitive (RFC 9110, 9.1): "get" is not GET, though the resolver would route it.
    if router.current_event.http_method != "GET":
        response: Response[Any] = Response(405, content_types.TEXT_PLAIN, "only GET", headers={"Allow": "GET"})
    else:
        response = next_middleware(router)
    response.headers.update(SECURITY_HEADERS)
    return response


app.use(middlewares=[public_headers])


@app.not_found
def not_found(_: NotFoundError) -> Response[str]:
    return _not_found_page()


def _not_found_page() -> Response[str]:
    return Response(404, HTML, NOT_FOUND_PAGE)


@app.get("/status")
def status() -> Response[str]:
    return Response(200, HTML, status_page(_status_data()))


@app.get("/status.json", cors=True)  # other teams' dashboards may read it from their own pages
def status_json() -> dict[str, Any]:
    return _status_data()


@app.get("/postmortems")
def postmortems() -> Response[str]:
    published = wiring().postmortem_repository.list_published()
    return Response(200, HTML, index_page(published))


# A catch-all (a regex route): any id reaches the lookup below, which answers 404 for what is not published.
@app.get(r"/postmortems/[\s\S]+")
def postmortem() -> Response[str]:
    event = app.current_event
    raw_id = (event.path_parameters or {}).get("id") or event.path.removeprefix("/postmortems/")
    wants_markdown = raw_id.lower().endswith(".md") or (event.query_string_parameters or {}).get("format") == "md"
    incident_id = normalise_incident_id(raw_id.removesuffix(".md").removesuffix(".MD"))
    repository = wiring().postmortem_repository
    found = repository.find(incident_id) if incident_id else None
    if found is None or not found.is_published:
        return _not_found_page()  # unpublished ones are indistinguishable from missing ones
    actions = repository.actions(found.incident_id)
    if wants_markdown:
        return Response(200, MARKDOWN, markdown(found, actions))
    return Response(200, HTML, postmortem_page(found, actions))


def _status_data() -> dict[str, Any]:
    built = wiring()
    now = built.now()
    repository = built.incident_repository
    closed = [
        incident
        for month in months_between(now - timedelta(days=90), now)
        for incident in repository.list_closed_in(month)
    ]
    return status_data(repository.list_open(), closed, now, built.settings.public_services)
