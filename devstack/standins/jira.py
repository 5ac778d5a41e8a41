"""A Jira stand-in the real `jira` client can drive: Cloud (the default) or Data Center, as each behaves today.

Each behaviour and its public source is listed in docs/stand-ins.md; the search endpoints' sources are
in `jira_search.py`, the webhooks' in `jira_webhooks.py`.
"""

from __future__ import annotations

import base64
import copy
import re
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from devstack.httpserver import Reply, Request
from devstack.standins import jira_search
from devstack.standins.base import StandIn
from devstack.standins.jira_search import errors
from devstack.standins.jira_tracker import ISSUE_TYPES, STATUSES, TRANSITIONS, JiraTracker, fields_list, person
from devstack.standins.jira_webhooks import BOARD_USER, JiraWebhooks

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

__all__ = ["ISSUE_TYPES", "STATUSES", "TRANSITIONS", "JiraStandIn"]

Deployment = Literal["cloud", "datacenter"]
_API_PREFIX = re.compile(r"^/rest/api/(2|3|latest)(?=/)")
_NOT_FOUND = "Issue does not exist or you do not have permission to see it."
# How long a change takes to reach Cloud's search index. Atlassian gives no figure ("search results may not
# reflect recent changes", CHANGE-2046); a few seconds is what callers see, and enough to break read-after-write.
CLOUD_INDEX_LAG = timedelta(seconds=5)


