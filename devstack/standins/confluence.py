"""A Confluence Cloud content API (REST v1) stand-in: find a page by title, create it, update it by version.

Sources (docs/stand-ins.md lists each behaviour): developer.atlassian.com/cloud/confluence/rest/v1/
api-group-content/ (get, create, update content; 409 unless version.number is the current + 1) and
basic-auth-for-rest-apis/. Atlassian deprecated these v1 endpoints for REST v2 (changelog CHANGE-864);
if the changelog confirms their removal, they must answer 410 here too.
"""

from __future__ import annotations

import base64
import copy
import itertools
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree

from devstack.httpserver import Reply, Request
from devstack.standins.base import StandIn

if TYPE_CHECKING:
    from collections.abc import Callable

_PREFIX = "/wiki/rest/api/content"


def _error(status: int, message: str) -> Reply:
    """Confluence's own error body."""
    return Reply(status, {"statusCode": status, "message": message, "data": {"authorized": status != 401}})


class ConfluenceStandIn(StandIn):
    """Confluence Cloud pages in spaces; basic auth (email and API token); storage format checked as XHTML."""

    name = "confluence"

    def __init__(self, *args: Any, credentials: tuple[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.credentials = credentials
        self._pages: dict[str, dict[str, Any]] = {}
        self._ids = itertools.count(98301)

    # ---- what tests read
    def pages(self) -> list[dict[str, Any]]:
        """Return every page as GET /content/{id}?expand=body.storage,version,space shows it, oldest first."""
        with self.lock:
            return [copy.deepcopy(page) for page in self._pages.values()]

    def page(self, title: str, space: str) -> dict[str, Any] | None:
        with self.lock:
            found = next((p for p in self._pages.values() if (p["title"], p["space"]["key"]) == (title, space)), None)
            return copy.deepcopy(found)

    # ---- StandIn hooks
    def reset_state(self) -> None:
        self._pages.clear()

    def injected_reply(self, status: int, headers: dict[str, str] | None, body: Any) -> Reply:
        reply = _error(status, "Service Unavailable" if status == 503 else "injected failure")
        reply.headers.update(headers or {})
        return reply if body is None else Reply(status, body, reply.headers)

    def summarize(self, call: dict[str, Any]) -> str:
        title = (call.get("json") or {}).get("title") or call["query"].get("title") or ""
        return f"{call['name']} {title!r} -> {call['status']}"

    def handle(self, request: Request) -> Reply:
        if not self._authenticated(request):
            reply = _error(401, "Client must be authenticated to access this resource.")
            reply.headers["WWW-Authenticate"] = 'Basic realm="Confluence"'
            return reply
        if not request.path.startswith(_PREFIX):
            return _error(404, f"No resource at {request.path}")
        page_id = request.path.removeprefix(_PREFIX).strip("/")
        query = {key: values[0] for key, values in request.query.items()}
        page = self._pages.get(page_id)
        routes: dict[tuple[str, bool], Callable[[], Reply]] = {
            ("GET", False): lambda: self._search(query),
            ("POST", False): lambda: self._create(request.json()),
            ("GET", True): lambda: Reply(200, self._shown(page or {}, query.get("expand", ""))),
            ("PUT", True): lambda: self._update(page or {}, request.json()),
        }
        if page_id and page is None:
            return _error(404, f"No content found with id: ContentId{{id={page_id}}}")
        route = routes.get((request.method, bool(page_id)))
        return route() if route else _error(405, f"{request.method} is not supported here")

    # ---- machinery
    def _authenticated(self, request: Request) -> bool:
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            email, _, token = base64.b64decode(value).decode().partition(":")
        except ValueError:
            return False
        return bool(email and token) and (self.credentials is None or (email, token) == self.credentials)

    def _links(self, page: dict[str, Any]) -> dict[str, str]:
        webui = f"/spaces/{page['space']['key']}/pages/{page['id']}"
        return {"webui": webui, "self": f"{self.url}{_PREFIX}/{page['id']}", "base": f"{self.url}/wiki"}

    def _shown(self, page: dict[str, Any], expand: str) -> dict[str, Any]:
        wanted = set(expand.split(","))
        shown = {key: copy.deepcopy(page[key]) for key in ("id", "type", "status", "title")}
        for key in ("version", "space"):
            if key in wanted:
                shown[key] = copy.deepcopy(page[key])
        if "body.storage" in wanted:
            shown["body"] = copy.deepcopy(page["body"])
        shown["_links"] = self._links(page)
        return shown

    def _search(self, query: dict[str, str]) -> Reply:
        found = [
            self._shown(page, query.get("expand", ""))
            for page in self._pages.values()
            if query.get("title", page["title"]) == page["title"]
            and query.get("spaceKey", page["space"]["key"]) == page["space"]["key"]
        ]
        context = {"base": f"{self.url}/wiki", "context": "/wiki", "self": f"{self.url}{_PREFIX}"}
        return Reply(200, {"results": found, "start": 0, "limit": 25, "size": len(found), "_links": context})

    def _invalid(self, body: Any) -> str:
        """Why Confluence would refuse this page body ("" when it would take it)."""
        if not isinstance(body, dict) or body.get("type") != "page" or not str(body.get("title") or "").strip():
            return "A page needs a type of 'page' and a title."
        if not (body.get("space") or {}).get("key"):
            return "A page needs a space key."
        storage = (body.get("body") or {}).get("storage") or {}
        if storage.get("representation") != "storage":
            return "Only the storage representation is supported here."
        try:
            # Only opsdesk's own page bodies, on loopback: the check Confluence makes, not untrusted input.
            ElementTree.fromstring(f"<root>{storage.get('value') or ''}</root>")  # noqa: S314
        except ElementTree.ParseError as error:
            return f"Error parsing xhtml: {error}"
        return ""

    def _create(self, body: Any) -> Reply:
        problem = self._invalid(body)
        if problem:
            return _error(400, problem)
        if self.page(body["title"], body["space"]["key"]) is not None:
            return _error(
                400,
                f"A page with this title already exists: A page already exists with the title "
                f"{body['title']} in this space",
            )
        page_id = str(next(self._ids))
        page = {
            "id": page_id,
            "type": "page",
            "status": "current",
            "title": body["title"],
            "space": {"key": body["space"]["key"]},
            "version": {"number": 1},
            "body": {"storage": dict(body["body"]["storage"])},
        }
        self._pages[page_id] = page
        return Reply(200, self._shown(page, "version,space"))

    def _update(self, page: dict[str, Any], body: Any) -> Reply:
        problem = self._invalid(body)
        if problem:
            return _error(400, problem)
        current = page["version"]["number"]
        if int((body.get("version") or {}).get("number") or 0) != current + 1:
            return _error(409, f"Version must be incremented on update. Current version is: {current}")
        page.update(
            title=body["title"], version={"number": current + 1}, body={"storage": dict(body["body"]["storage"])}
        )
        return Reply(200, self._shown(page, "version,space"))
