"""Giving updates at regular schedules: comms is reminded when no update went out for UPDATE_MINUTES.

Driven by the incident-checkins schedule (every 5 minutes) with the schedule's own time: 30 minutes for
high priority at any hour, 120 for normal priority within support hours only; one reminder per
interval without an update, whatever ticks arrive late, twice or not at all.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest

from opsdesk.entrypoints import wiring
from opsdesk.store import dynamodb

if TYPE_CHECKING:
    from opsdesk.domain.incidents import Incident
    from tests.integration.conftest import Stack

pytestmark = pytest.mark.integration

REMINDER = "no update has gone out"


def declare(stack: Stack, text: str) -> Incident:
    stack.slack.command(f"declare {text}")
    [incident] = wiring().incident_repository.list_open()
    return incident


def reminders(stack: Stack, incident: Incident) -> list[str]:
    assert incident.announcement is not None
    replies = stack.slack_api.thread(incident.announcement.channel, incident.announcement.ts)[1:]
    return [reply["text"] for reply in replies if REMINDER in reply.get("text", "")]


def test_high_priority_comms_is_reminded_every_30_minutes_without_an_update(stack: Stack) -> None:
    # GIVEN a high-priority incident declared at 10:00, Bob on comms
    incident = declare(stack, "high: Payments down")
    stack.slack.command(f"comms {incident.id} <@U0BOB|bob>")
    at = incident.declared_at
    # WHEN the sweep ticks before 30 minutes, after, and again with the same time
    stack.tick("incident-checkins", at + timedelta(minutes=29))
    assert reminders(stack, incident) == []
    stack.tick("incident-checkins", at + timedelta(minutes=31))
    stack.tick("incident-checkins", at + timedelta(minutes=31))
    stack.tick("incident-checkins", at + timedelta(minutes=36))
    # THEN Bob is reminded once, by mention, with how long it has been and how to post
    [reminded] = reminders(stack, incident)
    assert "<@U0BOB>" in reminded and "30 min" in reminded and f"/incident update {incident.id}" in reminded

    # WHEN Bob posts an update at 10:40, the next reminder is due 30 minutes after it, not before
    stack.clock.now = at + timedelta(minutes=40)
    stack.slack.command(f"update {incident.id} Failing over", user="U0BOB")
    stack.tick("incident-checkins", at + timedelta(minutes=66))
    assert len(reminders(stack, incident)) == 1
    stack.tick("incident-checkins", at + timedelta(minutes=71))
    assert len(reminders(stack, incident)) == 2

    # AND once resolved, nobody is reminded
    stack.slack.command(f"resolve {incident.id} Failed over service: payments")
    stack.tick("incident-checkins", at + timedelta(hours=3))
    assert len(reminders(stack, incident)) == 2


def test_without_comms_the_lead_is_reminded_and_without_either_the_team_is(stack: Stack) -> None:
    incident = declare(stack, "high: Search down")
    stack.tick("incident-checkins", incident.declared_at + timedelta(minutes=31))
    stack.slack.command(f"lead {incident.id}", user="U0CAROL")
    stack.tick("incident-checkins", incident.declared_at + timedelta(minutes=61))
    nobody, lead = reminders(stack, incident)
    assert "Nobody is on comms" in nobody and "/incident comms" in nobody
    assert "<@U0CAROL>" in lead


def test_normal_priority_is_reminded_after_two_hours_and_only_in_support_hours(stack: Stack) -> None:
    # GIVEN a normal-priority incident declared at 16:30 on a Monday (London is on UTC in winter)
    stack.clock.now = datetime(2026, 11, 30, 16, 30, tzinfo=UTC)
    incident = declare(stack, "Reports slow")
    stack.slack.command(f"comms {incident.id}", user="U0ALICE")
    at = incident.declared_at
    # WHEN the sweep ticks through the evening and the night: 18:30 and later are outside support hours
    for minutes in (119, 121, 125, 240, 600):
        stack.tick("incident-checkins", at + timedelta(minutes=minutes))
    # THEN the 18:30 reminder and the night's fall after 18:00: nobody is reminded out of hours
    assert reminders(stack, incident) == []
    # WHEN support opens on Tuesday at 08:00, one reminder covers the night's missed intervals
    tuesday = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    stack.tick("incident-checkins", tuesday)
    stack.tick("incident-checkins", tuesday + timedelta(minutes=5))
    [reminded] = reminders(stack, incident)
    assert "<@U0ALICE>" in reminded


def test_normal_priority_in_support_hours_is_reminded_after_two_hours_not_thirty_minutes(stack: Stack) -> None:
    incident = declare(stack, "Reports slow")
    for minutes in (31, 61, 119):
        stack.tick("incident-checkins", incident.declared_at + timedelta(minutes=minutes))
    assert reminders(stack, incident) == []
    stack.tick("incident-checkins", incident.declared_at + timedelta(minutes=121))
    [reminded] = reminders(stack, incident)
    assert "2 h 00 min" in reminded, reminded


def test_a_tick_that_asks_the_check_in_reminds_from_the_stored_incident_without_a_refused_write(
    stack: Stack,
) -> None:
    """The reminder decides on the incident the check-in just stored: a stale version would make DynamoDB refuse
    the write (a conditional check failure), cost a read and a wait, and near the deadline fail the whole tick."""
    incident = declare(stack, "high: Payments down")
    refused: list[str] = []

    def after(http_response: object, parsed: dict[str, object], model: object, **_: object) -> None:
        if "Error" in parsed:
            refused.append(str(getattr(model, "name", "")))

    events = dynamodb.client().meta.events
    events.register("after-call.dynamodb", after, unique_id="refused-writes")
    try:
        # WHEN one tick, an hour in, owes both the hourly check-in and the update reminder
        summary = stack.tick("incident-checkins", incident.declared_at + timedelta(minutes=61))
    finally:
        events.unregister("after-call.dynamodb", unique_id="refused-writes")
    # THEN both are done, and no write of the tick was refused
    assert (summary["checkins"], summary["update_reminders"]) == (1, 1), summary
    assert refused == []
