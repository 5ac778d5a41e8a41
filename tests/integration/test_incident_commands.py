"""Running an incident from Slack: roles, updates, priority, resolve, reopen, reading."""

from __future__ import annotations

import json

import pytest

from opsdesk.entrypoints import wiring
from opsdesk.slack.ids import Action, Callback, Field
from opsdesk.slack.views.mrkdwn import literal

pytestmark = pytest.mark.integration


def declare(stack, text: str = "declare high: Database down") -> str:
    stack.slack.command(text)
    [incident] = wiring().incident_repository.list_open()
    return incident.id


def responses_text(stack) -> str:
    return json.dumps(stack.slack_api.responses())


def announcement(stack) -> dict:
    [message] = [m for m in stack.ops_messages() if m.get("thread_ts", m["ts"]) == m["ts"]]
    return message


def thread(stack) -> list[dict]:
    root = announcement(stack)
    return stack.slack_api.thread(root.get("channel", "C0OPS"), root["ts"])[1:]


def test_take_lead_button_edits_the_announcement_in_place(stack) -> None:
    incident_id = declare(stack)
    before = announcement(stack)

    stack.clock.advance(minutes=4)
    stack.slack.click(Action.TAKE_LEAD, incident_id, user="U0BOB", message_ts=before["ts"])

    after = announcement(stack)
    assert after["ts"] == before["ts"]  # edited, not reposted
    assert "U0BOB" in json.dumps(after["blocks"])
    incident = wiring().incident_repository.get(incident_id)
    assert incident.lead == "U0BOB"
    assert incident.time_to_lead().total_seconds() == 240
    assert any("is leading" in message["text"] for message in thread(stack))


def test_a_second_taker_is_told_who_leads(stack) -> None:
    incident_id = declare(stack)
    stack.slack.click(Action.TAKE_LEAD, incident_id, user="U0BOB")
    stack.slack.click(Action.TAKE_LEAD, incident_id, user="U0CAROL")
    assert wiring().incident_repository.get(incident_id).lead == "U0BOB"
    [told] = stack.slack_api.ephemeral_messages("U0CAROL")
    assert "U0BOB" in told["text"] and "already leading" in told["text"]


def test_lead_command_hands_over_and_comms_defaults_to_me(stack) -> None:
    incident_id = declare(stack)
    stack.slack.command(f"lead {incident_id} <@U0CAROL|carol>", user="U0ALICE")
    stack.slack.command("comms", user="U0BOB")
    incident = wiring().incident_repository.get(incident_id)
    assert (incident.lead, incident.comms) == ("U0CAROL", "U0BOB")
    kinds = [entry.kind.value for entry in wiring().incident_repository.timeline(incident_id)]
    assert kinds == ["declared", "lead", "comms"]


def test_update_reaches_thread_announcement_and_leadership(stack) -> None:
    incident_id = declare(stack)
    stack.slack.command(f"update {incident_id} Failover in progress", user="U0BOB")
    assert any("Failover in progress" in message["text"] for message in thread(stack))
    assert "Failover in progress" in json.dumps(announcement(stack)["blocks"])
    leadership = [c for c in stack.slack_api.calls("chat.postMessage") if c["params"]["channel"] == "U0LEAD1"]
    assert any("Failover in progress" in c["params"]["text"] for c in leadership)


def test_update_modal_posts_once_even_if_submitted_twice(stack) -> None:
    incident_id = declare(stack)
    stack.slack.click(Action.POST_UPDATE, incident_id, user="U0BOB")
    assert stack.slack_api.views()[-1]["callback_id"] == Callback.UPDATE
    for _ in range(2):
        stack.slack.submit(Callback.UPDATE, {Field.UPDATE_TEXT: "Still degraded"}, incident_id, "U0BOB", "V123UPDATE")
    updates = [e for e in wiring().incident_repository.timeline(incident_id) if e.kind.value == "update"]
    assert len(updates) == 1


def test_priority_change_needs_the_team_and_lands_on_the_timeline(stack) -> None:
    incident_id = declare(stack, "declare Slow reports")
    refused = stack.slack.command(f"priority {incident_id} high", user="U0STRANGER")
    assert "Only the support team can change an incident's priority" in refused["body"]  # said on the ack
    stack.slack.command(f"priority {incident_id} high", user="U0ALICE")
    assert wiring().incident_repository.get(incident_id).priority.value == "high"
    stack.slack.command(f"priority {incident_id} critical", user="U0ALICE")
    assert "Priority must be `high` or `normal`" in responses_text(stack)


def test_resolve_records_summary_thanks_people_and_flags_postmortem(stack) -> None:
    incident_id = declare(stack)
    stack.slack.click(Action.TAKE_LEAD, incident_id, user="U0BOB")
    stack.clock.advance(minutes=42)
    stack.slack.click(Action.RESOLVE, incident_id, user="U0BOB")
    stack.slack.submit(
        Callback.RESOLVE, {Field.SUMMARY: "Restarted the primary", Field.SERVICE: "payments"}, incident_id, "U0BOB"
    )

    incident = wiring().incident_repository.get(incident_id)
    assert incident.status.value == "resolved"
    assert incident.resolution == "Restarted the primary"
    assert incident.time_to_resolve().total_seconds() == 42 * 60
    assert incident.postmortem_due
    [closing] = [message["text"] for message in thread(stack) if "*Resolved*" in message["text"]]
    assert "Resolved" in closing and "42 min" in closing and "U0BOB" in closing and "postmortem" in closing
    assert "Reopen" in json.dumps(announcement(stack)["blocks"])
    assert wiring().incident_repository.list_open() == []


