"""The public status page and routing of PagesFunction."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from opsdesk.entrypoints import wiring
from tests.harness import api_event

SLACK_ID = re.compile(r"<@|\bU[A-Z0-9]{6,}\b|\bC[A-Z0-9]{6,}\b")


def get(stack, path: str) -> dict:
    return stack.invoke("PagesFunction", api_event("GET", path, "", {}))


def test_status_shows_open_and_recent_incidents_and_availability(stack) -> None:
    stack.clock.now = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    stack.slack.command("declare high: <@U0ALICE> says login broken")
    [first] = wiring().incident_repository.list_open()
    stack.clock.advance(hours=3)
    stack.slack.command(f"resolve {first.id} fixed service: payments")
    stack.slack.command("declare Reports are slow")
    stack.clock.advance(hours=1)

    page = get(stack, "/status")
    assert page["statusCode"] == 200
    assert '<meta name="viewport"' in page["body"] and "<script" not in page["body"]
    assert not SLACK_ID.search(page["body"])
    assert "Reports are slow" in page["body"] and "login broken" in page["body"]

    data = json.loads(get(stack, "/status.json")["body"])
    assert [item["title"] for item in data["open"]] == ["Reports are slow"]
    assert [item["id"] for item in data["recently_resolved"]] == [first.id]
    assert data["availability"]["30d"]["payments"] == 1 - 3 / (30 * 24)  # named when it was resolved
    assert set(data["open"][0]) == {
        "id",
        "title",
        "service",
        "priority",
        "status",
        "user_impact",
        "started_at",
        "resolved_at",
    }


def test_unknown_paths_and_unpublished_postmortems_are_404(stack) -> None:
    assert get(stack, "/nope")["statusCode"] == 404
    assert get(stack, "/postmortems/INC-7K3QF")["statusCode"] == 404
    assert get(stack, "/postmortems/not-an-id")["statusCode"] == 404
