"""Jira issues, authentication and admin webhooks, as Atlassian documents them, asserted against the stand-in."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import TYPE_CHECKING, Any

import pytest
from jira import JIRA, JIRAError

from tests.contract.neighbour_fixtures import (  # noqa: F401  # fixtures
    CREDENTIALS,
    contract_clock_fixture,
    jira_client,
    jira_cloud_fixture,
    jira_server_fixture,
    new_issue,
    rest,
)
from tests.harness import fixture

if TYPE_CHECKING:
    from devstack.standins.jira import JiraStandIn


def test_creating_an_issue_answers_201_with_id_key_and_self(jira_cloud: JiraStandIn) -> None:
    """Atlassian "JIRA REST API Example - Create Issue" and api-group-issues/#api-rest-api-2-issue-post: 201 with
    the new issue's id, key and self (tests/fixtures/jira/create_issue_response_201.json)."""
    body = fixture("jira/create_issue_request.json")
    body["fields"]["project"]["key"] = "OPS"
    answer = rest(jira_cloud, "POST", "/rest/api/2/issue", json=body)
    assert answer.status_code == 201
    assert set(answer.json()) == set(fixture("jira/create_issue_response_201.json")) and answer.json()["key"] == "OPS-1"


def test_an_issue_in_a_project_that_does_not_exist_is_refused_with_the_field_error(jira_cloud: JiraStandIn) -> None:
    """api-rest-api-2-issue-post, 400: "Returned if the request is invalid", errors by field; an unknown project is
    {"errors": {"project": "valid project is required"}}. Only projects an admin made take issues."""
    body = {"fields": {"project": {"key": "NOPE"}, "issuetype": {"name": "Task"}, "summary": "x"}}
    answer = rest(jira_cloud, "POST", "/rest/api/2/issue", json=body)
    assert answer.status_code == 400
    assert answer.json() == {"errorMessages": [], "errors": {"project": "valid project is required"}}


def test_wrong_credentials_are_401_with_a_basic_challenge(jira_cloud: JiraStandIn) -> None:
    """developer.atlassian.com/cloud/jira/platform/basic-auth-for-rest-apis/: email and API token as Basic auth;
    api/3/intro/#status-codes: 401 "Authentication credentials are missing or incorrect"."""
    wrong = JIRA(server=jira_cloud.url, basic_auth=(CREDENTIALS[0], "wrong"), get_server_info=False, max_retries=0)
    with pytest.raises(JIRAError) as refused:
        wrong.myself()
    assert refused.value.status_code == 401
    assert refused.value.response.headers["WWW-Authenticate"].startswith("Basic")


def test_comments_and_transitions_as_the_client_drives_them(jira_cloud: JiraStandIn) -> None:
    """api-group-issue-comments (POST comment: 201 with the comment) and api-group-issues transitions (GET lists
    the transitions from the current status; POST with a listed id moves the issue, 204)."""
    client = jira_client(jira_cloud)
    issue = new_issue(client)
    client.add_comment(issue.key, "More context from Slack")
    names = [transition["name"] for transition in client.transitions(issue.key)]
    client.transition_issue(issue.key, "Done")
    stored = jira_cloud.issue(issue.key) or {}
    assert names == ["In Progress", "Done"] and stored["fields"]["status"]["name"] == "Done"
    assert [comment["body"] for comment in stored["fields"]["comment"]["comments"]] == ["More context from Slack"]
    with pytest.raises(JIRAError) as invalid:
        client.transition_issue(issue.key, "99")
    assert invalid.value.status_code == 400


def _registered(jira_cloud: JiraStandIn, secret: str) -> list[tuple[bytes, dict[str, str]]]:
    received: list[tuple[bytes, dict[str, str]]] = []

    def receive(raw: bytes, headers: dict[str, str]) -> int:
        received.append((raw, headers))
        return 200

    jira_cloud.webhooks.register(receive, secret)
    return received


def test_an_admin_webhook_with_a_secret_signs_the_raw_body(jira_cloud: JiraStandIn) -> None:
    """developer.atlassian.com/cloud/jira/platform/webhooks/#secure-admin-webhooks: with a secret, Jira sends
    `X-Hub-Signature: sha256=<HMAC-SHA256 of the body, keyed by the secret>` (the WebSub method=signature form)."""
    received = _registered(jira_cloud, "It's a Secret to Everybody")
    issue = jira_cloud.raise_on_board("Rotate the TLS certs")
    jira_cloud.transition(issue["key"], "In Progress")
    assert jira_cloud.webhooks.deliver() == [200, 200]
    for raw, headers in received:
        expected = "sha256=" + hmac.new(b"It's a Secret to Everybody", raw, hashlib.sha256).hexdigest()
        assert headers["X-Hub-Signature"] == expected
    created, updated = (json.loads(raw) for raw, _ in received)
    assert created["webhookEvent"] == "jira:issue_created" and created["issue"]["key"] == issue["key"]
    item: dict[str, Any] = updated["changelog"]["items"][0]
    assert updated["webhookEvent"] == "jira:issue_updated"
    assert (item["field"], item["fromString"], item["toString"]) == ("status", "To Do", "In Progress")


def test_an_admin_webhook_without_a_secret_is_not_signed(jira_cloud: JiraStandIn) -> None:
    """webhooks/#secure-admin-webhooks: the signature is sent only for a webhook saved with a secret."""
    received = _registered(jira_cloud, "")
    jira_cloud.raise_on_board("Rotate the TLS certs")
    jira_cloud.webhooks.deliver()
    [(_, headers)] = received
    assert "X-Hub-Signature" not in headers
