"""A fake Jira Cloud REST API (v2, and v3 search) that the real `jira` client can drive."""

from __future__ import annotations

import base64
import copy
import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from devstack.httpserver import Reply, Request
from devstack.standins.base import StandIn
from devstack.standins.jql import JqlError, search

if TYPE_CHECKING:
    from collections.abc import Callable

_CATEGORY = {
    "To Do": {"id": 2, "key": "new", "name": "To Do", "colorName": "blue-gray"},
    "In Progress": {"id": 4, "key": "indeterminate", "name": "In Progress", "colorName": "yellow"},
    "Done": {"id": 3, "key": "done", "name": "Done", "colorName": "green"},
}
STATUSES = {
    name: {"id": status_id, "name": name, "statusCategory": _CATEGORY[name]}
    for status_id, name in (("10000", "To Do"), ("3", "In Progress"), ("10001", "Done"))
}
TRANSITIONS = {"11": "To Do", "21": "In Progress", "31": "Done"}
ISSUE_TYPES = [
    {"id": type_id, "name": name, "subtask": False, "description": name}
    for type_id, name in (("10001", "Task"), ("10002", "Bug"), ("10003", "Story"), ("10004", "Incident"))
]
_PROJECT_KEY = re.compile(r"^[A-Z][A-Z0-9_]{1,9}$")
_API_PREFIX = re.compile(r"^/rest/api/(?:2|3|latest)")
_NOT_FOUND = "Issue does not exist or you do not have permission to see it."


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000"


def _errors(status: int, messages: list[str] | None = None, errors: dict[str, str] | None = None) -> Reply:
    return Reply(status, {"errorMessages": messages or [], "errors": errors or {}})


