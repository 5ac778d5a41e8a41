"""Jira issue search, as Atlassian documents it for Cloud (today) and Data Center, asserted against the stand-in.

Each test names the page whose statement it checks; the stand-in passes only by behaving as that page says.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from jira import JIRAError

from tests.contract.neighbour_fixtures import (  # noqa: F401  # fixtures
    Clock,
    contract_clock_fixture,
    jira_client,
    jira_cloud_fixture,
    jira_datacenter_fixture,
    jira_server_fixture,
    new_issue,
    rest,
)

if TYPE_CHECKING:
    from devstack.standins.jira import JiraStandIn

LABEL_JQL = 'project = "OPS" AND labels = "opsdesk-req-7k3qf" ORDER BY created ASC'
BOARD_JQL = 'project = "OPS" AND assignee is EMPTY AND statusCategory != Done ORDER BY created ASC'


@pytest.mark.parametrize("version", ["2", "3", "latest"])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_cloud_answers_the_removed_search_with_410_and_the_migration_message(
    jira_cloud: JiraStandIn, version: str, method: str
) -> None:
    """developer.atlassian.com/changelog/#CHANGE-2046: GET/POST /rest/api/{2,3,latest}/search are removed from Cloud.

    The answer seen by callers (pycontribs/jira issues 2367, 2382): 410 and this errorMessages text.
    """
    answer = rest(jira_cloud, method, f"/rest/api/{version}/search", params={"jql": LABEL_JQL})
    assert answer.status_code == 410
    assert answer.json()["errorMessages"] == [
        "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. "
        "A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046"
    ]


def test_a_client_that_skips_server_info_calls_the_removed_search_on_cloud(jira_cloud: JiraStandIn) -> None:
    """pycontribs/jira client.py: with get_server_info=False, deploymentType stays None and search_issues uses /search.

    That is what opsdesk did before issue 11: on Jira Cloud it could never find or file a ticket.
    """
    from jira import JIRA

    from tests.contract.neighbour_fixtures import CREDENTIALS

    blind = JIRA(server=jira_cloud.url, basic_auth=CREDENTIALS, get_server_info=False, max_retries=0)
    with pytest.raises(JIRAError) as removed:
        blind.search_issues(LABEL_JQL)
    assert removed.value.status_code == 410
    assert jira_client(jira_cloud).deploymentType == "Cloud"


def test_search_jql_returns_issue_ids_only_unless_fields_are_named(jira_cloud: JiraStandIn) -> None:
    """api-group-issue-search/#api-rest-api-3-search-jql-get, `fields`: "The default is id ... By default, this
    resource returns IDs only." Named fields come back under `fields`, with the key."""
    issue = new_issue(jira_client(jira_cloud), labels=("opsdesk-req-7k3qf",))
    reconcile = {"reconcileIssues": issue.id}
    bare = rest(jira_cloud, "GET", "/rest/api/3/search/jql", params={"jql": LABEL_JQL, **reconcile}).json()
    named = rest(
        jira_cloud, "GET", "/rest/api/3/search/jql", params={"jql": LABEL_JQL, "fields": "summary", **reconcile}
    ).json()
    assert bare["issues"] == [{"id": issue.id}]
    assert named["issues"][0]["key"] == issue.key and named["issues"][0]["fields"] == {"summary": "Export fails"}


def test_search_jql_pages_with_next_page_token_until_the_last_page(
    jira_cloud: JiraStandIn, contract_clock: Clock
) -> None:
    """api-group-issue-search/#api-rest-api-3-search-jql-get: `nextPageToken` fetches the next page; the last page
    has none (and `isLast`). The client's enhanced_search_issues(maxResults=0) follows the tokens to the end."""
    client = jira_client(jira_cloud)
    keys = [new_issue(client, f"Issue {n}").key for n in range(5)]
    contract_clock.advance(minutes=1)  # the index has caught up
    pages, token = [], None
    while True:
        params = {"jql": BOARD_JQL, "maxResults": 2, "fields": "summary"} | ({"nextPageToken": token} if token else {})
        page = rest(jira_cloud, "GET", "/rest/api/3/search/jql", params=params).json()
        pages.append([issue["key"] for issue in page["issues"]])
        token = page.get("nextPageToken")
        if not token:
            assert page["isLast"] is True
            break
        assert page["isLast"] is False
    assert pages == [keys[0:2], keys[2:4], keys[4:5]]
    assert [issue.key for issue in client.enhanced_search_issues(BOARD_JQL, maxResults=0, fields="summary")] == keys


