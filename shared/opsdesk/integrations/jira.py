"""Jira as the ticket tracker (the port is `opsdesk.domain.tickets`), through the `jira` library loaded on first use.

Search differs by deployment. Jira Cloud removed `/rest/api/*/search` in 2025 (it answers 410,
CHANGE-2046) for `/search/jql`, which pages with `nextPageToken`, returns ids only unless fields are
named, and is eventually consistent (`reconcileIssues` reads named issues fresh). Data Center keeps
`/rest/api/2/search` and has no `/search/jql`. The `jira` client picks the endpoint from serverInfo's
`deploymentType`, so the deployment is learnt once per container from serverInfo (JIRA_DEPLOYMENT=auto,
the default: it follows a site that moves to Cloud with no change here) or set by JIRA_DEPLOYMENT=cloud|
datacenter for a Jira whose serverInfo is hidden behind a proxy.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any, Literal

from opsdesk import deadline
from opsdesk.domain.requests import Stage
from opsdesk.domain.tickets import Ticket, TrackerRefused, TrackerUnavailable
from opsdesk.integrations.jira_errors import CREDENTIALS_REFUSED, classify, retry_after, status_of
from opsdesk.integrations.jira_markup import wiki_text

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

Deployment = Literal["auto", "cloud", "datacenter"]
logger = logging.getLogger(__name__)

# One attempt, a short wait: a caller keeps the work (pending ticket, claimed action) and tries later, which is
# safer than the client's own retries: its ResilientSession also retries a 503 to POST /issue, which has no
# idempotency key and may have created the issue. Within an invocation, each request waits at most the time the
# invocation has left less deadline.MARGIN_SECONDS (room to record what is still owed).
TIMEOUT_SECONDS: float = 10
# Below this, a request is not sent at all: the work stays owed for a later run (Lambda's retry, the next sweep).
MIN_TIMEOUT_SECONDS: float = 1
# A 429 that asks for a short wait is waited out once, if the invocation has time for it; a longer one fails as
# transient (the caller retries later).
MAX_RETRY_AFTER_SECONDS: float = 5
PAGE_SIZE = 100  # Cloud returns at most 100 issues a page when fields are named; Data Center up to 1000
MAX_BOARD_TICKETS = 200
STATUS_FOR_STAGE = {Stage.TODO: "To Do", Stage.IN_PROGRESS: "In Progress", Stage.DONE: "Done"}
_CATEGORY_STAGE = {"new": Stage.TODO, "indeterminate": Stage.IN_PROGRESS, "done": Stage.DONE}
_SEARCH_FIELDS = ("summary", "created")


class OutOfTime(Exception):
    """The invocation has too little time left to send Jira a request."""


def stage_of(status: dict[str, Any]) -> Stage | None:
    """Map a Jira status (by its category, else its name) onto a request's stage."""
    category = str((status.get("statusCategory") or {}).get("key") or "").lower()
    if category in _CATEGORY_STAGE:
        return _CATEGORY_STAGE[category]
    name = str(status.get("name") or "").lower().replace(" ", "")
    return {"todo": Stage.TODO, "inprogress": Stage.IN_PROGRESS, "done": Stage.DONE}.get(name)


