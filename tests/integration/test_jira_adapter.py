"""opsdesk's Jira adapter (the real `jira` client) against the stand-in: deployments, paging, errors, credentials."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from devstack.standins.jira import JiraStandIn
from opsdesk.domain.requests import Stage
from opsdesk.domain.tickets import TrackerRefused, TrackerUnavailable
from opsdesk.integrations.jira import JiraTracker
from opsdesk.integrations.jira_errors import CREDENTIALS_REFUSED
from tests.integration.conftest import FakeClock

if TYPE_CHECKING:
    from collections.abc import Iterator

    from opsdesk.integrations.jira import Deployment

pytestmark = pytest.mark.integration
EMAIL, TOKEN = "opsdesk@example.com", "adapter-token"
LABEL = "opsdesk-req-7k3qf"


@pytest.fixture(scope="module")
def jira_server() -> Iterator[JiraStandIn]:
    with JiraStandIn(credentials=(EMAIL, TOKEN), projects=("OPS", "SEC")) as stand_in:
        yield stand_in


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def jira_api(jira_server: JiraStandIn, clock: FakeClock) -> JiraStandIn:
    jira_server.reset()
    jira_server.clock = clock
    jira_server.credentials = (EMAIL, TOKEN)
    return jira_server


def tracker(stand_in: JiraStandIn, deployment: Deployment = "auto", **kwargs: object) -> JiraTracker:
    return JiraTracker(stand_in.url, "OPS", EMAIL, lambda: TOKEN, deployment=deployment, **kwargs)  # type: ignore[arg-type]


def searches(stand_in: JiraStandIn) -> list[str]:
    return [call["path"] for call in stand_in.calls() if "/search" in call["path"]]


def test_cloud_is_learnt_once_from_server_info_and_searched_with_search_jql(
    jira_api: JiraStandIn, clock: FakeClock
) -> None:
    # GIVEN opsdesk's adapter with JIRA_DEPLOYMENT=auto against Jira Cloud
    jira = tracker(jira_api)
    # WHEN it files, finds and lists
    created = jira.create("Export fails", "The nightly export stopped.", ["opsdesk", LABEL])
    clock.advance(minutes=1)
    found = jira.find_by_label(LABEL)
    board = jira.unassigned()
    # THEN serverInfo was read once, and every search went to /search/jql (never the removed /search)
    assert len(jira_api.calls("GET /rest/api/2/serverInfo")) == 1
    assert jira.deployment == "cloud"
    assert searches(jira_api) == ["/rest/api/2/search/jql", "/rest/api/2/search/jql"]
    assert found is not None and found.key == created.key == "OPS-1" and found.id == created.id
    assert [ticket.key for ticket in board] == ["OPS-1"] and board[0].summary == "Export fails"


def test_a_just_created_issue_is_found_when_its_id_is_known(jira_api: JiraStandIn) -> None:
    jira = tracker(jira_api, "cloud")
    created = jira.create("Export fails", "", [LABEL])
    # Jira Cloud's search has not indexed it yet; named in reconcileIssues it is read fresh
    assert jira.find_by_label(LABEL) is None
    found = jira.find_by_label(LABEL, known_ids=[created.id])
    assert found is not None and found.key == created.key
    assert jira_api.calls("GET /rest/api/2/serverInfo") == []  # the setting was trusted


def test_another_projects_issue_with_the_same_label_is_not_ours(jira_api: JiraStandIn, clock: FakeClock) -> None:
    # GIVEN someone raised an issue in another project carrying the request's label
    jira_api.raise_on_board("Looks like yours", labels=(LABEL,), project="SEC")
    clock.advance(minutes=1)
    # WHEN opsdesk looks for its ticket
    jira = tracker(jira_api, "cloud")
    # THEN the other project's issue is not taken for it
    assert jira.find_by_label(LABEL) is None
    jql = jira_api.calls()[-1]["query"]["jql"]
    assert jql.startswith('project = "OPS" AND labels = "opsdesk-req-7k3qf"')


def test_data_center_is_searched_with_search_and_start_at(jira_api: JiraStandIn) -> None:
    # GIVEN Jira Data Center with 150 unassigned issues
    jira_api.deployment = "datacenter"
    with jira_api.lock:
        for number in range(150):
            jira_api.tracker.create({"project": {"key": "OPS"}, "issuetype": {"name": "Task"}, "summary": f"#{number}"})
    jira = tracker(jira_api)
    # WHEN the board is listed and a label looked for
    board = jira.unassigned()
    missing = jira.find_by_label(LABEL)
    # THEN /rest/api/2/search served every page (startAt), and Data Center's search is consistent at once
    assert jira.deployment == "datacenter" and missing is None
    assert len(board) == 150 and board[0].key == "OPS-1" and board[-1].key == "OPS-150"
    assert set(searches(jira_api)) == {"/rest/api/2/search"} and len(searches(jira_api)) == 3


def test_cloud_board_pages_follow_next_page_token(jira_api: JiraStandIn, clock: FakeClock) -> None:
    with jira_api.lock:
        for number in range(150):
            jira_api.tracker.create({"project": {"key": "OPS"}, "issuetype": {"name": "Task"}, "summary": f"#{number}"})
    clock.advance(minutes=1)
    board = tracker(jira_api, "cloud").unassigned()
    assert len(board) == 150 and len({ticket.key for ticket in board}) == 150
    pages = [call for call in jira_api.calls() if call["path"].endswith("/search/jql")]
    assert len(pages) == 2 and "nextPageToken" in pages[1]["query"]


def test_a_removed_api_is_a_refusal_that_names_the_setting_to_check(
    jira_api: JiraStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN a Jira Cloud site that opsdesk was told is Data Center: its /search is gone
    jira = tracker(jira_api, "datacenter")
    with pytest.raises(TrackerRefused) as refused:
        jira.find_by_label(LABEL)
    assert "HTTP 410" in str(refused.value) and "JIRA_DEPLOYMENT" in str(refused.value)
    # (Jira's own words are for an operator, in the log)
    assert any("has been removed" in str(getattr(record, "reason", "")) for record in caplog.records)


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (400, TrackerRefused),
        (403, TrackerRefused),
        (404, TrackerRefused),
        (500, TrackerUnavailable),
        (503, TrackerUnavailable),
    ],
)
def test_failures_are_classified_by_whether_a_retry_can_help(jira_api: JiraStandIn, status: int, kind: type) -> None:
    jira_api.fail_next("POST /rest/api/2/issue", status, body={"errorMessages": ["Nope."], "errors": {}})
    with pytest.raises(kind):
        tracker(jira_api, "cloud").create("Export fails", "", [LABEL])


def test_a_short_429_is_waited_out_once_and_a_long_one_is_left_for_later(jira_api: JiraStandIn) -> None:
    waits: list[float] = []
    jira = tracker(jira_api, "cloud", sleep=waits.append)
    jira_api.fail_next("POST /rest/api/2/issue", 429, headers={"Retry-After": "2"})
    assert jira.create("Export fails", "", [LABEL]).key == "OPS-1"
    jira_api.fail_next("POST /rest/api/2/issue", 429, headers={"Retry-After": "120"})
    with pytest.raises(TrackerUnavailable, match="rate limiting"):
        jira.create("Export fails again", "", [LABEL])
    assert waits == [2.0] and len(jira_api.issues()) == 1


def test_a_401_refreshes_the_credentials_once_then_is_a_refusal(jira_api: JiraStandIn) -> None:
    # GIVEN the token in the secret was rotated: the container still holds the old one
    token = ["old-token"]
    refreshes: list[str] = []

    def refresh() -> None:
        refreshes.append("refreshed")
        token[0] = TOKEN

    jira = JiraTracker(jira_api.url, "OPS", EMAIL, lambda: token[0], deployment="cloud", refresh_credentials=refresh)
    # WHEN Jira answers 401, THEN the credentials are re-read, the client rebuilt, and the call succeeds
    assert jira.create("Export fails", "", [LABEL]).key == "OPS-1"
    assert refreshes == ["refreshed"]
    # AND when the token is revoked in Atlassian, the refreshed one is refused too: a refusal naming what to check
    jira_api.credentials = (EMAIL, "a-newer-token")
    with pytest.raises(TrackerRefused) as refused:
        jira.comment("OPS-1", "hello")
    assert str(refused.value) == CREDENTIALS_REFUSED and len(refreshes) == 2


def test_text_people_typed_reaches_jira_as_text_not_markup(jira_api: JiraStandIn) -> None:
    jira = tracker(jira_api, "cloud")
    typed = "See !http://evil.example/x.png! and [click|http://evil.example] {html}<b>x</b>{html} [~accountid:557058]"
    created = jira.create("Export fails", typed, [LABEL])
    jira.comment(created.key, typed)
    issue = jira_api.issue(created.key) or {}
    for stored in (issue["fields"]["description"], issue["fields"]["comment"]["comments"][0]["body"]):
        for markup in ("!http://evil.example/x.png!", "[click|", "{html}", "[~accountid"):
            assert markup not in stored
        assert "\\!http://evil.example/x.png\\!" in stored and "\\[\\~accountid:557058\\]" in stored


def test_moving_a_ticket_follows_the_workflow(jira_api: JiraStandIn) -> None:
    jira = tracker(jira_api, "cloud")
    created = jira.create("Export fails", "", [LABEL])
    jira.move(created.key, Stage.DONE)
    assert (jira_api.issue(created.key) or {})["fields"]["status"]["name"] == "Done"
