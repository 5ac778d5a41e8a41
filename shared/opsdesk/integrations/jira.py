"""Jira as the ticket tracker (the port is `opsdesk.domain.tickets`), through the `jira` library loaded on first use."""

from __future__ import annotations

from typing import Any

from opsdesk.domain.requests import Stage
from opsdesk.domain.tickets import Ticket, TrackerUnavailable

# One attempt, a short wait: the caller records a pending ticket and triage-sweep retries,
# which is safer than the client's own retries (creating an issue has no idempotency key).
TIMEOUT_SECONDS: float = 10
STATUS_FOR_STAGE = {Stage.TODO: "To Do", Stage.IN_PROGRESS: "In Progress", Stage.DONE: "Done"}
_CATEGORY_STAGE = {"new": Stage.TODO, "indeterminate": Stage.IN_PROGRESS, "done": Stage.DONE}


def stage_of(status: dict[str, Any]) -> Stage | None:
    """Map a Jira status (by its category, else its name) onto a request's stage."""
    category = str((status.get("statusCategory") or {}).get("key") or "").lower()
    if category in _CATEGORY_STAGE:
        return _CATEGORY_STAGE[category]
    name = str(status.get("name") or "").lower().replace(" ", "")
    return {"todo": Stage.TODO, "inprogress": Stage.IN_PROGRESS, "done": Stage.DONE}.get(name)


class JiraTracker:
    """Jira Cloud or Server through the `jira` client, created on first use (never on the ack path)."""

    enabled = True

    def __init__(self, server: str, project: str, email: str, token: str) -> None:
        self.server = server.rstrip("/")
        self.project = project
        self._auth = (email, token)
        self._client: Any = None

    def _jira(self) -> Any:
        if self._client is None:
            import jira  # noqa: PLC0415  # heavy import, only where a ticket is touched

            self._client = jira.JIRA(
                server=self.server,
                basic_auth=self._auth,
                get_server_info=False,
                timeout=TIMEOUT_SECONDS,
                max_retries=0,
            )
        return self._client

    def _call(self, what: str, work: Any) -> Any:
        import requests  # noqa: PLC0415
        from jira.exceptions import JIRAError  # noqa: PLC0415

        try:
            return work(self._jira())
        except JIRAError as error:
            raise TrackerUnavailable(f"Jira refused to {what} (HTTP {error.status_code}).") from error
        except requests.RequestException as error:
            raise TrackerUnavailable(f"Jira did not answer when asked to {what}.") from error

    def _ticket(self, issue: Any) -> Ticket:
        fields = getattr(issue, "fields", None)
        return Ticket(
            key=str(issue.key),
            url=f"{self.server}/browse/{issue.key}",
            summary=str(getattr(fields, "summary", "") or ""),
            created=str(getattr(fields, "created", "") or ""),
        )

    def find_by_label(self, label: str) -> Ticket | None:
        found = self._call(
            "search", lambda client: client.search_issues(f'labels = "{label}"', maxResults=1, fields="summary")
        )
        return self._ticket(found[0]) if found else None

    def create(self, summary: str, description: str, labels: list[str]) -> Ticket:
        fields = {
            "project": {"key": self.project},
            "issuetype": {"name": "Task"},
            "summary": summary,
            "description": description,
            "labels": labels,
        }
        issue = self._call("create a ticket", lambda client: client.create_issue(fields=fields, prefetch=False))
        return Ticket(key=str(issue.key), url=f"{self.server}/browse/{issue.key}", summary=summary)

    def comment(self, key: str, body: str) -> None:
        self._call("add a comment", lambda client: client.add_comment(key, body))

    def move(self, key: str, stage: Stage) -> None:
        """Transition the issue to the stage's status, when the workflow offers it."""
        wanted = STATUS_FOR_STAGE[stage].lower()

        def transition(client: Any) -> None:
            for option in client.transitions(key):
                target = str((option.get("to") or {}).get("name") or option.get("name") or "").lower()
                if target == wanted:
                    client.transition_issue(key, option["id"])
                    return

        self._call("move the ticket", transition)

    def set_priority(self, key: str, priority: str) -> None:
        self._call(
            "set the priority", lambda client: client.issue(key, fields="priority").update(priority={"name": priority})
        )

    def unassigned(self) -> list[Ticket]:
        jql = f"project = {self.project} AND assignee is EMPTY AND statusCategory != Done ORDER BY created ASC"
        found = self._call(
            "list the board", lambda client: client.search_issues(jql, maxResults=50, fields="summary,created")
        )
        return [self._ticket(issue) for issue in found]
