"""Postmortems end to end: opened on resolution, actions, reminders, publishing, the weekly report."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from opsdesk.entrypoints import services
from opsdesk.store.postmortems import PostmortemRepository
from tests.harness import api_event

FRIDAY = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
SLACK_ID = re.compile(r"<@|\bU[A-Z0-9]{6,}\b|\bC[A-Z0-9]{6,}\b")


def run_incident(stack) -> str:
    """A high-priority incident with a lead, an update and a resolution, an hour apart."""
    stack.clock.now = FRIDAY
    stack.slack.command("declare Database down high")
    [incident] = services().incident_repository.list_open()
    stack.clock.advance(minutes=5)
    stack.slack.command(f"lead {incident.id} <@U0BOB>")
    stack.clock.advance(minutes=20)
    stack.slack.command(f"update {incident.id} Failing over to the standby in <#C0PRIV123|ops-private>")
    stack.clock.advance(minutes=35)
    stack.slack.command(f"resolve {incident.id} Failed over; <@U0ALICE> confirmed")
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
    recorded = services().incident_repository.timeline(incident_id)
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
    [incident] = services().incident_repository.list_open()
    stack.slack.command(f"resolve {incident.id} ok")
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

    # Unpublished: 404 everywhere
    assert get(stack, f"/postmortems/{incident_id}")["statusCode"] == 404
    assert incident_id not in get(stack, "/postmortems")["body"]
    stack.slack.command(f"publish {incident_id}", command="/postmortem")
    assert f"/postmortems/{incident_id}" in responses(stack)

    page = get(stack, f"/postmortems/{incident_id}")
    assert page["statusCode"] == 200 and page["headers"]["Content-Type"].startswith("text/html")
    body = page["body"]
    assert "Database down" in body and "Add a replication-lag alarm" in body
    assert not SLACK_ID.search(body), SLACK_ID.search(body)
    assert "ops-private" in body or "a Slack channel" in body
    markdown = get(stack, f"/postmortems/{incident_id}", {"format": "md"})
    assert markdown["headers"]["Content-Type"].startswith("text/markdown")
    assert markdown["body"].startswith(f"# Postmortem {incident_id}")
    assert not SLACK_ID.search(markdown["body"])
    assert get(stack, f"/postmortems/{incident_id}.md")["body"] == markdown["body"]
    assert incident_id in get(stack, "/postmortems")["body"]


def test_ops_stats_and_weekly_report(stack) -> None:
    run_incident(stack)
    stack.clock.now = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    stack.slack.command("stats week", command="/ops")
    answer = stack.slack_api.responses()[-1]
    assert answer["response_type"] == "ephemeral"
    assert "Incidents: *1* (1 high)" in answer["text"]
    assert "Time to resolve: mean 1 h 00 min" in answer["text"]
    result = stack.tick("weekly-report", stack.clock.now)
    assert result["incidents"] == 1
    team = stack.slack_api.messages(stack.environment["TEAM_CHANNEL_ID"])
    assert any("Numbers for the week of 23 November 2026" in m.get("text", "") for m in team)
    assert any(m.get("files") for m in team)
    assert stack.tick("weekly-report", stack.clock.now)["skipped"] == "already ran"
