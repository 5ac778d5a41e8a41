"""The Jira stand-in's data: projects, issues, comments, the To Do / In Progress / Done workflow, the search index."""

from __future__ import annotations

import copy
import re
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

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
FIELD_NAMES = (
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
_PROJECT_KEY = re.compile(r"^[A-Z][A-Z0-9_]{1,9}$")
MAX_SUMMARY = 255


def jira_time(moment: datetime) -> str:
    """Return a time as Jira writes it (2026-11-30T10:00:00.000+0000)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000"


def now() -> str:
    """Return the wall-clock time now as Jira writes it."""
    return jira_time(datetime.now(UTC))


def person(reference: Any) -> dict[str, Any] | None:
    """Return a user object for {"accountId"}, {"id"} or {"name"} (None when unassigned)."""
    if not isinstance(reference, dict):
        return None
    account = reference.get("accountId") or reference.get("id") or reference.get("name")
    return {"accountId": account, "displayName": account, "active": True} if account else None


def fields_list() -> list[dict[str, Any]]:
    """Return GET /field: the system fields with their JQL clause names."""
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
        for name in FIELD_NAMES
    ]


class JiraTracker:
    """Projects that exist (an admin made them) and issues numbered per project: OPS-1, OPS-2, ...

    Search reads an index, not the issues: every change is indexed `index_lag` after it happens
    (Jira Cloud's search is eventually consistent), so a search may miss a new issue or see an
    old status until the index catches up. `clock` is what "now" means; tests pass their own.
    """

    def __init__(self, base_url: Callable[[], str], projects: tuple[str, ...] = ("OPS",)) -> None:
        self.base_url = base_url
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)
        self.index_lag = timedelta(0)
        self.issues: list[dict[str, Any]] = []
        self.projects: dict[str, dict[str, Any]] = {}
        self.user: dict[str, Any] = {}
        self.on_change: list[Callable[[dict[str, Any]], None]] = []
        self._initial_projects = projects
        # issue id -> [(when the index shows it, the issue as it was then)], oldest first
        self._index: dict[str, list[tuple[datetime, dict[str, Any]]]] = {}
        self.clear()

    def clear(self) -> None:
        """Forget every issue; only the projects the stand-in started with exist again."""
        self.issues.clear()
        self.projects.clear()
        self._index.clear()
        for key in self._initial_projects:
            self.add_project(key)

    def add_project(self, key: str) -> dict[str, Any]:
        """Create a project, as a Jira admin would."""
        if not _PROJECT_KEY.match(key):
            raise ValueError(f"{key!r} is not a Jira project key")
        if key in self.projects:
            return self.projects[key]
        project_id = str(10000 + len(self.projects))
        self.projects[key] = {"id": project_id, "key": key, "name": key, "projectTypeKey": "software"}
        return self.projects[key]

    def shown_project(self, project: dict[str, Any]) -> dict[str, Any]:
        """Return a project as GET /project/{key} shows it (links need the server's URL, known once it serves)."""
        return {
            **project,
            "self": f"{self.base_url()}/rest/api/2/project/{project['id']}",
            "issueTypes": [
                {**kind, "self": f"{self.base_url()}/rest/api/2/issuetype/{kind['id']}"} for kind in ISSUE_TYPES
            ],
        }

    def project(self, key_or_id: str) -> dict[str, Any] | None:
        """Return a project by key or id; None if no admin created it."""
        return next((p for p in self.projects.values() if key_or_id in (p["key"], p["id"])), None)

    def find(self, key: str) -> dict[str, Any] | None:
        """Return the stored issue (not a copy) by key or id."""
        return next((issue for issue in self.issues if key in (issue["key"], issue["id"])), None)

    def now(self) -> str:
        return jira_time(self.clock())

    def indexed(self) -> list[dict[str, Any]]:
        """Return the issues as the search index shows them now (new ones may be missing, others stale)."""
        moment = self.clock()
        shown = []
        for issue in self.issues:
            visible = [snapshot for when, snapshot in self._index.get(issue["id"], []) if when <= moment]
            if visible:
                shown.append(visible[-1])
        return shown

    def create(self, fields: dict[str, Any]) -> tuple[dict[str, Any] | None, dict[str, str]]:
        """Validate and store a new issue as Jira does; return (issue, {}) or (None, errors by field)."""
        errors: dict[str, str] = {}
        project_ref = fields.get("project") or {}
        project = self.project(str(project_ref.get("key") or project_ref.get("id") or ""))
        if project is None:
            # Jira's answer for a project that does not exist or the user cannot create issues in
            # (developer.atlassian.com/cloud/jira/platform/rest/v2/api-group-issues/#api-rest-api-2-issue-post, 400).
            errors["project"] = "valid project is required"
        wanted = fields.get("issuetype") or {}
        issue_type = next(
            (kind for kind in ISSUE_TYPES if wanted.get("id", wanted.get("name")) in (kind["id"], kind["name"])), None
        )
        if issue_type is None:
            errors["issuetype"] = "valid issue type is required"
        if not str(fields.get("summary") or "").strip():
            errors["summary"] = "You must specify a summary of the issue."
        elif len(fields["summary"]) > MAX_SUMMARY:
            errors["summary"] = "Summary must be less than 255 characters."
        for label in fields.get("labels") or []:
            if not isinstance(label, str) or not label or " " in label:
                errors["labels"] = f"The label '{label}' contains spaces which is invalid."
        if errors or project is None or issue_type is None:
            return None, errors
        number = 1 + sum(1 for issue in self.issues if issue["fields"]["project"]["key"] == project["key"])
        issue_id = str(10001 + len(self.issues))
        issue = {
            "expand": "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations",
            "id": issue_id,
            "self": f"{self.base_url()}/rest/api/2/issue/{issue_id}",
            "key": f"{project['key']}-{number}",
            "fields": {
                **fields,
                "project": {key: self.shown_project(project)[key] for key in ("id", "key", "name", "self")},
                "issuetype": issue_type,
                "labels": list(fields.get("labels") or []),
                "status": STATUSES["To Do"],
                "priority": fields.get("priority") or {"id": "3", "name": "Medium"},
                "assignee": person(fields.get("assignee")),
                "reporter": self.user,
                "resolution": None,
                "resolutiondate": None,
                "created": self.now(),
                "updated": self.now(),
                "comment": {"comments": [], "maxResults": 0, "total": 0, "startAt": 0},
            },
        }
        self.issues.append(issue)
        self.changed("issue_created", issue)
        return issue, {}

    def update(self, issue: dict[str, Any], body: dict[str, Any]) -> None:
        """Apply PUT /issue/{key}: "fields" set values, "update.labels" adds and removes labels."""
        issue["fields"].update(body.get("fields") or {})
        labels = issue["fields"]["labels"]
        for change in (body.get("update") or {}).get("labels", []):
            if "add" in change and change["add"] not in labels:
                labels.append(change["add"])
            if "remove" in change and change["remove"] in labels:
                labels.remove(change["remove"])
        issue["fields"]["updated"] = self.now()
        self.changed("issue_updated", issue)

    def add_comment(self, issue: dict[str, Any], text: Any) -> dict[str, Any]:
        """Add a comment by the authenticated user and return it."""
        comments = issue["fields"]["comment"]
        comment_id = str(10000 + sum(len(item["fields"]["comment"]["comments"]) for item in self.issues))
        comment = {
            "id": comment_id,
            "self": f"{issue['self']}/comment/{comment_id}",
            "body": text,
            "author": self.user,
            "updateAuthor": self.user,
            "created": self.now(),
            "updated": self.now(),
            "jsdPublic": True,
        }
        comments["comments"].append(comment)
        comments["total"] = comments["maxResults"] = len(comments["comments"])
        self.changed("comment_created", issue)
        return comment

    def transitions(self, issue: dict[str, Any]) -> list[dict[str, Any]]:
        """Return the transitions available from the issue's status (every other status)."""
        current = issue["fields"]["status"]["name"]
        return [
            {"id": transition_id, "name": name, "to": STATUSES[name], "hasScreen": False, "isAvailable": True}
            for transition_id, name in TRANSITIONS.items()
            if name != current
        ]

    def set_status(self, issue: dict[str, Any], status: str) -> None:
        """Move an issue to a status; Done sets the resolution."""
        fields = issue["fields"]
        before = fields["status"]
        fields["status"] = STATUSES[status]
        fields["resolution"] = {"id": "10000", "name": "Done"} if status == "Done" else None
        fields["resolutiondate"] = self.now() if status == "Done" else None
        fields["updated"] = self.now()
        item = {
            "field": "status",
            "fieldtype": "jira",
            "fieldId": "status",
            "from": before["id"],
            "fromString": before["name"],
            "to": fields["status"]["id"],
            "toString": status,
        }
        self.changed("issue_updated", issue, [item])

    def changed(self, kind: str, issue: dict[str, Any], changelog: list[dict[str, Any]] | None = None) -> None:
        """Index the change (after the lag) and tell the hooks (the stand-in's webhooks, say)."""
        self._index.setdefault(issue["id"], []).append((self.clock() + self.index_lag, copy.deepcopy(issue)))
        for hook in list(self.on_change):
            hook(
                {
                    "type": kind,
                    "issue": copy.deepcopy(issue),
                    "changelog": copy.deepcopy(changelog or []),
                    "user": copy.deepcopy(self.user),
                }
            )