def test_search_jql_pages_are_capped_and_smaller_when_fields_are_requested(
    jira_cloud: JiraStandIn, contract_clock: Clock
) -> None:
    """api-group-issue-search/#api-rest-api-3-search-jql-get, `maxResults`: "It returns max 5000 issues"; "the
    greatest number of items returned per page is achieved when requesting id or key only" (fewer with fields)."""
    client = jira_client(jira_cloud)
    for n in range(120):
        new_issue(client, f"Issue {n}")
    contract_clock.advance(minutes=1)
    ids = rest(jira_cloud, "GET", "/rest/api/3/search/jql", params={"jql": BOARD_JQL, "maxResults": 9999}).json()
    named = rest(
        jira_cloud, "GET", "/rest/api/3/search/jql", params={"jql": BOARD_JQL, "maxResults": 500, "fields": "summary"}
    ).json()
    assert len(ids["issues"]) == 120 and ids["isLast"] is True
    assert len(named["issues"]) < 120 and named["nextPageToken"]


def test_a_new_issue_is_invisible_to_search_until_indexed_unless_reconciled(
    jira_cloud: JiraStandIn, contract_clock: Clock
) -> None:
    """CHANGE-2046 and api-rest-api-3-search-jql-get, `reconcileIssues`: the enhanced search is eventually
    consistent; "Strong consistency issue ids to be reconciled with search results" read a named issue fresh."""
    client = jira_client(jira_cloud)
    issue = new_issue(client, labels=("opsdesk-req-7k3qf",))
    assert client.enhanced_search_issues(LABEL_JQL, fields="summary") == []
    reconciled = client.enhanced_search_issues(LABEL_JQL, fields="summary", reconcileIssues=[int(issue.id)])
    assert [found.key for found in reconciled] == [issue.key]
    contract_clock.advance(seconds=30)
    assert [found.key for found in client.enhanced_search_issues(LABEL_JQL, fields="summary")] == [issue.key]


def test_a_search_before_create_files_twice_when_the_index_lags(jira_cloud: JiraStandIn) -> None:
    """Why opsdesk claims in DynamoDB before creating: "search, create if missing", run twice within the index lag
    (a double click, a retry), finds nothing both times and creates two issues."""
    client = jira_client(jira_cloud)
    for _ in range(2):
        if not client.enhanced_search_issues(LABEL_JQL, fields="summary"):
            new_issue(client, labels=("opsdesk-req-7k3qf",))
    assert len(jira_cloud.issues()) == 2


def test_reconcile_issues_takes_at_most_50_ids(jira_cloud: JiraStandIn) -> None:
    """api-rest-api-3-search-jql-get, `reconcileIssues`: "Accepts max 50 ids"."""
    params = {"jql": LABEL_JQL, "reconcileIssues": [str(10001 + n) for n in range(51)]}
    answer = rest(jira_cloud, "GET", "/rest/api/3/search/jql", params=params)
    assert answer.status_code == 400 and answer.json()["errorMessages"]


@pytest.mark.parametrize(
    "jql",
    ["labels = opsdesk-req-7k3qf", 'project = "OPS" OR labels = x', "project = OPS AND text ~ export", "order by key"],
)
def test_jql_the_stand_in_does_not_run_is_a_400_with_error_messages(jira_cloud: JiraStandIn, jql: str) -> None:
    """api-rest-api-3-search-jql-get, 400: "Returned if the JQL query is invalid", as {"errorMessages": [...],
    "errors": {}} (api/3/intro/#status-codes). The stand-in runs only opsdesk's two queries and says so."""
    answer = rest(jira_cloud, "GET", "/rest/api/3/search/jql", params={"jql": jql})
    assert answer.status_code == 400
    assert answer.json()["errorMessages"] and answer.json()["errors"] == {}


def test_data_center_keeps_search_with_start_at_and_total(jira_datacenter: JiraStandIn) -> None:
    """docs.atlassian.com/software/jira/docs/api/REST/9.12.0/#api/2/search: startAt, maxResults, total; no
    search/jql and no REST v3 on Data Center. serverInfo's deploymentType is "Server", so the client uses /search."""
    client = jira_client(jira_datacenter)
    keys = [new_issue(client, f"Issue {n}").key for n in range(3)]
    page = client.search_issues(BOARD_JQL, startAt=1, maxResults=1, fields="summary", json_result=True)
    assert client.deploymentType == "Server"
    assert (page["startAt"], page["maxResults"], page["total"]) == (1, 1, 3)
    assert [issue["key"] for issue in page["issues"]] == keys[1:2]  # indexed at once: no lag on Data Center
    assert rest(jira_datacenter, "GET", "/rest/api/2/search/jql", params={"jql": BOARD_JQL}).status_code == 404
    assert rest(jira_datacenter, "GET", "/rest/api/3/search", params={"jql": BOARD_JQL}).status_code == 404
