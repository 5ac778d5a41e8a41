"""The Jira stand-in's data: projects, issues, comments and the To Do / In Progress / Done workflow."""

from __future__ import annotations

import copy
import re
from datetime import UTC, datetime
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


def now() -> str:
    """Return the time now as Jira writes it (2026-11-30T10:00:00.000+0000)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000"


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
    """Projects (any valid key is known) and issues numbered per project: OPS-1, OPS-2, ..."""

    def __init__(self, base_url: Callable[[], str]) -> None:
        self.base_url = base_url
        self.issues: list[dict[str, Any]] = []
        self.projects: dict[str, dict[str, Any]] = {}
        self.user: dict[str, Any] = {}
        self.on_change: list[Callable[[dict[str, Any]], None]] = []

    def clear(self) -> None:
        """Forget every project and issue."""
        self.issues.clear()
        self.projects.clear()

    def project(self, key_or_id: str) -> dict[str, Any] | None:
        """Return a project by key or id; a valid key not seen before is created."""
        for project in self.projects.values():
            if key_or_id in (project["key"], project["id"]):
                return project
        if not _PROJECT_KEY.match(key_or_id):
            return None
        project_id = str(10000 + len(self.projects))
        self.projects[key_or_id] = {
            "id": project_id,
            "key": key_or_id,
            "name": key_or_id,
            "projectTypeKey": "software",
            "self": f"{self.base_url()}/rest/api/2/project/{project_id}",
            "issueTypes": [
                {**kind, "self": f"{self.base_url()}/rest/api/2/issuetype/{kind['id']}"} for kind in ISSUE_TYPES
            ],
        }
        return self.projects[key_or_id]

    def find(self, key: str) -> dict[str, Any] | None:
        """Return the stored issue (not a copy) by key or id."""
        return next((issue for issue in self.issues if key in (issue["key"], issue["id"])), None)

    def create(self, fields: dict[str, Any]) -> tuple[dict[str, Any] | None, dict[str, str]]:
        """Validate and store a new issue as Jira does; return (issue, {}) or (None, errors by field)."""
        errors: dict[str, str] = {}
        project_ref = fields.get("project") or {}
        project = self.project(str(project_ref.get("key") or project_ref.get("id") or ""))
        if project is None:
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
                "project": {key: project[key] for key in ("id", "key", "name", "self")},
                "issuetype": issue_type,
                "labels": list(fields.get("labels") or []),
                "status": STATUSES["To Do"],
                "priority": fields.get("priority") or {"id": "3", "name": "Medium"},
                "assignee": person(fields.get("assignee")),
                "reporter": self.user,
                "resolution": None,
                "resolutiondate": None,
                "created": now(),
                "updated": now(),
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
        issue["fields"]["updated"] = now()
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
            "created": now(),
            "updated": now(),
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
        fields["status"] = STATUSES[status]
        fields["resolution"] = {"id": "10000", "name": "Done"} if status == "Done" else None
        fields["resolutiondate"] = now() if status == "Done" else None
        fields["updated"] = now()
        self.changed("issue_updated", issue)

    def changed(self, kind: str, issue: dict[str, Any]) -> None:
        """Tell the hooks (a sandbox sending Jira webhooks, say) that an issue changed."""
        for hook in list(self.on_change):
            hook({"type": kind, "issue": copy.deepcopy(issue)})