class JiraStandIn(StandIn):
    """Jira Cloud: projects (any valid key), issues OPS-1, OPS-2..., comments, transitions and JQL search."""

    name = "jira"

    def __init__(self, *args: Any, credentials: tuple[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.credentials = credentials
        self._issues: list[dict[str, Any]] = []
        self._projects: dict[str, dict[str, Any]] = {}
        self._user: dict[str, Any] = {}
        # Hooks called with {"type", "issue"} after each change (a sandbox can send Jira webhooks from them).
        self.on_change: list[Callable[[dict[str, Any]], None]] = []

    # ---- what tests and the sandbox read or do
    def issues(self) -> list[dict[str, Any]]:
        """Return every issue as Jira's API shows it, oldest first."""
        with self.lock:
            return copy.deepcopy(self._issues)

    def issue(self, key: str) -> dict[str, Any] | None:
        """Return one issue by key or id, or None."""
        with self.lock:
            return copy.deepcopy(self._find(key))

    def transition(self, key: str, status: str) -> dict[str, Any]:
        """Move an issue to "To Do", "In Progress" or "Done", as a person in Jira would; return it."""
        with self.lock:
            issue = self._find(key)
            if issue is None:
                raise KeyError(key)
            self._set_status(issue, status)
            return copy.deepcopy(issue)

    # ---- StandIn hooks
    def reset_state(self) -> None:
        self._issues.clear()
        self._projects.clear()

    def injected_reply(self, status: int, headers: dict[str, str] | None, body: Any) -> Reply:
        headers = dict(headers or {})
        if status == 429:
            headers.setdefault("Retry-After", "1")
        message = "Rate limit exceeded." if status == 429 else "Internal server error"
        return Reply(status, body if body is not None else {"errorMessages": [message], "errors": {}}, headers)

    def summarize(self, call: dict[str, Any]) -> str:
        response = call.get("response") if isinstance(call.get("response"), dict) else {}
        detail = (response or {}).get("key") or ""
        jql = call["params"].get("jql")
        return f"{call['name']} -> {call['status']} {detail}{f' jql={jql!r}' if jql else ''}".rstrip()

    def handle(self, request: Request) -> Reply:  # noqa: PLR0911 - a routing table
        if not self._authenticated(request):
            reply = _errors(401, ["You are not authenticated. Authentication required to perform this operation."])
            reply.headers["WWW-Authenticate"] = 'Basic realm="protected-area"'
            return reply
        path = _API_PREFIX.sub("", request.path)
        if path == request.path:
            return _errors(404, [f"No resource at {request.path}"])
        method, parts = request.method, [part for part in path.split("/") if part]
        body = request.json() if request.body else {}
        params = {key: values[0] for key, values in request.query.items()}
        if isinstance(body, dict) and method == "POST":
            params.update(body)
        route = (method, *parts[:1], *(["{key}"] if len(parts) > 1 else []), *parts[2:])
        static: dict[tuple[str, ...], Callable[[], Any]] = {
            ("GET", "serverInfo"): self._server_info,
            ("GET", "myself"): lambda: self._user,
            ("GET", "field"): _fields,
            ("GET", "issuetype"): lambda: ISSUE_TYPES,
            ("GET", "project"): lambda: list(self._projects.values()),
        }
        if route in static:
            return Reply(200, static[route]())
        if route == ("GET", "project", "{key}"):
            return self._project_reply(parts[1])
        if route[:3] == ("GET", "issue", "{key}") and parts[1] == "createmeta":
            return Reply(200, self._createmeta(parts))
        if route in (("GET", "search"), ("POST", "search"), ("GET", "search", "{key}"), ("POST", "search", "{key}")):
            return self._search(params, token_paging=len(parts) > 1)
        if route == ("POST", "issue"):
            return self._create(body if isinstance(body, dict) else {})
        issue = self._find(parts[1]) if route[1:3] == ("issue", "{key}") else None
        if issue is None:
            return _errors(404, [_NOT_FOUND] if route[1:2] == ("issue",) else [f"No resource at {request.path}"])
        return self._issue_route(route, issue, body if isinstance(body, dict) else {})

    # ---- machinery
    def _authenticated(self, request: Request) -> bool:
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer":
            return bool(value) and self.credentials is None
        if scheme.lower() != "basic":
            return False
        try:
            email, _, token = base64.b64decode(value).decode().partition(":")
        except ValueError:
            return False
        if not email or not token or (self.credentials is not None and (email, token) != self.credentials):
            return False
        self._user = {
            "accountId": "557058:opsdesk-local",
            "emailAddress": email,
            "displayName": "opsdesk",
            "active": True,
            "timeZone": "Europe/London",
            "accountType": "atlassian",
        }
        return True

    def _server_info(self) -> dict[str, Any]:
        return {
            "baseUrl": self.url,
            "version": "1001.0.0-SNAPSHOT",
            "versionNumbers": [1001, 0, 0],
            "deploymentType": "Cloud",
            "buildNumber": 100000,
            "serverTitle": "Jira (opsdesk local)",
            "serverTime": _now(),
        }

    def _project(self, key_or_id: str) -> dict[str, Any] | None:
        for project in self._projects.values():
            if key_or_id in (project["key"], project["id"]):
                return project
        if not _PROJECT_KEY.match(key_or_id):
            return None
        project_id = str(10000 + len(self._projects))
        self._projects[key_or_id] = {
            "id": project_id,
            "key": key_or_id,
            "name": key_or_id,
            "projectTypeKey": "software",
            "self": f"{self.url}/rest/api/2/project/{project_id}",
            "issueTypes": [
                {**issue_type, "self": f"{self.url}/rest/api/2/issuetype/{issue_type['id']}"}
                for issue_type in ISSUE_TYPES
            ],
        }
        return self._projects[key_or_id]

    def _project_reply(self, key: str) -> Reply:
        project = self._project(key)
        if project is None:
            return _errors(404, [f"No project could be found with key '{key}'."])
        return Reply(200, project)

    def _createmeta(self, parts: list[str]) -> dict[str, Any]:
        if len(parts) >= 4:  # issue/createmeta/{project}/issuetypes
            return {
                "issueTypes": ISSUE_TYPES,
                "values": ISSUE_TYPES,
                "maxResults": 50,
                "startAt": 0,
                "total": len(ISSUE_TYPES),
            }
        return {"projects": list(self._projects.values())}

    def _find(self, key: str) -> dict[str, Any] | None:
        return next((issue for issue in self._issues if key in (issue["key"], issue["id"])), None)

    def _search(self, params: dict[str, Any], *, token_paging: bool) -> Reply:
        try:
            found = search(self._issues, str(params.get("jql") or ""), self._user.get("accountId", ""))
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
        return Reply(
            200,
            {
                "expand": "schema,names",
                "startAt": start,
                "maxResults": limit,
                "total": len(found),
                "issues": copy.deepcopy(found[start : start + limit]),
            },
        )

    def _create(self, body: dict[str, Any]) -> Reply:
        fields = body.get("fields")
        if not isinstance(fields, dict):
            return _errors(400, ["Can not deserialize instance of issue without 'fields'."])
        errors: dict[str, str] = {}
        project_ref = fields.get("project") or {}
        project = self._project(str(project_ref.get("key") or project_ref.get("id") or ""))
        if project is None:
            errors["project"] = "valid project is required"
        type_ref = fields.get("issuetype") or {}
        issue_type = next(
            (t for t in ISSUE_TYPES if type_ref and type_ref.get("id", type_ref.get("name")) in (t["id"], t["name"])),
            None,
        )
        if issue_type is None:
            errors["issuetype"] = "valid issue type is required"
        if not str(fields.get("summary") or "").strip():
            errors["summary"] = "You must specify a summary of the issue."
        elif len(fields["summary"]) > 255:
            errors["summary"] = "Summary must be less than 255 characters."
        for label in fields.get("labels") or []:
            if not isinstance(label, str) or not label or " " in label:
                errors["labels"] = f"The label '{label}' contains spaces which is invalid."
        if errors or project is None or issue_type is None:
            return _errors(400, [], errors)
        number = 1 + sum(1 for issue in self._issues if issue["fields"]["project"]["key"] == project["key"])
        issue_id = str(10001 + len(self._issues))
        issue = {
            "expand": "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations",
            "id": issue_id,
            "self": f"{self.url}/rest/api/2/issue/{issue_id}",
            "key": f"{project['key']}-{number}",
            "fields": {
                **fields,
                "project": {key: project[key] for key in ("id", "key", "name", "self")},
                "issuetype": issue_type,
                "labels": list(fields.get("labels") or []),
                "status": STATUSES["To Do"],
                "priority": fields.get("priority") or {"id": "3", "name": "Medium"},
                "assignee": _person(fields.get("assignee")),
                "reporter": self._user,
                "resolution": None,
                "resolutiondate": None,
                "created": _now(),
                "updated": _now(),
                "comment": {"comments": [], "maxResults": 0, "total": 0, "startAt": 0},
            },
        }
        self._issues.append(issue)
        self._changed("issue_created", issue)
        return Reply(201, {"id": issue_id, "key": issue["key"], "self": issue["self"]})

    def _issue_route(self, route: tuple[str, ...], issue: dict[str, Any], body: dict[str, Any]) -> Reply:  # noqa: PLR0911
        if route == ("GET", "issue", "{key}"):
            return Reply(200, copy.deepcopy(issue))
        if route == ("PUT", "issue", "{key}"):
            issue["fields"].update(body.get("fields") or {})
            for change in (body.get("update") or {}).get("labels", []):
                labels = issue["fields"]["labels"]
                labels.extend([change["add"]] if "add" in change and change["add"] not in labels else [])
                if "remove" in change and change["remove"] in labels:
                    labels.remove(change["remove"])
            self._changed("issue_updated", issue)
            return Reply(204)
        if route == ("PUT", "issue", "{key}", "assignee"):
            issue["fields"]["assignee"] = _person(body)
            self._changed("issue_updated", issue)
            return Reply(204)
        if route == ("GET", "issue", "{key}", "comment"):
            return Reply(200, copy.deepcopy(issue["fields"]["comment"]))
        if route == ("POST", "issue", "{key}", "comment"):
            if not body.get("body"):
                return _errors(400, [], {"comment": "Comment body can not be empty!"})
            return Reply(201, copy.deepcopy(self._add_comment(issue, body["body"])))
        if route == ("GET", "issue", "{key}", "transitions"):
            current = issue["fields"]["status"]["name"]
            available = [
                {"id": tid, "name": name, "to": STATUSES[name], "hasScreen": False, "isAvailable": True}
                for tid, name in TRANSITIONS.items()
                if name != current
            ]
            return Reply(200, {"expand": "transitions", "transitions": available})
        if route == ("POST", "issue", "{key}", "transitions"):
            transition_id = str((body.get("transition") or {}).get("id", ""))
            if transition_id not in TRANSITIONS or TRANSITIONS[transition_id] == issue["fields"]["status"]["name"]:
                return _errors(400, [f"Transition id '{transition_id}' is not valid for this issue."])
            for change in (body.get("update") or {}).get("comment", []):
                self._add_comment(issue, change["add"]["body"])
            issue["fields"].update(body.get("fields") or {})
            self._set_status(issue, TRANSITIONS[transition_id])
            return Reply(204)
        return _errors(404, ["No resource for this method and path."])

    def _add_comment(self, issue: dict[str, Any], text: Any) -> dict[str, Any]:
        comments = issue["fields"]["comment"]
        comment_id = str(10000 + sum(len(i["fields"]["comment"]["comments"]) for i in self._issues))
        comment = {
            "id": comment_id,
            "self": f"{issue['self']}/comment/{comment_id}",
            "body": text,
            "author": self._user,
            "updateAuthor": self._user,
            "created": _now(),
            "updated": _now(),
            "jsdPublic": True,
        }
        comments["comments"].append(comment)
        comments["total"] = comments["maxResults"] = len(comments["comments"])
        self._changed("comment_created", issue)
        return comment

    def _set_status(self, issue: dict[str, Any], status: str) -> None:
        fields = issue["fields"]
        fields["status"] = STATUSES[status]
        fields["resolution"] = {"id": "10000", "name": "Done"} if status == "Done" else None
        fields["resolutiondate"] = _now() if status == "Done" else None
        fields["updated"] = _now()
        self._changed("issue_updated", issue)

    def _changed(self, kind: str, issue: dict[str, Any]) -> None:
        for hook in list(self.on_change):
            hook({"type": kind, "issue": copy.deepcopy(issue)})


def _person(reference: Any) -> dict[str, Any] | None:
    if not isinstance(reference, dict):
        return None
    account = reference.get("accountId") or reference.get("id") or reference.get("name")
    return {"accountId": account, "displayName": account, "active": True} if account else None


def _fields() -> list[dict[str, Any]]:
    names = (
        "summary",
        "description",
        "labels",
        "status",
        "assignee",
        "reporter",
        "issuetype",
        "project",
        "priority",
        "created",
        "updated",
        "resolution",
        "comment",
    )
    return [
        {
            "id": name,
            "key": name,
            "name": name.title(),
            "custom": False,
            "navigable": True,
            "searchable": True,
            "clauseNames": [name],
        }
        for name in names
    ]
