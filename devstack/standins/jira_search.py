"""Issue search as each Jira deployment serves it today: Cloud's enhanced `/search/jql`, Data Center's `/search`.

Sources, per behaviour:
- Cloud removed `GET/POST /rest/api/2|3|latest/search`; it answers 410 with the message below
  (developer.atlassian.com/changelog/#CHANGE-2046; pycontribs/jira issues 2367, 2382).
- `/search/jql` (developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-search/
  #api-rest-api-3-search-jql-get): `fields` defaults to `id` ("By default, this resource returns IDs
  only"); pages with `nextPageToken` (absent on the last page, with `isLast`); `maxResults` defaults
  to 50, "returns max 5000 issues", and fewer when fields are requested; `reconcileIssues` ("Strong
  consistency issue ids to be reconciled with search results. Accepts max 50 ids"); a bounded query.
- The enhanced search is eventually consistent (CHANGE-2046: "search results may not reflect recent
  changes"; `reconcileIssues` exists for read-after-write): the tracker's index lags its issues.
- Data Center keeps `/rest/api/2/search` with `startAt`/`total` and has no `/search/jql`
  (docs.atlassian.com/software/jira/docs/api/REST/9.12.0/#api/2/search); it indexes synchronously.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from devstack.httpserver import Reply
from devstack.standins.jql import JqlError, search

if TYPE_CHECKING:
    from devstack.standins.jira_tracker import JiraTracker

REMOVED = (
    "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. "
    "A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046"
)
MAX_RECONCILE = 50
MAX_ISSUES = 5000  # per page, ids only
# Pages are smaller when fields are requested; Atlassian gives no number, 100 makes callers follow the token.
MAX_WITH_FIELDS = 100
DATA_CENTER_MAX = 1000  # Data Center's jira.search.views.default.max
_EXPAND = "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations"


def errors(status: int, *messages: str) -> Reply:
    return Reply(status, {"errorMessages": list(messages), "errors": {}})


@dataclass(frozen=True)
class SearchQuery:
    """A search's parameters, from a GET query (repeated parameters) or a POST body alike."""

    jql: str
    fields: tuple[str, ...]
    max_results: int
    page_token: str
    start_at: int
    reconcile: tuple[str, ...]

    @classmethod
    def read(cls, query: dict[str, list[str]], body: dict[str, Any] | None, default_fields: str) -> SearchQuery:
        """Read the parameters; ValueError says which one Jira would refuse."""
        values: dict[str, list[Any]] = {key: list(items) for key, items in query.items()}
        for key, value in (body or {}).items():
            values[key] = value if isinstance(value, list) else [value]

        def listed(name: str) -> tuple[str, ...]:
            return tuple(part.strip() for item in values.get(name, []) for part in str(item).split(",") if part.strip())

        def number(name: str, default: int) -> int:
            raw = (values.get(name) or [default])[0]
            try:
                return int(raw)
            except (TypeError, ValueError):
                raise ValueError(f"The value '{raw}' is invalid for the parameter '{name}'.") from None

        return cls(
            jql=str((values.get("jql") or [""])[0]),
            fields=listed("fields") or (default_fields,),
            max_results=number("maxResults", 50),
            page_token=str((values.get("nextPageToken") or [""])[0] or ""),
            start_at=number("startAt", 0),
            reconcile=listed("reconcileIssues"),
        )


def shown(issue: dict[str, Any], fields: tuple[str, ...], *, ids_alone: bool = True) -> dict[str, Any]:
    """Return an issue as a search lists it: `id` alone (Cloud, no fields named), or with the fields requested."""
    wanted = set(fields)
    if wanted <= {"id"} and ids_alone:
        return {"id": issue["id"]}
    everything = bool(wanted & {"*all", "*navigable"})
    names = {name for name in issue["fields"] if everything or name in wanted}
    names -= {name[1:] for name in wanted if name.startswith("-")}
    return {
        "expand": _EXPAND,
        "id": issue["id"],
        "self": issue["self"],
        "key": issue["key"],
        "fields": {name: copy.deepcopy(issue["fields"][name]) for name in sorted(names)},
    }


def _token(offset: int, jql: str) -> str:
    """An opaque page token, bound to its query (Jira's tokens are opaque and expire; these do not)."""
    payload = json.dumps({"o": offset, "q": hashlib.sha256(jql.encode()).hexdigest()[:12]})
    return base64.urlsafe_b64encode(payload.encode()).decode()


def _offset(token: str, jql: str) -> int:
    if not token:
        return 0
    try:
        payload = json.loads(base64.urlsafe_b64decode(token.encode()))
        if payload["q"] == hashlib.sha256(jql.encode()).hexdigest()[:12]:
            return int(payload["o"])
    except (ValueError, KeyError, TypeError):
        pass
    raise ValueError("The provided next page token is invalid or expired.")


def enhanced(tracker: JiraTracker, query: SearchQuery) -> Reply:
    """GET/POST /search/jql on Jira Cloud: the index's view, reconciled issues read fresh."""
    if len(query.reconcile) > MAX_RECONCILE:
        return errors(400, f"The number of reconcileIssues must not exceed {MAX_RECONCILE}.")
    fresh = {issue["id"]: issue for issue in tracker.issues if issue["id"] in query.reconcile}
    seen = [fresh.pop(issue["id"], issue) for issue in tracker.indexed()]
    try:
        found = search(seen + list(fresh.values()), query.jql)
        start = _offset(query.page_token, query.jql)
    except (JqlError, ValueError) as error:
        return errors(400, str(error))
    page_size = max(1, min(query.max_results, MAX_ISSUES))
    if set(query.fields) - {"id", "key"}:
        page_size = min(page_size, MAX_WITH_FIELDS)
    page: dict[str, Any] = {"issues": [shown(issue, query.fields) for issue in found[start : start + page_size]]}
    if start + page_size < len(found):
        page["nextPageToken"] = _token(start + page_size, query.jql)
    page["isLast"] = "nextPageToken" not in page
    return Reply(200, page)


def classic(tracker: JiraTracker, query: SearchQuery) -> Reply:
    """GET/POST /rest/api/2/search on Data Center: startAt paging, a total, consistent at once."""
    try:
        found = search(tracker.issues, query.jql)
    except JqlError as error:
        return errors(400, str(error))
    limit = max(0, min(query.max_results, DATA_CENTER_MAX))
    window = found[query.start_at : query.start_at + limit]
    issues = [shown(issue, query.fields, ids_alone=False) for issue in window]
    return Reply(
        200,
        {
            "expand": "schema,names",
            "startAt": query.start_at,
            "maxResults": limit,
            "total": len(found),
            "issues": issues,
        },
    )
