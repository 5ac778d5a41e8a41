"""The foundation slice: `/incident declare` from Slack to DynamoDB and back to Slack."""

from __future__ import annotations

import json

import pytest

from opsdesk.slack.ids import Callback, Field

pytestmark = pytest.mark.integration


def announcements(stack) -> list[dict]:  # type: ignore[no-untyped-def]
    return [message for message in stack.ops_messages() if message.get("thread_ts", message["ts"]) == message["ts"]]


def test_declare_with_a_title_stores_and_announces_with_buttons(stack) -> None:  # type: ignore[no-untyped-def]
    # WHEN a support engineer declares in the ops channel
    response = stack.slack.command("declare Database down")

    # THEN Slack gets its answer at once, and the announcement reaches the ops channel
    assert response["statusCode"] == 200
    [announcement] = announcements(stack)
    text = json.dumps(announcement["blocks"])
    assert "Database down" in text and "Normal" in text and "U0ALICE" in text
    for button in ("Take lead", "Post update", "Resolve"):
        assert button in text
    # AND the incident is stored, open, with the announcement's ts remembered for edits
    [incident] = stack.runtime.handler("SlackFunction") and _open_incidents(stack)
    assert incident.title == "Database down"
    assert incident.announcement is not None and incident.announcement.ts == announcement["ts"]
    # AND leadership does not: a normal incident reaches them in the weekly report (LEADERSHIP_NOTIFY=high)
    assert _leadership_dms(stack) == []


def _leadership_dms(stack):  # type: ignore[no-untyped-def]
    return [
        call for call in stack.slack_api.calls("chat.postMessage") if call["params"]["channel"].startswith("U0LEAD")
    ]


def _open_incidents(stack):  # type: ignore[no-untyped-def]
    from opsdesk.entrypoints import wiring

    return wiring().incident_repository.list_open()


def test_high_in_the_text_makes_it_high_priority(stack) -> None:  # type: ignore[no-untyped-def]
    stack.slack.command("declare high: Payments outage")
    [incident] = _open_incidents(stack)
    assert incident.priority.value == "high"
    assert incident.title == "Payments outage"
    # AND leadership hears about a high-priority incident, each contact once
    assert len(_leadership_dms(stack)) == 2


def test_leadership_hears_about_every_incident_when_the_team_asks_for_it(stack, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setitem(stack.runtime._developer_environment, "LEADERSHIP_NOTIFY", "all")
    monkeypatch.setenv("LEADERSHIP_NOTIFY", "all")
    from opsdesk import entrypoints

    entrypoints.settings.cache_clear()
    entrypoints.wiring.cache_clear()
    entrypoints.wiring().now = stack.clock
    stack.slack.command("declare Database down")
    assert len(_leadership_dms(stack)) == 2


def test_a_title_ending_in_high_is_a_title_and_the_answer_says_how_to_raise_it(stack) -> None:  # type: ignore[no-untyped-def]
    stack.slack.command("declare Disk usage high")
    [incident] = _open_incidents(stack)
    assert (incident.title, incident.priority.value) == ("Disk usage high", "normal")
    [answer] = stack.slack_api.responses()
    assert "normal priority" in answer["text"] and f"/incident priority {incident.id} high" in answer["text"]


def test_the_same_command_delivered_twice_declares_once(stack) -> None:  # type: ignore[no-untyped-def]
    stack.slack.command("declare Database down", trigger_id="123.456.abc")
    stack.slack.command("declare Database down", trigger_id="123.456.abc")
    assert len(_open_incidents(stack)) == 1
    assert len(announcements(stack)) == 1


def test_someone_outside_the_team_is_refused_politely(stack) -> None:  # type: ignore[no-untyped-def]
    response = stack.slack.command("declare Database down", user="U0STRANGER")
    assert response["statusCode"] == 200
    assert "Only the support team" in response["body"]
    assert _open_incidents(stack) == []


def test_declare_alone_opens_the_modal_and_submitting_declares(stack) -> None:  # type: ignore[no-untyped-def]
    stack.slack.command("declare")
    [view] = stack.slack_api.views()
    assert view["callback_id"] == Callback.DECLARE
    assert "major vulnerability" in json.dumps(view["blocks"])

    stack.slack.submit(
        Callback.DECLARE,
        {
            Field.TITLE: "Website slow",
            Field.PRIORITY: ("static_select", "high"),
            Field.SERVICE: "web",
            Field.USER_IMPACT: "Pages take 30 s",
        },
    )
    [incident] = _open_incidents(stack)
    assert (incident.title, incident.priority.value, incident.service) == ("Website slow", "high", "web")


def test_a_modal_without_a_title_is_sent_back_with_an_error(stack) -> None:  # type: ignore[no-untyped-def]
    response = stack.slack.submit(Callback.DECLARE, {Field.TITLE: "", Field.PRIORITY: ("static_select", "normal")})
    assert json.loads(response["body"])["response_action"] == "errors"
    assert _open_incidents(stack) == []