class JiraStandIn(StandIn):
    """Jira: projects an admin made, issues OPS-1, OPS-2..., comments, transitions, search, signed webhooks."""

    name = "jira"

    def __init__(
        self,
        *args: Any,
        credentials: tuple[str, str] | None = None,
        deployment: Deployment = "cloud",
        projects: tuple[str, ...] = ("OPS",),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.credentials = credentials
        self.tracker = JiraTracker(lambda: self.url, projects)
        self.webhooks = JiraWebhooks()
        self.tracker.on_change.append(self.webhooks.changed)
        # Hooks called with {"type", "issue", "changelog"} after each change.
        self.on_change: list[Callable[[dict[str, Any]], None]] = self.tracker.on_change
        self._initial_deployment: Deployment = deployment
        self.deployment = deployment

    # ---- what tests and the sandbox read or set
    @property
    def deployment(self) -> Deployment:
        """ "cloud" (enhanced search, eventually consistent) or "datacenter" (/search, consistent at once)."""
        return self._deployment

    @deployment.setter
    def deployment(self, value: Deployment) -> None:
        self._deployment = value
        self.tracker.index_lag = CLOUD_INDEX_LAG if value == "cloud" else timedelta(0)

    @property
    def clock(self) -> Callable[[], datetime]:
        """What "now" is for the stand-in (issue times, the search index); tests give it their clock."""
        return self.tracker.clock

    @clock.setter
    def clock(self, value: Callable[[], datetime]) -> None:
        self.tracker.clock = value

    def issues(self) -> list[dict[str, Any]]:
        """Return every issue as Jira's API shows it, oldest first."""
        with self.lock:
            return copy.deepcopy(self.tracker.issues)

    def issue(self, key: str) -> dict[str, Any] | None:
        """Return one issue by key or id, or None."""
        with self.lock:
            return copy.deepcopy(self.tracker.find(key))

    def add_project(self, key: str) -> None:
        """Create a project, as a Jira admin would (only projects that exist take issues)."""
        with self.lock:
            self.tracker.add_project(key)

    def raise_on_board(self, summary: str, *, labels: tuple[str, ...] = (), project: str = "OPS") -> dict[str, Any]:
        """Raise an issue in Jira as a person would (not through opsdesk); return it."""
        fields = {"project": {"key": project}, "issuetype": {"name": "Task"}, "summary": summary}
        with self.lock, self._as_person():
            issue, problems = self.tracker.create({**fields, "labels": list(labels)})
            if issue is None:
                raise ValueError(problems)
            return copy.deepcopy(issue)

    def transition(self, key: str, status: str) -> dict[str, Any]:
        """Move an issue to "To Do", "In Progress" or "Done", as a person in Jira would; return it."""
        with self.lock, self._as_person():
            issue = self.tracker.find(key)
            if issue is None:
                raise KeyError(key)
            self.tracker.set_status(issue, status)
            return copy.deepcopy(issue)

    @contextmanager
    def _as_person(self) -> Iterator[None]:
        """Changes made inside are a person's on the board: reporter, webhook `user`."""
        api_user, self.tracker.user = self.tracker.user, dict(BOARD_USER)
        try:
            yield
        finally:
            self.tracker.user = api_user

    # ---- StandIn hooks
    def reset_state(self) -> None:
        self.tracker.clear()
        self.webhooks.clear()
        self.deployment = self._initial_deployment
        self.clock = lambda: datetime.now(UTC)

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
            reply = errors(401, "You are not authenticated. Authentication required to perform this operation.")
            reply.headers["WWW-Authenticate"] = 'Basic realm="protected-area"'
            return reply
        match = _API_PREFIX.match(request.path)
        # Data Center has no REST v3 (docs.atlassian.com/software/jira/docs/api/REST/9.12.0/).
        if match is None or (self.deployment == "datacenter" and match.group(1) == "3"):
            return errors(404, f"No resource at {request.path}")
        parts = [part for part in request.path[match.end() :].split("/") if part]
        body = request.json() if request.body else {}
        body = body if isinstance(body, dict) else {}
        if parts[:1] == ["search"]:
            return self._search(request, parts, body)
        route = (request.method, *parts[:1], *(["{key}"] if len(parts) > 1 else []), *parts[2:])
        return self._route(route, parts, body) or errors(404, f"No resource at {request.path}")

    # ---- machinery
    def _search(self, request: Request, parts: list[str], body: dict[str, Any]) -> Reply:
        if request.method not in ("GET", "POST"):
            return errors(405, f"{request.method} is not allowed here")
        cloud = self.deployment == "cloud"
        if parts == ["search"] and cloud:
            return errors(410, jira_search.REMOVED)
        if parts != (["search", "jql"] if cloud else ["search"]):
            return errors(404, f"No resource at {request.path}")
        try:
            query = jira_search.SearchQuery.read(
                request.query, body if request.method == "POST" else None, "id" if cloud else "*navigable"
            )
        except ValueError as error:
            return errors(400, str(error))
        return jira_search.enhanced(self.tracker, query) if cloud else jira_search.classic(self.tracker, query)

    def _route(self, route: tuple[str, ...], parts: list[str], body: dict[str, Any]) -> Reply | None:  # noqa: PLR0911
        static: dict[tuple[str, ...], Callable[[], Any]] = {
            ("GET", "serverInfo"): self._server_info,
            ("GET", "myself"): lambda: self.tracker.user,
            ("GET", "field"): fields_list,
            ("GET", "issuetype"): lambda: ISSUE_TYPES,
            ("GET", "project"): lambda: [self.tracker.shown_project(p) for p in self.tracker.projects.values()],
        }
        if route in static:
            return Reply(200, static[route]())
        if route == ("GET", "project", "{key}"):
            project = self.tracker.project(parts[1])
            if project is None:
                return errors(404, f"No project could be found with key '{parts[1]}'.")
            return Reply(200, self.tracker.shown_project(project))
        if route[:3] == ("GET", "issue", "{key}") and parts[1] == "createmeta":
            return Reply(200, self._createmeta(parts))
        if route == ("POST", "issue"):
            if not isinstance(body.get("fields"), dict):
                return errors(400, "Can not deserialize instance of issue without 'fields'.")
            issue, problems = self.tracker.create(body["fields"])
            if issue is None:
                return Reply(400, {"errorMessages": [], "errors": problems})
            return Reply(201, {"id": issue["id"], "key": issue["key"], "self": issue["self"]})
        if route[1:3] == ("issue", "{key}"):
            issue = self.tracker.find(parts[1])
            return self._issue_route(route, issue, body) if issue else errors(404, _NOT_FOUND)
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
        # deploymentType is what the `jira` client reads to choose /search/jql (Cloud) or /search (Server).
        if self.deployment == "cloud":
            version, numbers, kind = "1001.0.0-SNAPSHOT", [1001, 0, 0], "Cloud"
        else:
            version, numbers, kind = "9.12.2", [9, 12, 2], "Server"
        return {
            "baseUrl": self.url,
            "version": version,
            "versionNumbers": numbers,
            "deploymentType": kind,
            "buildNumber": 100000,
            "serverTitle": "Jira (opsdesk local)",
            "serverTime": self.tracker.now(),
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
        return {"projects": [self.tracker.shown_project(p) for p in self.tracker.projects.values()]}

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
                return Reply(400, {"errorMessages": [], "errors": {"comment": "Comment body can not be empty!"}})
            return Reply(201, copy.deepcopy(self.tracker.add_comment(issue, body["body"])))
        if action == ("GET", "transitions"):
            return Reply(200, {"expand": "transitions", "transitions": self.tracker.transitions(issue)})
        if action == ("POST", "transitions"):
            transition_id = str((body.get("transition") or {}).get("id", ""))
            if transition_id not in {transition["id"] for transition in self.tracker.transitions(issue)}:
                return errors(400, f"Transition id '{transition_id}' is not valid for this issue.")
            for change in (body.get("update") or {}).get("comment", []):
                self.tracker.add_comment(issue, change["add"]["body"])
            issue["fields"].update(body.get("fields") or {})
            self.tracker.set_status(issue, TRANSITIONS[transition_id])
            return Reply(204)
        return errors(404, "No resource for this method and path.")