def jql_string(value: str) -> str:
    """A JQL string literal."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class JiraTracker:
    """Jira Cloud or Data Center through the `jira` client, created on first use (never on the ack path).

    The API token in force is read at every call and the client rebuilt when it changed (a rotation
    reaches a warm container within the credentials' cache age); on a 401 the credentials are refreshed,
    the client rebuilt and the call tried once more, and a second 401 is a refusal a person must fix.
    """

    enabled = True

    def __init__(
        self,
        server: str,
        project: str,
        email: str,
        token: Callable[[], str],
        *,
        deployment: Deployment = "auto",
        refresh_credentials: Callable[[], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.server = server.rstrip("/")
        self.project = project
        self.email = email
        self.token = token
        self.deployment: Deployment = deployment
        self.refresh_credentials = refresh_credentials
        self.sleep = sleep
        self._client: Any = None
        self._client_token = ""

    def request_timeout(self) -> float:
        """Seconds one request to Jira may wait: TIMEOUT_SECONDS, less as the invocation's deadline nears."""
        left = deadline.remaining_seconds()
        return TIMEOUT_SECONDS if left is None else min(TIMEOUT_SECONDS, left - deadline.MARGIN_SECONDS)

    def _jira(self) -> Any:
        timeout = self.request_timeout()
        if timeout < min(MIN_TIMEOUT_SECONDS, TIMEOUT_SECONDS):
            raise OutOfTime
        token = self.token()
        if self._client is None or token != self._client_token:
            import jira  # noqa: PLC0415  # heavy import, only where a ticket is touched

            client = jira.JIRA(
                server=self.server,
                basic_auth=(self.email, token),
                get_server_info=self.deployment == "auto",  # one GET /serverInfo, then remembered below
                timeout=timeout,
                max_retries=0,
            )
            if self.deployment != "auto":
                client.deploymentType = "Cloud" if self.deployment == "cloud" else "Server"
            self.deployment = "cloud" if client.deploymentType == "Cloud" else "datacenter"
            session = client._session

            def size_next_request(response: Any, *args: Any, **kwargs: Any) -> Any:
                # A call of several requests (search pages, a transition) gives each the time left then. Never
                # raises: the answer in hand may be a change Jira made, which must reach the caller.
                session.timeout = max(min(MIN_TIMEOUT_SECONDS, TIMEOUT_SECONDS), self.request_timeout())
                return response

            session.hooks["response"].append(size_next_request)
            self._client, self._client_token = client, token
        self._client._session.timeout = timeout
        return self._client

    def _call(self, what: str, work: Callable[[Any], Any]) -> Any:
        """Run `work(client)`; Jira's failures become the port's errors (never the client's text, which has headers)."""
        import requests  # noqa: PLC0415
        from jira.exceptions import JIRAError  # noqa: PLC0415

        refreshed = waited = False
        while True:
            try:
                return work(self._jira())
            except JIRAError as error:
                status = status_of(error)
                if status == 401 and not refreshed:
                    refreshed = True
                    if self.refresh_credentials is not None:
                        self.refresh_credentials()
                    self._client = None  # rebuilt with the token read afresh
                    continue
                wait = retry_after(error) if status == 429 else None
                if wait is not None and wait <= MAX_RETRY_AFTER_SECONDS and not waited:
                    if deadline.allows(wait + MIN_TIMEOUT_SECONDS):
                        waited = True  # a 429 was not processed: sending it again cannot double anything
                        self.sleep(wait)
                        continue
                    logger.warning(
                        "not retrying Jira after HTTP 429: a %.0f s wait would leave too little of the invocation's "
                        "%.0f s; the work stays owed for a later run",
                        wait,
                        deadline.remaining_seconds() or 0.0,
                    )
                # `from None`: the client's error text carries request and response headers.
                raise (TrackerRefused(CREDENTIALS_REFUSED) if status == 401 else classify(error, what)) from None
            except OutOfTime:
                raise TrackerUnavailable(f"This run had no time left to ask Jira to {what}.") from None
            except requests.Timeout:
                raise TrackerUnavailable(f"Jira did not answer in time when asked to {what}.") from None
            except requests.RequestException as error:
                raise TrackerUnavailable(f"Jira could not be reached to {what} ({type(error).__name__}).") from None

    def _ticket(self, issue: dict[str, Any]) -> Ticket:
        fields = issue.get("fields") or {}
        key = str(issue.get("key") or "")
        return Ticket(
            key=key,
            url=f"{self.server}/browse/{key}",
            summary=str(fields.get("summary") or ""),
            created=str(fields.get("created") or ""),
            id=str(issue.get("id") or ""),
        )

    def _search(self, what: str, jql: str, *, limit: int, known_ids: Sequence[str] = ()) -> list[Ticket]:
        """Up to `limit` issues with their summary: Cloud's /search/jql by token, Data Center's /search by offset."""

        def pages(client: Any) -> list[dict[str, Any]]:
            found: list[dict[str, Any]] = []
            token, start = None, 0
            while len(found) < limit:
                size = min(PAGE_SIZE, limit - len(found))
                if self.deployment == "cloud":
                    page = client.enhanced_search_issues(
                        jql,
                        nextPageToken=token,
                        maxResults=size,
                        fields=list(_SEARCH_FIELDS),
                        reconcileIssues=[int(issue_id) for issue_id in known_ids] or None,
                        json_result=True,
                    )
                    token = page.get("nextPageToken")
                else:
                    page = client.search_issues(
                        jql, startAt=start, maxResults=size, fields=list(_SEARCH_FIELDS), json_result=True
                    )
                    start += len(page.get("issues") or [])
                    token = "more" if start < int(page.get("total") or 0) else None
                found += page.get("issues") or []
                if not token or not page.get("issues"):
                    break
            return found[:limit]

        return [self._ticket(issue) for issue in self._call(what, pages)]

    def find_by_label(self, label: str, known_ids: Sequence[str] = ()) -> Ticket | None:
        """The project's oldest issue with the label (another project's issue with the same label is not ours)."""
        jql = f"project = {jql_string(self.project)} AND labels = {jql_string(label)} ORDER BY created ASC"
        found = self._search("look for the ticket", jql, limit=1, known_ids=known_ids)
        return found[0] if found else None

    def create(self, summary: str, description: str, labels: list[str]) -> Ticket:
        fields = {
            "project": {"key": self.project},
            "issuetype": {"name": "Task"},
            "summary": " ".join(summary.split())[:250],  # summary is plain text in Jira: one line, no markup
            "description": wiki_text(description),
            "labels": labels,
        }
        issue = self._call("create a ticket", lambda client: client.create_issue(fields=fields, prefetch=False))
        raw = getattr(issue, "raw", None) or {}
        return Ticket(
            key=str(issue.key), url=f"{self.server}/browse/{issue.key}", summary=summary, id=str(raw.get("id") or "")
        )

    def comment(self, key: str, body: str) -> None:
        self._call("add a comment", lambda client: client.add_comment(key, wiki_text(body)))

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
        project = jql_string(self.project)
        jql = f"project = {project} AND assignee is EMPTY AND statusCategory != Done ORDER BY created ASC"
        return self._search("list the board", jql, limit=MAX_BOARD_TICKETS)
