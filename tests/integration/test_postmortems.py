"""Postmortems end to end: opened on resolution, actions, reminders, publishing (also to Confluence, a stand-in
driven by the real adapter), the weekly report."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest
import requests

from devstack.settings import LOCAL_DEFAULTS
from devstack.standins.confluence import ConfluenceStandIn
from opsdesk.domain.publishing import PublishingFailed
from opsdesk.entrypoints import wiring
from opsdesk.integrations.confluence import ConfluencePages
from opsdesk.slack.postmortem_ids import PostmortemCallback, SectionField
from opsdesk.store.postmortems import PostmortemRepository
from tests.harness import api_event, header
from tests.integration.support_fixtures import jira_api_fixture  # noqa: F401  # the Jira stand-in fixture

if TYPE_CHECKING:
    from collections.abc import Iterator

    from devstack.standins.jira import JiraStandIn
    from devstack.standins.slack import SlackStandIn
    from tests.integration.conftest import FakeClock, Stack

FRIDAY = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
EDIT_MODAL = PostmortemCallback.EDIT_MODAL
# Any Slack markup (raw or HTML-escaped) or id: user, channel, group or DM ids, however short
# (incident ids like INC-W9NV9 are not Slack's).
SLACK_ID = re.compile(r"(?:<|&lt;)(?:[@#]|!(?!doctype))|(?<![\w-])[UWCGDS][A-Z0-9]*[0-9][A-Z0-9]*\b")
CREDENTIALS = (LOCAL_DEFAULTS["JIRA_EMAIL"], LOCAL_DEFAULTS["JIRA_API_TOKEN"])  # Confluence takes the Atlassian token


@pytest.fixture(scope="session")
def confluence_api() -> Iterator[ConfluenceStandIn]:
    with ConfluenceStandIn(credentials=CREDENTIALS) as stand_in:
        yield stand_in


@pytest.fixture
def confluence_space(request: pytest.FixtureRequest) -> str:
    """CONFLUENCE_SPACE for the test ("" leaves it unset: the Jira project key is used)."""
    return str(getattr(request, "param", ""))


@pytest.fixture(name="stand_in_urls")
def stand_in_urls_fixture(
    slack_api: SlackStandIn,
    jira_api: JiraStandIn,
    confluence_api: ConfluenceStandIn,
    confluence_space: str,
    monkeypatch: pytest.MonkeyPatch,
    clock: FakeClock,
) -> dict[str, str]:
    for stand_in in (slack_api, jira_api, confluence_api):
        stand_in.reset()
    jira_api.clock = clock
    # Set before the stack reads the environment: the functions' CONFLUENCE_* come from template.yaml otherwise.
    monkeypatch.setenv("CONFLUENCE_URL", confluence_api.url)
    if confluence_space:
        monkeypatch.setenv("CONFLUENCE_SPACE", confluence_space)
    else:
        monkeypatch.delenv("CONFLUENCE_SPACE", raising=False)
    return {"slack": slack_api.url, "jira": jira_api.url}


def run_incident(stack) -> str:
    """A high-priority incident with a lead, an update and a resolution, an hour apart."""
    stack.clock.now = FRIDAY
    stack.slack.command("declare high: Database down")
    [incident] = wiring().incident_repository.list_open()
    stack.clock.advance(minutes=5)
    stack.slack.command(f"lead {incident.id} <@U0BOB>")
    stack.clock.advance(minutes=20)
    stack.slack.command(f"update {incident.id} Failing over to the standby in <#C0PRIV123|ops-private>")
    stack.clock.advance(minutes=35)
    stack.slack.command(f"resolve {incident.id} Failed over; <@U0ALICE> confirmed service: payments")
    return incident.id


def dms(stack, user: str) -> list[str]:
    return [c["params"]["text"] for c in stack.slack_api.calls("chat.postMessage") if c["params"]["channel"] == user]


def responses(stack) -> str:
    return json.dumps(stack.slack_api.responses())


def get(stack, path: str, query: dict | None = None) -> dict:
    event = api_event("GET", path, "", {"Accept": "text/html"})
    event["queryStringParameters"] = query
    if path.startswith("/postmortems/"):
        event["resource"] = "/postmortems/{id}"
        event["pathParameters"] = {"id": path.rsplit("/", 1)[1]}
    return stack.invoke("PagesFunction", event)


def test_resolving_a_high_incident_opens_a_draft_matching_the_timeline(stack) -> None:
    incident_id = run_incident(stack)
    postmortem = PostmortemRepository(stack.table_name).get(incident_id)
    recorded = wiring().incident_repository.timeline(incident_id)
    # THEN the draft walks the recorded events, in order, with their times
    assert [(line.at, line.text) for line in postmortem.timeline] == [(e.at, e.text) for e in recorded]
    assert [line.kind for line in postmortem.timeline] == ["declared", "lead", "update", "resolved"]
    assert postmortem.time_to_resolve is not None and postmortem.time_to_resolve.total_seconds() == 3600
    assert postmortem.lead == "U0BOB"
    # AND the lead is asked in the thread and by DM to schedule the session
    asks = [m for m in stack.ops_messages() if "blameless postmortem for" in m.get("text", "")]
    assert len(asks) == 1 and "<@U0BOB>" in asks[0]["text"]
    assert any("blameless postmortem" in text for text in dms(stack, "U0BOB"))


def test_normal_priority_opens_no_postmortem(stack) -> None:
    stack.clock.now = FRIDAY
    stack.slack.command("declare Slow report")
    [incident] = wiring().incident_repository.list_open()
    stack.slack.command(f"resolve {incident.id} ok service: payments")
    assert PostmortemRepository(stack.table_name).find(incident.id) is None


def test_actions_reminders_publish_and_pages(stack) -> None:
    incident_id = run_incident(stack)
    stack.slack.command(f"action {incident_id} low <@U0CAROL> Tidy the runbook", command="/postmortem")
    stack.slack.command(
        f"action {incident_id} high <@U0BOB> Add a replication-lag alarm due 2026-11-30", command="/postmortem"
    )
    stack.slack.command(f"show {incident_id}", command="/postmortem")
    shown = stack.slack_api.responses()[-1]
    texts = [block.get("text", {}).get("text", "") for block in shown["blocks"]]
    actions = [text for text in texts if text.startswith("*1.*") or text.startswith("*2.*")]
    assert actions[0].startswith("*2.* [high]") and actions[1].startswith("*1.* [low]")

    # Reminders: Monday nudges the lead (session not held); Tuesday also nudges the overdue action's owner
    stack.tick("postmortem-reminders", datetime(2026, 11, 30, 10, 0, tzinfo=UTC))
    stack.tick("postmortem-reminders", datetime(2026, 11, 30, 10, 0, tzinfo=UTC))  # same day: once
    reminders = [m for m in stack.ops_messages() if m.get("text", "").startswith("*Reminder:*")]
    assert len(reminders) == 1
    stack.clock.now = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    result = stack.tick("postmortem-reminders", stack.clock.now)
    assert result["actions"] == 1
    assert any("was due 2026-11-30" in text for text in dms(stack, "U0BOB"))
    stack.slack.command(f"held {incident_id}", command="/postmortem")
    assert "marked held" in responses(stack)

    # The write-up, as people type it in Slack: mentions, a private channel, a user group, a link
    stack.slack.command(f"edit {incident_id}", command="/postmortem")
    view = stack.slack_api.views()[-1]
    written = {
        SectionField.SUMMARY: "Failed over; see <https://status.example.com/x|the status page>.",
        SectionField.IMPACT: "Logins failed for an hour.",
        SectionField.CONTRIBUTING_FACTORS: "<@U0CAROL> saw it in <#C0PRIV123|ops-private>; "
        "<!subteam^S0OPS12|@ops> paged.",
    }
    stack.slack.submit(EDIT_MODAL, written, private_metadata=view["private_metadata"], view_id=view["id"])

    # Unpublished: 404 everywhere
    assert get(stack, f"/postmortems/{incident_id}")["statusCode"] == 404
    assert incident_id not in get(stack, "/postmortems")["body"]
    stack.slack.command(f"publish {incident_id}", command="/postmortem")
    assert f"/postmortems/{incident_id}" in responses(stack)

    page = get(stack, f"/postmortems/{incident_id}")
    assert page["statusCode"] == 200 and (header(page, "Content-Type") or "").startswith("text/html")
    body = page["body"]
    assert "Database down" in body and "Add a replication-lag alarm" in body
    assert not SLACK_ID.search(body), SLACK_ID.search(body)
    assert "ops-private" not in body and "a Slack channel" in body  # a channel's label may be a private name
    assert "Bob Baker" in body and "Carol Chen" in body  # the lead and the owners, by name
    assert "Carol Chen saw it in a Slack channel; a Slack group paged." in body
    assert "Failed over; see the status page." in body and "Logins failed for an hour." in body
    # The timeline names who did what, from the people recorded with each entry
    assert "Declared by Alice Archer (high priority): Database down" in body
    assert "Bob Baker is now the incident lead (set by Alice Archer)" in body
    assert "Update from Alice Archer: Failing over to the standby in a Slack channel" in body
    assert "Resolved by Alice Archer: Failed over;" in body
    markdown = get(stack, f"/postmortems/{incident_id}", {"format": "md"})
    assert (header(markdown, "Content-Type") or "").startswith("text/markdown")
    assert markdown["body"].startswith(f"# Postmortem {incident_id}")
    assert not SLACK_ID.search(markdown["body"])
    assert get(stack, f"/postmortems/{incident_id}.md")["body"] == markdown["body"]
    assert incident_id in get(stack, "/postmortems")["body"]


def test_ops_stats_and_weekly_report(stack) -> None:
    run_incident(stack)
    # GIVEN the incident ran on Friday 27 November; WHEN /ops stats is asked the next Monday
    stack.clock.now = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    stack.slack.command("stats week", command="/ops")
    answer = stack.slack_api.responses()[-1]
    # THEN this calendar week so far is compared with the whole week before, which had the incident
    assert answer["response_type"] == "ephemeral"
    assert answer["text"].startswith(
        "*Numbers for the week of 30 November 2026 so far*, compared with the week of 23 November 2026"
    )
    assert "Incidents: *0* (none) (the week of 23 November 2026: 1)" in answer["text"]
    assert "High priority: *0* (the week of 23 November 2026: 1)" in answer["text"]
    # WHEN the month is asked: November so far, compared with the calendar month before (October)
    stack.slack.command("stats month", command="/ops")
    month = stack.slack_api.responses()[-1]["text"]
    assert month.startswith("*Numbers for November 2026 so far*, compared with October 2026")
    assert "Incidents: *1* (1 high) (October 2026: 0)" in month
    assert "Time to resolve: mean 1 h 00 min" in month
    result = stack.tick("weekly-report", stack.clock.now)
    assert result["incidents"] == 1
    team = stack.slack_api.messages(stack.environment["TEAM_CHANNEL_ID"])
    assert any("Numbers for the week of 23 November 2026" in m.get("text", "") for m in team)
    assert any(m.get("files") for m in team)
    assert stack.tick("weekly-report", stack.clock.now)["skipped"] == "already ran"


def test_an_action_with_no_due_date_is_reminded_weekly_until_done(stack) -> None:
    # GIVEN an action with no due date, added on Friday 27 November
    incident_id = run_incident(stack)
    stack.slack.command(f"action {incident_id} low <@U0CAROL> Tidy the runbook", command="/postmortem")

    def reminders() -> list[str]:
        return [text for text in dms(stack, "U0CAROL") if "still open (it has no due date)" in text]

    def remind(*parts: int) -> dict:
        stack.clock.now = datetime(*parts, tzinfo=UTC)
        return stack.tick("postmortem-reminders", stack.clock.now)

    # WHEN the reminders run every working day; THEN its owner hears a week after it was added, once
    assert remind(2026, 12, 3, 10, 0)["undated_actions"] == 0
    assert remind(2026, 12, 4, 10, 0)["undated_actions"] == 1
    remind(2026, 12, 4, 10, 5)  # a repeated tick the same day: still once
    assert remind(2026, 12, 7, 10, 0)["undated_actions"] == 0
    assert len(reminders()) == 1 and "Tidy the runbook" in reminders()[0]
    # AND a week after that reminder, again
    assert remind(2026, 12, 11, 10, 0)["undated_actions"] == 1
    # WHEN it is done, THEN it is never reminded again
    stack.slack.command(f"done {incident_id} 1", user="U0CAROL", command="/postmortem")
    assert remind(2026, 12, 18, 10, 0)["undated_actions"] == 0
    assert len(reminders()) == 2


def test_two_overlapping_reminder_runs_remind_an_undated_action_once(stack) -> None:
    incident_id = run_incident(stack)
    stack.slack.command(f"action {incident_id} low <@U0CAROL> Tidy the runbook", command="/postmortem")
    items = PostmortemRepository(stack.table_name).action_items
    # GIVEN two runs that both read the action as due
    [(found_in, seen)] = items.undated_due_by(datetime(2026, 12, 4, tzinfo=UTC).date())
    assert found_in == incident_id
    # WHEN both record their reminder, THEN only the first does; the item moves to the next week
    at = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
    assert items.mark_reminded(incident_id, seen, at) is not None
    assert items.mark_reminded(incident_id, seen, at) is None
    assert items.undated_due_by(datetime(2026, 12, 10, tzinfo=UTC).date()) == []
    [(_, due_again)] = items.undated_due_by(datetime(2026, 12, 11, tzinfo=UTC).date())
    assert due_again.reminded_at == at


def add_action(stack: Stack, incident_id: str) -> None:
    stack.slack.command(f"action {incident_id} high <@U0BOB> Add a replication-lag alarm", command="/postmortem")


def publish(stack: Stack, incident_id: str) -> str:
    stack.slack.command(f"publish {incident_id}", command="/postmortem")
    return stack.slack_api.responses()[-1]["text"]


def test_publishing_creates_then_updates_the_confluence_page(stack: Stack, confluence_api: ConfluenceStandIn) -> None:
    incident_id = run_incident(stack)
    add_action(stack, incident_id)
    title = f"Postmortem {incident_id}: Database down"
    # WHEN the postmortem is published
    said = publish(stack, incident_id)
    # THEN the page is created in the Jira project's space (CONFLUENCE_SPACE is unset), and linked
    page = confluence_api.page(title, "OPS")
    assert page is not None and page["version"]["number"] == 1
    assert f"Confluence: {confluence_api.url}/wiki/spaces/OPS/pages/{page['id']}" in said
    storage = page["body"]["storage"]["value"]
    assert "Add a replication-lag alarm" in storage and "Bob Baker" in storage
    assert not SLACK_ID.search(storage), SLACK_ID.search(storage)

    # WHEN it is edited and published again
    stack.slack.command(f"edit {incident_id}", command="/postmortem")
    view = stack.slack_api.views()[-1]
    written = {SectionField.SUMMARY: "Failed over to the standby.", SectionField.IMPACT: "Logins failed."}
    stack.slack.submit(EDIT_MODAL, written, private_metadata=view["private_metadata"], view_id=view["id"])
    publish(stack, incident_id)
    # THEN the same page is updated to version 2, with the new text
    [page] = confluence_api.pages()
    assert page["version"]["number"] == 2 and "Failed over to the standby." in page["body"]["storage"]["value"]
    assert [call["method"] for call in confluence_api.calls() if call["method"] != "GET"] == ["POST", "PUT"]


@pytest.mark.parametrize("confluence_space", ["POSTMORTEMS"], indirect=True)
def test_the_confluence_space_is_a_setting(stack: Stack, confluence_api: ConfluenceStandIn) -> None:
    incident_id = run_incident(stack)
    publish(stack, incident_id)
    [page] = confluence_api.pages()
    assert page["space"]["key"] == "POSTMORTEMS"


def test_a_confluence_failure_still_publishes_the_page_and_says_so(
    stack: Stack, confluence_api: ConfluenceStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    incident_id = run_incident(stack)
    # WHEN Confluence is down while publishing
    confluence_api.fail_next("*", 503)
    said = publish(stack, incident_id)
    # THEN the public page is published anyway, and the person is told Confluence was not updated
    assert get(stack, f"/postmortems/{incident_id}")["statusCode"] == 200
    assert "Confluence was not updated: Confluence answered HTTP 503" in said
    assert f"run `/postmortem publish {incident_id}` again" in said
    assert confluence_api.pages() == []
    # AND wrong credentials read the same way
    monkeypatch.setattr(confluence_api, "credentials", ("someone@example.com", "another-token"))
    assert "Confluence answered HTTP 401" in publish(stack, incident_id)
    monkeypatch.undo()
    # AND publishing again, with Confluence back, creates the page
    assert "Confluence: " in publish(stack, incident_id)
    assert len(confluence_api.pages()) == 1


def test_the_confluence_stand_in_refuses_what_confluence_refuses(confluence_api: ConfluenceStandIn) -> None:
    confluence_api.reset()
    pages = ConfluencePages(confluence_api.url, "OPS", *CREDENTIALS)
    url = pages.publish("Postmortem INC-7K3QF: Disk", "<p>First &amp; only</p>")
    [page] = confluence_api.pages()
    assert url == f"{confluence_api.url}/wiki/spaces/OPS/pages/{page['id']}"
    content = f"{confluence_api.url}/wiki/rest/api/content"
    body = {"type": "page", "title": "Postmortem INC-7K3QF: Disk", "space": {"key": "OPS"}}
    body["body"] = {"storage": {"value": "<p>x</p>", "representation": "storage"}}
    session = requests.Session()
    session.auth = CREDENTIALS
    # A second page with the same title in the space; an update that does not increment the version
    assert session.post(content, json=body, timeout=5).status_code == 400
    assert session.put(f"{content}/{page['id']}", json={**body, "version": {"number": 1}}, timeout=5).status_code == 409
    # Storage that is not XHTML; no credentials
    broken = {**body, "title": "Other", "body": {"storage": {"value": "<p>open", "representation": "storage"}}}
    assert "Error parsing xhtml" in session.post(content, json=broken, timeout=5).json()["message"]
    assert requests.get(content, params={"title": "Other"}, timeout=5).status_code == 401
    # The adapter turns a refusal into PublishingFailed, with a reason people can read
    with pytest.raises(PublishingFailed, match="HTTP 401"):
        ConfluencePages(confluence_api.url, "OPS", "someone@example.com", "wrong").publish("T", "<p/>")
