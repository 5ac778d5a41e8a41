"""A fake Jira Cloud REST API (v2, and v3 search) that the real `jira` client can drive."""

from __future__ import annotations

import base64
import copy
import re
from typing import TYPE_CHECKING, Any

from devstack.httpserver import Reply, Request
from devstack.standins.base import StandIn
from devstack.standins.jira_tracker import ISSUE_TYPES, STATUSES, TRANSITIONS, JiraTracker, fields_list, now, person
from devstack.standins.jql import JqlError, search

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["ISSUE_TYPES", "STATUSES", "TRANSITIONS", "JiraStandIn"]

_API_PREFIX = re.compile(r"^/rest/api/(?:2|3|latest)")
_NOT_FOUND = "Issue does not exist or you do not have permission to see it."
_SEARCH_ROUTES = (("GET", "search"), ("POST", "search"), ("GET", "search", "{key}"), ("POST", "search", "{key}"))


def _errors(status: int, messages: list[str] | None = None, errors: dict[str, str] | None = None) -> Reply:
    return Reply(status, {"errorMessages": messages or [], "errors": errors or {}})


class JiraStandIn(StandIn):
    """Jira Cloud: projects (any valid key), issues OPS-1, OPS-2..., comments, transitions and JQL search."""

    name = "jira"

    def __init__(self, *args: Any, credentials: tuple[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.credentials = credentials
        self.tracker = JiraTracker(lambda: self.url)
        # Hooks called with {"type", "issue"} after each change (a sandbox can send Jira webhooks from them).
        self.on_change: list[Callable[[dict[str, Any]], None]] = self.tracker.on_change

    # ---- what tests and the sandbox read or do
    def issues(self) -> list[dict[str, Any]]:
        """Return every issue as Jira's API shows it, oldest first."""
        with self.lock:
            return copy.deepcopy(self.tracker.issues)

    def issue(self, key: str) -> dict[str, Any] | None:
        """Return one issue by key or id, or None."""
        with self.lock:
            return copy.deepcopy(self.tracker.find(key))

    def transition(self, key: str, status: str) -> dict[str, Any]:
        """Move an issue to "To Do", "In Progress" or "Done", as a person in Jira would; return it."""
        with self.lock:
            issue = self.tracker.find(key)
            if issue is None:
                raise KeyError(key)
            self.tracker.set_status(issue, status)
            return copy.deepcopy(issue)

    # ---- StandIn hooks
    def reset_state(self) -> None:
        self.tracker.clear()

    def injected_reply(self, status: int, headers: dict[str, str] | None, body: Any) -> Reply:
        headers = dict(headers or {})
        if status == 429:
            headers.setdefault("Retry-After", "1")
        message = "Rate limit exceeded." if status == 429 else "Internal server error"
        return Reply(status, body if body is not None else {"errorMessages": [message], "errors": {}}, headers)

    def summarize(self, call: dict[str, Any]) -> str:
        response = call["response"] if isinstance(call.get("response"), dict) else {}
        jql = call["params"].get("jql")
        return f"{call['name']} -> {call['status']} {response.get('key') or ''}{f' jql={jql!r}' if jql else ''}"

    def handle(self, request: Request) -> Reply:
        if not self._authenticated(request):
            reply = _errors(401, ["You are not authenticated. Authentication required to perform this operation."])
            reply.headers["WWW-Authenticate"] = 'Basic realm="protected-area"'
            return reply
        path = _API_PREFIX.sub("", request.path)
        if path == request.path:
            return _errors(404, [f"No resource at {request.path}"])
        parts = [part for part in path.split("/") if part]
        body = request.json() if request.body else {}
        body = body if isinstance(body, dict) else {}
        params = {key: values[0] for key, values in request.query.items()}
        if request.method == "POST":
            params.update(body)
        route = (request.method, *parts[:1], *(["{key}"] if len(parts) > 1 else []), *parts[2:])
        return self._route(route, parts, params, body) or _errors(404, [f"No resource at {request.path}"])

    # ---- machinery
    def _route(  # noqa: PLR0911 - a routing table
        self, route: tuple[str, ...], parts: list[str], params: dict[str, Any], body: dict[str, Any]
    ) -> Reply | None:
        static: dict[tuple[str, ...], Callable[[], Any]] = {
            ("GET", "serverInfo"): self._server_info,
            ("GET", "myself"): lambda: self.tracker.user,
            ("GET", "field"): fields_list,
            ("GET", "issuetype"): lambda: ISSUE_TYPES,
            ("GET", "project"): lambda: list(self.tracker.projects.values()),
        }
        if route in static:
            return Reply(200, static[route]())
        if route == ("GET", "project", "{key}"):
            project = self.tracker.project(parts[1])
            return (
                Reply(200, project) if project else _errors(404, [f"No project could be found with key '{parts[1]}'."])
            )
        if route[:3] == ("GET", "issue", "{key}") and parts[1] == "createmeta":
            return Reply(200, self._createmeta(parts))
        if route in _SEARCH_ROUTES:
            return self._search(params, token_paging=len(parts) > 1)
        if route == ("POST", "issue"):
            if not isinstance(body.get("fields"), dict):
                return _errors(400, ["Can not deserialize instance of issue without 'fields'."])
            issue, errors = self.tracker.create(body["fields"])
            if issue is None:
                return _errors(400, [], errors)
            return Reply(201, {"id": issue["id"], "key": issue["key"], "self": issue["self"]})
        if route[1:3] == ("issue", "{key}"):
            issue = self.tracker.find(parts[1])
            return self._issue_route(route, issue, body) if issue else _errors(404, [_NOT_FOUND])
        return None

    def _authenticated(self, request: Request) -> bool:
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic":  # Jira Cloud takes email + API token as Basic auth
            return False
        try:
            email, _, token = base64.b64decode(value).decode().partition(":")
        except ValueError:
            return False
        if not email or not token or (self.credentials is not None and (email, token) != self.credentials):
            return False
        self.tracker.user = {
            "accountId": "557058:opsdesk-local",
            "emailAddress": email,
            "displayName": "opsdesk",
            "active": True,
            "timeZone": "Europe/London",
            "accountType": "atlassian",
        }
        return True

    def _server_info(self) -> dict[str, Any]:
        # deploymentType Cloud makes the jira client search with /rest/api/3/search/jql, as on Jira Cloud.
        return {
            "baseUrl": self.url,
            "version": "1001.0.0-SNAPSHOT",
            "versionNumbers": [1001, 0, 0],
            "deploymentType": "Cloud",
            "buildNumber": 100000,
            "serverTitle": "Jira (opsdesk local)",
            "serverTime": now(),
        }

    def _createmeta(self, parts: list[str]) -> dict[str, Any]:
        if len(parts) >= 4:  # issue/createmeta/{project}/issuetypes
            return {
                "issueTypes": ISSUE_TYPES,
                "values": ISSUE_TYPES,
                "maxResults": 50,
                "startAt": 0,
                "total": len(ISSUE_TYPES),
            }
        return {"projects": list(self.tracker.projects.values())}

    def _search(self, params: dict[str, Any], *, token_paging: bool) -> Reply:
        try:
            found = search(self.tracker.issues, str(params.get("jql") or ""), self.tracker.user.get("accountId", ""))
        except JqlError as error:
            return _errors(400, [str(error)])
        limit = int(params.get("maxResults") or 50)
        if token_paging:  # v3 /search/jql pages with nextPageToken
            start = int(params.get("nextPageToken") or 0)
            page: dict[str, Any] = {"issues": copy.deepcopy(found[start : start + limit])}
            if start + limit < len(found):
                page["nextPageToken"] = str(start + limit)
            return Reply(200, {**page, "isLast": "nextPageToken" not in page})
        start = int(params.get("startAt") or 0)
        issues = copy.deepcopy(found[start : start + limit])
        return Reply(
            200,
            {"expand": "schema,names", "startAt": start, "maxResults": limit, "total": len(found), "issues": issues},
        )

    def _issue_route(self, route: tuple[str, ...], issue: dict[str, Any], body: dict[str, Any]) -> Reply:  # noqa: PLR0911
        action = route[:1] + route[3:]
        if action == ("GET",):
            return Reply(200, copy.deepcopy(issue))
        if action == ("PUT",):
            self.tracker.update(issue, body)
            return Reply(204)
        if action == ("PUT", "assignee"):
            self.tracker.update(issue, {"fields": {"assignee": person(body)}})
            return Reply(204)
        if action == ("GET", "comment"):
            return Reply(200, copy.deepcopy(issue["fields"]["comment"]))
        if action == ("POST", "comment"):
            if not body.get("body"):
                return _errors(400, [], {"comment": "Comment body can not be empty!"})
            return Reply(201, copy.deepcopy(self.tracker.add_comment(issue, body["body"])))
        if action == ("GET", "transitions"):
            return Reply(200, {"expand": "transitions", "transitions": self.tracker.transitions(issue)})
        if action == ("POST", "transitions"):
            transition_id = str((body.get("transition") or {}).get("id", ""))
            if transition_id not in {transition["id"] for transition in self.tracker.transitions(issue)}:
                return _errors(400, [f"Transition id '{transition_id}' is not valid for this issue."])
            for change in (body.get("update") or {}).get("comment", []):
                self.tracker.add_comment(issue, change["add"]["body"])
            issue["fields"].update(body.get("fields") or {})
            self.tracker.set_status(issue, TRANSITIONS[transition_id])
            return Reply(204)
        return _errors(404, ["No resource for this method and path."])
