"""Running an incident through the real SlackFunction and SchedulesFunction: roles, updates, check-ins, extras."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest

from opsdesk import entrypoints
from opsdesk.domain.incidents import EntryKind
from opsdesk.flows.permissions import THREAD_INSTEAD
from opsdesk.slack.ids import Action, Callback
from opsdesk.slack.views.mrkdwn import mention

if TYPE_CHECKING:
    from opsdesk.domain.incidents import Incident
    from tests.integration.conftest import Stack

pytestmark = pytest.mark.integration

TEAM = ("U0ALICE", "U0BOB", "U0CAROL")


def open_incidents() -> list[Incident]:
    return entrypoints.wiring().incident_repository.list_open()


def get(incident_id: str) -> Incident:
    return entrypoints.wiring().incident_repository.get(incident_id)


def timeline_kinds(incident_id: str) -> list[EntryKind]:
    return [entry.kind for entry in entrypoints.wiring().incident_repository.timeline(incident_id)]


def declare(stack: Stack, text: str = "Database down", user: str = "U0ALICE") -> Incident:
    stack.slack.command(f"declare {text}", user=user)
    [incident] = [item for item in open_incidents() if text.removeprefix("high: ") in item.title]
    assert incident.announcement is not None
    return incident


def thread(stack: Stack, incident: Incident) -> list[dict[str, Any]]:
    assert incident.announcement is not None
    return stack.slack_api.thread(incident.announcement.channel, incident.announcement.ts)[1:]


def leadership_dms(stack: Stack) -> list[str]:
    return [
        str(call["params"].get("text", ""))
        for call in stack.slack_api.calls("chat.postMessage")
        if str(call["params"]["channel"]).startswith("U0LEAD")
    ]


# ---- roles and the announcement


def test_lead_race_exactly_one_wins_and_the_others_are_told_who(stack: Stack) -> None:
    # GIVEN an incident, and five people clicking "Take lead" at the same moment
    incident = declare(stack)
    people = ["U0ALICE", "U0BOB", "U0CAROL", "U0DAVE", "U0ERIN"]
    start = threading.Barrier(len(people))
    errors: list[BaseException] = []

    def click(user: str) -> None:
        try:
            start.wait()
            stack.slack.click(Action.TAKE_LEAD, incident.id, user=user)
        except BaseException as error:  # reported below, on the test thread
            errors.append(error)

    threads = [threading.Thread(target=click, args=(user,)) for user in people]
    for worker in threads:
        worker.start()
    for worker in threads:
        worker.join(30)
    assert not errors

    # THEN exactly one of the support team is the lead, once on the timeline, and every other is told who won
    # (the two outside the team are told who may choose the lead instead)
    team, outsiders = people[:3], people[3:]
    lead = get(incident.id).lead
    assert lead in team
    assert timeline_kinds(incident.id).count(EntryKind.LEAD) == 1
    for user in set(team) - {lead}:
        told = [item["text"] for item in stack.slack_api.ephemeral_messages(user)]
        assert any(f"<@{lead}> is already leading" in text for text in told), (user, told)
    for user in outsiders:
        told = [item["text"] for item in stack.slack_api.ephemeral_messages(user)]
        assert told == ["Only the support team can choose an incident's lead. " + THREAD_INSTEAD], (user, told)


def test_the_announcement_is_edited_in_place(stack: Stack) -> None:
    incident = declare(stack)
    assert incident.announcement is not None
    stack.slack.click(Action.TAKE_LEAD, incident.id, user="U0BOB")
    stack.slack.command(f"priority {incident.id} high", user="U0CAROL")
    updates = stack.slack_api.calls("chat.update")
    assert len(updates) >= 2
    assert {call["params"]["ts"] for call in updates} == {incident.announcement.ts}
    [parent] = [message for message in stack.ops_messages() if message["ts"] == incident.announcement.ts]
    assert "U0BOB" in json.dumps(parent["blocks"]) and "High" in json.dumps(parent["blocks"])
    assert len(parent.get("edits", [])) >= 2
    tops = [message for message in stack.ops_messages() if message.get("thread_ts") in (None, message["ts"])]
    assert len(tops) == 1


def test_updates_of_a_high_priority_incident_reach_the_thread_and_leadership(stack: Stack) -> None:
    incident = declare(stack, "high: Database down")
    before = len(leadership_dms(stack))
    stack.clock.advance(minutes=20)
    stack.slack.command(f"update {incident.id} Failover to the standby is in progress", user="U0BOB")
    dms = leadership_dms(stack)[before:]
    assert len(dms) == 2 and all("Failover to the standby" in text for text in dms)
    assert any("Failover to the standby" in message.get("text", "") for message in thread(stack, incident))
    assert get(incident.id).last_update_at == stack.clock.now


def test_resolving_high_thanks_participants_and_records_a_postmortem_due(stack: Stack) -> None:
    incident = declare(stack, "high: Payments outage")
    stack.slack.click(Action.TAKE_LEAD, incident.id, user="U0BOB")
    stack.clock.advance(hours=2)
    stack.slack.command(f"resolve {incident.id} Rolled back the release service: payments", user="U0CAROL")
    resolved = get(incident.id)
    assert not resolved.is_open and resolved.postmortem_due
    [last] = [message["text"] for message in thread(stack, incident) if "*Resolved*" in message.get("text", "")]
    assert "Thank you" in last and "<@U0BOB>" in last and "<@U0ALICE>" in last
    assert "postmortem is due" in last
    assert any(text.startswith(f"Resolved: {incident.id}") for text in leadership_dms(stack))


# ---- permission refusals


def test_someone_outside_the_team_cannot_declare_or_resolve(stack: Stack) -> None:
    response = stack.slack.command("declare Database down", user="U0STRANGER")
    assert "Only the support team can declare" in response["body"]
    assert open_incidents() == []
    incident = declare(stack)
    refused = stack.slack.command(f"resolve {incident.id} nope service: payments", user="U0STRANGER")
    assert get(incident.id).is_open
    assert "Only the support team can resolve" in refused["body"]
    # AND the declare-from-message shortcut refuses politely instead of opening the form
    stack.slack.message_shortcut(Callback.DECLARE_SHORTCUT, {"ts": "1764496800.000100", "text": "x"}, user="U0STRANGER")
    told = [item["text"] for item in stack.slack_api.ephemeral_messages("U0STRANGER")]
    assert any("Only the support team can declare" in text for text in told)
    assert not any(view.get("callback_id") == Callback.DECLARE for view in stack.slack_api.views())


# ---- the hourly check-in


def test_checkins_across_missed_and_repeated_ticks(stack: Stack) -> None:
    # GIVEN a high-priority incident declared at 10:00
    incident = declare(stack, "high: Payments outage")
    declared = incident.declared_at

    def checkins() -> int:
        return timeline_kinds(incident.id).count(EntryKind.CHECKIN)

    # WHEN the schedule ticks before the hour, on it, twice at the same time, and after missed ticks
    stack.tick("incident-checkins", declared + timedelta(minutes=55))
    assert checkins() == 0
    stack.tick("incident-checkins", declared + timedelta(minutes=61))
    stack.tick("incident-checkins", declared + timedelta(minutes=61))  # a repeated delivery
    stack.tick("incident-checkins", declared + timedelta(minutes=66))
    assert checkins() == 1
    # (ticks from 10:57 to 12:04 never arrived)
    stack.tick("incident-checkins", declared + timedelta(minutes=127))
    stack.tick("incident-checkins", declared + timedelta(minutes=127))
    assert checkins() == 2
    assert get(incident.id).last_checkin_at == declared + timedelta(hours=2)

    # THEN each check-in asked the two questions with answer buttons, and comms was reminded once for each
    # 30 minutes without an update that a tick fell in (10:30 at 10:55, 11:00 at 11:01, 12:00 at 12:07)
    texts = [message.get("text", "") for message in thread(stack, incident)]
    assert sum("Hourly check-in" in text for text in texts) == 2
    assert sum("no update has gone out" in text for text in texts) == 3


def test_checkin_answers_land_on_the_timeline_and_more_people_calls_for_help(stack: Stack) -> None:
    incident = declare(stack, "high: Payments outage")
    stack.tick("incident-checkins", incident.declared_at + timedelta(minutes=61))
    stack.slack.click(Action.CHECKIN_MORE_PEOPLE, incident.id, user="U0BOB")
    stack.slack.click(Action.CHECKIN_COMMS_CURRENT, incident.id, user="U0CAROL")
    entries = entrypoints.wiring().incident_repository.timeline(incident.id)
    answers = [entry.text for entry in entries if entry.kind is EntryKind.CHECKIN_ANSWER]
    assert len(answers) == 2 and "more people" in answers[0] and "comms are current" in answers[1]
    replies = thread(stack, incident)
    help_call = [message for message in replies if "needs more people" in message.get("text", "")]
    assert len(help_call) == 1 and help_call[0].get("subtype") == "thread_broadcast"


# ---- the timeline shortcut, pins, declare from a message, App Home


def test_add_to_timeline_from_the_incident_thread_keeps_author_and_time(stack: Stack) -> None:
    incident = declare(stack)
    assert incident.announcement is not None
    channel, ts = incident.announcement.channel, incident.announcement.ts
    said = stack.slack_api.add_user_message(channel, "Replica lag is 40 s", user="U0CAROL", thread_ts=ts)
    stack.slack.message_shortcut(Callback.TIMELINE_SHORTCUT, said, user="U0BOB")
    stack.slack.message_shortcut(Callback.TIMELINE_SHORTCUT, said, user="U0BOB")  # twice: recorded once
    entries = entrypoints.wiring().incident_repository.timeline(incident.id)
    notes = [entry for entry in entries if "Replica lag" in entry.text]
    assert len(notes) == 1
    # The author and who added it are kept as people, apart from the words; Slack shows them as mentions.
    assert (notes[0].subject, notes[0].actor) == ("U0CAROL", "U0BOB")
    assert notes[0].describe(mention) == "<@U0CAROL> said: Replica lag is 40 s (added by <@U0BOB>)"
    assert notes[0].at.timestamp() == pytest.approx(float(said["ts"]))


def test_add_to_timeline_from_elsewhere_offers_a_picker(stack: Stack) -> None:
    incident = declare(stack)
    said = stack.slack_api.add_user_message("C0ELSEWHERE", "Seeing 502s from the portal", user="U0CAROL")
    stack.slack.message_shortcut(Callback.TIMELINE_SHORTCUT, said)
    [picker] = [view for view in stack.slack_api.views() if view.get("callback_id") == "incident_timeline_pick_modal"]
    stack.slack.submit(picker["callback_id"], {"incident": ("select", incident.id)}, picker["private_metadata"])
    texts = [entry.text for entry in entrypoints.wiring().incident_repository.timeline(incident.id)]
    assert any("Seeing 502s" in text for text in texts)


def test_a_pin_in_the_incident_thread_lands_on_the_timeline(stack: Stack) -> None:
    incident = declare(stack)
    assert incident.announcement is not None
    channel, ts = incident.announcement.channel, incident.announcement.ts
    said = stack.slack_api.add_user_message(channel, "Root cause: expired cert", user="U0BOB", thread_ts=ts)
    event = {
        "type": "pin_added",
        "user": "U0ALICE",
        "channel_id": channel,
        "item": {"type": "message", "channel": channel, "message": said, "created": 1},
        "event_ts": f"{time.time():.6f}",
    }
    stack.slack.event(event)
    assert any("expired cert" in entry.text for entry in entrypoints.wiring().incident_repository.timeline(incident.id))


def test_declare_from_a_message_opens_the_form_prefilled(stack: Stack) -> None:
    said = stack.slack_api.add_user_message(
        stack.environment["OPS_CHANNEL_ID"], "Portal is timing out\nsince 9", "U0PAM"
    )
    stack.slack.message_shortcut(Callback.DECLARE_SHORTCUT, said)
    [view] = [view for view in stack.slack_api.views() if view.get("callback_id") == Callback.DECLARE]
    assert "Portal is timing out" in json.dumps(view["blocks"])


def test_app_home_shows_open_incidents_and_what_waits_on_the_viewer(stack: Stack) -> None:
    incident = declare(stack, "high: Payments outage")
    stack.slack.click(Action.TAKE_LEAD, incident.id, user="U0BOB")
    stack.clock.advance(minutes=75)
    stack.slack.event({"type": "app_home_opened", "user": "U0BOB", "channel": "D0BOB", "tab": "home"})
    [call] = stack.slack_api.calls("views.publish")
    assert call["params"]["user_id"] == "U0BOB"
    text = json.dumps(call["params"]["view"])
    assert incident.id in text and "U0BOB" in text and "no update since" in text
