"""The public status page and routing of PagesFunction."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from opsdesk.entrypoints import wiring
from opsdesk.slack.ids import Action, Callback, Field
from tests.harness import api_event

SLACK_ID = re.compile(r"<@|\bU[A-Z0-9]{6,}\b|\bC[A-Z0-9]{6,}\b")


def get(stack, path: str) -> dict:
    return stack.invoke("PagesFunction", api_event("GET", path, "", {}))


def test_status_shows_only_published_incidents_their_public_titles_updates_and_availability(stack) -> None:
    # GIVEN three incidents: one published and resolved, one published and open, one never published
    stack.clock.now = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    stack.slack.command("declare high: <@U0ALICE> says login broken")
    [first] = wiring().incident_repository.list_open()
    stack.slack.command(f"public {first.id} Some users cannot sign in")
    stack.clock.advance(hours=3)
    stack.slack.command(f"resolve {first.id} fixed service: Sign-in")
    stack.slack.command("declare Reports are slow")
    [second] = wiring().incident_repository.list_open()
    stack.slack.command(f"public {second.id} Reports are slow to load")
    stack.slack.command(f"public-update {second.id} We are looking into it")
    stack.slack.command("declare high: CPUUtilization > 90 on db-internal-7")
    stack.clock.advance(hours=1)

    page = get(stack, "/status")
    assert page["statusCode"] == 200
    assert '<meta name="viewport"' in page["body"] and "<script" not in page["body"]
    assert not SLACK_ID.search(page["body"])
    assert "Reports are slow to load" in page["body"] and "Some users cannot sign in" in page["body"]
    assert "We are looking into it" in page["body"]
    assert "login broken" not in page["body"] and "db-internal-7" not in page["body"]

    data = json.loads(get(stack, "/status.json")["body"])
    assert [item["title"] for item in data["open"]] == ["Reports are slow to load"]
    assert [item["id"] for item in data["recently_resolved"]] == [first.id]
    assert data["recently_resolved"][0]["service"] == "Sign-in"  # allow-listed in PUBLIC_SERVICES
    assert data["availability"]["30d"]["Sign-in"] == 1 - 3 / (30 * 24)
    assert set(data["availability"]["30d"]) == {"Sign-in", "Payments", "Reports"}
    assert data["open"][0]["updates"][0]["text"] == "We are looking into it"
    assert set(data["open"][0]) == {"id", "title", "service", "status", "started_at", "resolved_at", "updates"}


def test_unknown_paths_and_unpublished_postmortems_are_404(stack) -> None:
    assert get(stack, "/nope")["statusCode"] == 404
    assert get(stack, "/postmortems/INC-7K3QF")["statusCode"] == 404
    assert get(stack, "/postmortems/not-an-id")["statusCode"] == 404


def test_the_status_page_form_publishes_a_title_and_an_update_for_the_support_team_only(stack) -> None:
    # GIVEN an open incident, and its announcement's "Status page" button
    stack.clock.now = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
    stack.slack.command("declare high: db-internal-7 disk full")
    [incident] = wiring().incident_repository.list_open()
    stack.slack.click(Action.STATUS_PAGE, incident.id)
    [form] = [view for view in stack.slack_api.views() if view.get("callback_id") == Callback.PUBLIC]
    # WHEN someone outside the support team submits it, nothing is published
    values = {Field.PUBLIC_TITLE: "Reports are unavailable", Field.PUBLIC_UPDATE: "We are restoring the service."}
    stack.slack.submit(Callback.PUBLIC, values, form["private_metadata"], user="U0STRANGER")
    assert json.loads(get(stack, "/status.json")["body"])["open"] == []
    # WHEN a support-team member submits a public title and an update (and Slack redelivers it)
    stack.slack.submit(Callback.PUBLIC, values, form["private_metadata"], view_id="V0PUBLIC")
    stack.slack.submit(Callback.PUBLIC, values, form["private_metadata"], view_id="V0PUBLIC")
    # THEN the page shows that title and that update once, never the internal title
    [shown] = json.loads(get(stack, "/status.json")["body"])["open"]
    assert shown["title"] == "Reports are unavailable"
    assert [update["text"] for update in shown["updates"]] == ["We are restoring the service."]
    assert "db-internal-7" not in get(stack, "/status")["body"]
    # AND a later update alone keeps the title
    stack.slack.submit(Callback.PUBLIC, {Field.PUBLIC_UPDATE: "Restored."}, form["private_metadata"])
    [shown] = json.loads(get(stack, "/status.json")["body"])["open"]
    assert shown["title"] == "Reports are unavailable" and shown["updates"][0]["text"] == "Restored."