def test_resolve_by_someone_outside_the_team_is_refused(stack) -> None:
    incident_id = declare(stack)
    refused = stack.slack.command(f"resolve {incident_id} fixed service: payments", user="U0STRANGER")
    assert wiring().incident_repository.get(incident_id).is_open
    assert "Only the support team can resolve" in refused["body"]


def test_reopen_brings_it_back(stack) -> None:
    incident_id = declare(stack)
    stack.slack.command(f"resolve {incident_id} fixed service: payments")
    stack.slack.command(f"reopen {incident_id}")
    assert wiring().incident_repository.get(incident_id).is_open


def test_status_list_and_timeline_answer_ephemerally(stack) -> None:
    incident_id = declare(stack)
    stack.slack.command("status")
    stack.slack.command("list")
    stack.slack.command(f"timeline {incident_id}")
    text = responses_text(stack)
    assert text.count("Database down") >= 3
    assert "Declared by" in text


def test_without_an_id_several_open_incidents_ask_which(stack) -> None:
    declare(stack)
    stack.slack.command("declare Second problem")
    stack.slack.command("update something changed")
    assert "Several open incidents" in responses_text(stack)


def test_with_nothing_open_status_says_so(stack) -> None:
    stack.slack.command("status")
    assert "No incident is open" in responses_text(stack)


def test_updates_and_the_resolution_reach_the_channel_not_only_the_thread(stack) -> None:
    # GIVEN an incident people follow in the ops channel, not in its thread
    incident_id = declare(stack)
    # WHEN the team posts an update (command and modal) and resolves it
    stack.slack.command(f"update {incident_id} Failover in progress", user="U0BOB")
    stack.slack.submit(Callback.UPDATE, {Field.UPDATE_TEXT: "Failover complete"}, incident_id, "U0BOB")
    stack.slack.command(f"resolve {incident_id} Primary restarted service: payments", user="U0BOB")
    # THEN each is a reply in the thread also sent to the channel, naming the incident
    broadcasts = [
        call["params"] for call in stack.slack_api.calls("chat.postMessage") if call["params"].get("reply_broadcast")
    ]
    texts = [params["text"] for params in broadcasts]
    assert len(texts) == 3, texts
    assert all(incident_id in text for text in texts)
    assert all(params["thread_ts"] == announcement(stack)["ts"] for params in broadcasts)
    channel_view = [m for m in stack.ops_messages() if m.get("subtype") == "thread_broadcast"]
    assert [m["text"] for m in channel_view] == texts


def test_resolving_an_incident_without_a_service_asks_for_one(stack) -> None:
    # GIVEN an incident declared without a service
    incident_id = declare(stack, "declare Logins failing")
    # WHEN it is resolved without naming one, it stays open and the answer says how
    stack.slack.command(f"resolve {incident_id} Restarted the pods", user="U0BOB")
    assert wiring().incident_repository.get(incident_id).is_open
    asked = [item["text"] for item in stack.slack.slack_api.ephemeral_messages("U0BOB")]
    # (a refusal's words reach Slack literal: `<name>` is sent as Slack shows it, never as markup)
    how = literal(f"/incident resolve {incident_id} <what fixed it> service: <name>")
    assert any(how in text for text in asked)
    # AND the Resolve button's form asks for the service, required
    stack.slack.click(Action.RESOLVE, incident_id, user="U0BOB")
    [form] = [view for view in stack.slack_api.views() if view.get("callback_id") == Callback.RESOLVE]
    [service] = [block for block in form["blocks"] if block.get("block_id") == Field.SERVICE]
    assert not service.get("optional", False)
    # WHEN it is named, the incident is resolved with it, and availability counts it by name
    stack.slack.command(f"resolve {incident_id} Restarted the pods service: Legal Aid portal", user="U0BOB")
    incident = wiring().incident_repository.get(incident_id)
    assert (incident.is_open, incident.service, incident.resolution) == (
        False,
        "Legal Aid portal",
        "Restarted the pods",
    )


def test_the_resolve_form_shows_the_service_already_known_and_does_not_insist(stack) -> None:
    incident_id = declare(stack)
    stack.slack.command(f"resolve {incident_id} x service: payments")  # resolve, reopen: it now has a service
    stack.slack.command(f"reopen {incident_id}")
    stack.slack.click(Action.RESOLVE, incident_id, user="U0BOB")
    [*_, form] = [view for view in stack.slack_api.views() if view.get("callback_id") == Callback.RESOLVE]
    [service] = [block for block in form["blocks"] if block.get("block_id") == Field.SERVICE]
    assert service["optional"] is True and service["element"]["initial_value"] == "payments"
    stack.slack.submit(Callback.RESOLVE, {Field.SUMMARY: "Fixed again"}, incident_id, "U0BOB")
    assert wiring().incident_repository.get(incident_id).service == "payments"
