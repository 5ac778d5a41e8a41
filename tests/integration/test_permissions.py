"""Who may change what: the support team runs incidents, the day and the rota, on every path.

GIVEN someone outside the support team (U0STRANGER), WHEN they try each change by each way Slack
offers (slash command, button, modal submission, message shortcut, event), THEN one polite
ephemeral line says who may do it, and nothing changes: not the incident, its timeline, the
thread, leadership's DMs, the day or the rota.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pytest

from opsdesk.entrypoints import wiring
from opsdesk.flows.permissions import Permission, refusal
from opsdesk.slack.ids import Action, Callback, Field
from opsdesk.slack.postmortem_ids import PostmortemAction, PostmortemCallback, PostmortemField, SectionField
from opsdesk.slack.support_ids import SupportAction
from opsdesk.slack.views.postmortems import edit_metadata
from tests.integration.test_day import tick

if TYPE_CHECKING:
    from tests.integration.conftest import Stack

pytestmark = pytest.mark.integration

OUTSIDER = "U0STRANGER"


def declare(stack: Stack, text: str = "high: Database down") -> str:
    stack.slack.command(f"declare {text}")
    [incident] = wiring().incident_repository.list_open()
    return incident.id


def told(stack: Stack, user: str = OUTSIDER) -> list[str]:
    """Everything `user` was told: ephemeral messages and answers to their commands."""
    ephemeral = [item["text"] for item in stack.slack_api.ephemeral_messages(user)]
    return ephemeral  # response_url answers marked ephemeral are among them


def snapshot(stack: Stack, incident_id: str) -> tuple[Any, ...]:
    """What an outsider must not be able to change: the incident, its timeline, every message posted."""
    repository = wiring().incident_repository
    incident = repository.get(incident_id)
    posted = [
        call
        for call in stack.slack_api.calls()
        if call["method"] in {"chat.postMessage", "chat.update", "views.open"}
        and call["params"].get("user") != OUTSIDER
    ]
    return (
        incident.lead,
        incident.comms,
        incident.priority,
        incident.status,
        incident.last_update_text,
        len(repository.timeline(incident_id)),
        len(posted),
    )


COMMANDS = {
    "lead {id}": Permission.LEAD,
    "lead {id} <@U0BOB|bob>": Permission.LEAD,
    "comms {id}": Permission.COMMS,
    "update {id} All fixed, click <https://evil.example|https://myapps.amazon.com>": Permission.UPDATE,
    "priority {id} normal": Permission.PRIORITY,
    "resolve {id} done": Permission.RESOLVE,
    "page {id}": Permission.PAGE,
}


@pytest.mark.parametrize("text", COMMANDS)
def test_slash_commands_that_change_an_incident_are_refused(stack: Stack, text: str) -> None:
    incident_id = declare(stack)
    before = snapshot(stack, incident_id)
    response = stack.slack.command(text.format(id=incident_id), user=OUTSIDER)
    assert response["statusCode"] == 200
    assert response["body"] == refusal(COMMANDS[text])
    assert snapshot(stack, incident_id) == before


def test_reopen_by_an_outsider_is_refused(stack: Stack) -> None:
    incident_id = declare(stack, "Slow reports")
    stack.slack.command(f"resolve {incident_id} done service: reports")
    before = snapshot(stack, incident_id)
    response = stack.slack.command(f"reopen {incident_id}", user=OUTSIDER)
    assert response["body"] == refusal(Permission.REOPEN)
    stack.slack.click(Action.REOPEN, incident_id, user=OUTSIDER)
    assert snapshot(stack, incident_id) == before
    assert told(stack).count(refusal(Permission.REOPEN)) == 1  # the click; the command answered in its ack


BUTTONS = {
    Action.TAKE_LEAD: ("{id}", Permission.LEAD),
    Action.CHANGE_PRIORITY: ("{id}:normal", Permission.PRIORITY),
    Action.POST_UPDATE: ("{id}", Permission.UPDATE),
    Action.RESOLVE: ("{id}", Permission.RESOLVE),
    Action.RECOVERED_RESOLVE: ("{id}", Permission.RESOLVE),
    Action.CHECKIN_MORE_PEOPLE: ("{id}", Permission.CHECKIN),
    Action.CHECKIN_COMMS_CURRENT: ("{id}", Permission.CHECKIN),
    Action.CONFIRM_TAKEOVER: ("{id}:U0STRANGER:U0BOB", Permission.LEAD),
}


@pytest.mark.parametrize("action", BUTTONS)
def test_buttons_are_refused_with_one_ephemeral_line_and_no_modal(stack: Stack, action: Action) -> None:
    incident_id = declare(stack)
    stack.slack.click(Action.TAKE_LEAD, incident_id, user="U0BOB")
    before = snapshot(stack, incident_id)
    value, permission = BUTTONS[action]
    stack.slack.click(action, value.format(id=incident_id), user=OUTSIDER)
    assert told(stack) == [refusal(permission)]
    assert snapshot(stack, incident_id) == before
    assert wiring().incident_repository.get(incident_id).lead == "U0BOB"


MODALS = {
    Callback.UPDATE: ({Field.UPDATE_TEXT: "All good now <!channel>"}, Permission.UPDATE),
    Callback.RESOLVE: ({Field.SUMMARY: "Fixed", Field.SERVICE: "payments"}, Permission.RESOLVE),
}


@pytest.mark.parametrize("callback", MODALS)
def test_a_forged_modal_submission_is_refused_for_the_user_slack_signed(stack: Stack, callback: Callback) -> None:
    # GIVEN a modal submission Slack signed for the outsider, whose metadata names the incident and claims Alice
    incident_id = declare(stack)
    before = snapshot(stack, incident_id)
    values, permission = MODALS[callback]
    stack.slack.submit(callback, values, private_metadata=incident_id, user=OUTSIDER)
    stack.slack.submit(
        callback, values, private_metadata=json.dumps({"incident": incident_id, "user": "U0ALICE"}), user=OUTSIDER
    )
    # THEN it is refused as the outsider, however the metadata reads
    assert refusal(permission) in told(stack)
    assert snapshot(stack, incident_id) == before


def test_a_declare_modal_is_declared_by_the_signed_user_never_the_metadata(stack: Stack) -> None:
    forged = json.dumps({"channel": "C0OPS", "user": "U0ALICE", "declared_by": "U0ALICE"})
    response = stack.slack.submit(Callback.DECLARE, {Field.TITLE: "Portal down"}, forged, user=OUTSIDER)
    assert refusal(Permission.DECLARE) in response["body"]
    assert wiring().incident_repository.list_open() == []
    stack.slack.submit(Callback.DECLARE, {Field.TITLE: "Portal down"}, forged, user="U0BOB")
    [incident] = wiring().incident_repository.list_open()
    assert incident.declared_by == "U0BOB"


def test_message_shortcuts_and_pins_are_refused(stack: Stack) -> None:
    incident_id = declare(stack)
    incident = wiring().incident_repository.get(incident_id)
    assert incident.announcement is not None
    channel, root = incident.announcement.channel, incident.announcement.ts
    before = snapshot(stack, incident_id)
    in_thread = stack.slack_api.add_user_message(channel, "Seeing 502s", user=OUTSIDER, thread_ts=root)
    elsewhere = stack.slack_api.add_user_message(channel, "Seeing 502s too", user=OUTSIDER)

    stack.slack.message_shortcut(Callback.TIMELINE_SHORTCUT, in_thread, OUTSIDER)
    stack.slack.message_shortcut(Callback.TIMELINE_SHORTCUT, elsewhere, OUTSIDER)
    stack.slack.message_shortcut(Callback.DECLARE_SHORTCUT, elsewhere, OUTSIDER)
    stack.slack.submit(
        Callback.TIMELINE_PICK,
        {Field.INCIDENT: ("select", incident_id)},
        json.dumps({"channel": channel, "message": {"ts": in_thread["ts"], "user": "U0ALICE", "text": "forged"}}),
        user=OUTSIDER,
    )
    stack.slack.event(
        {
            "type": "pin_added",
            "user": OUTSIDER,
            "channel_id": channel,
            "item": {"type": "message", "channel": channel, "message": in_thread},
        }
    )

    assert told(stack).count(refusal(Permission.TIMELINE)) == 4
    assert told(stack).count(refusal(Permission.DECLARE)) == 1
    assert [view for view in stack.slack_api.views() if view.get("callback_id") != Callback.TIMELINE_PICK] == []
    assert snapshot(stack, incident_id) == before


def test_postmortem_changes_are_refused(stack: Stack) -> None:
    incident_id = declare(stack)
    stack.slack.command(f"resolve {incident_id} Restarted service: payments")
    for text in (f"held {incident_id}", f"action {incident_id} high <@U0BOB> Add an alarm", f"publish {incident_id}"):
        stack.slack.command(text, user=OUTSIDER, command="/postmortem")
    for text in (f"edit {incident_id}", f"action {incident_id}"):  # each would open a form
        response = stack.slack.command(text, user=OUTSIDER, command="/postmortem")
        assert refusal(Permission.POSTMORTEM) in response["body"]
    for action in (PostmortemAction.ADD_ACTION, PostmortemAction.EDIT):
        stack.slack.click(action, incident_id, user=OUTSIDER)
    stack.slack.click(PostmortemAction.MARK_DONE, f"{incident_id}:1", user=OUTSIDER)
    stack.slack.submit(
        PostmortemCallback.ACTION_MODAL,
        {PostmortemField.DESCRIPTION: "Add an alarm", PostmortemField.OWNER: "U0BOB"},
        private_metadata=incident_id,
        user=OUTSIDER,
    )
    stack.slack.submit(
        PostmortemCallback.EDIT_MODAL,
        {SectionField.SUMMARY: "Nothing happened, really"},
        private_metadata=edit_metadata(incident_id, wiring().postmortems.get(incident_id).version),
        user=OUTSIDER,
    )
    stack.slack.command(f"done {incident_id} 1", user=OUTSIDER, command="/postmortem")
    said = told(stack)
    assert said.count(refusal(Permission.POSTMORTEM)) == 9
    assert "Nothing happened" not in json.dumps(list(wiring().postmortems.get(incident_id).sections().values()))
    assert [view for view in stack.slack_api.views() if view.get("callback_id") in set(PostmortemCallback)] == []
    postmortem = wiring().postmortems.get(incident_id)
    assert not postmortem.is_published and wiring().postmortems.actions(incident_id) == []


def test_the_day_and_the_rota_are_refused(stack: Stack) -> None:
    stack.slack.command("set <@U0ALICE> <@U0BOB>", command="/rota")
    stack.slack.command("oncall <@U0CAROL>", command="/rota")
    for text in ("set <@U0STRANGER> <@U0DAVE>", "cover <@U0STRANGER> 12:00-13:00", "oncall <@U0STRANGER>"):
        stack.slack.command(text, user=OUTSIDER, command="/rota")
    tick(stack, OUTSIDER, "ops_channel")
    stack.slack.click(SupportAction.HANDOVER_DONE, "2026-11-30", user=OUTSIDER)
    said = told(stack)
    assert said.count(refusal(Permission.ROTA)) == 2 and said.count(refusal(Permission.ON_CALL)) == 1
    assert said.count(refusal(Permission.CHECKLIST)) == 1 and said.count(refusal(Permission.HANDOVER)) == 1
    today = wiring().rota.today()
    assert OUTSIDER not in json.dumps([today.engineers, wiring().rota_repository.on_call()])
    assert wiring().rota_repository.on_call() == "U0CAROL"


# ---- taking over a lead someone holds


def takeover_buttons(stack: Stack, user: str) -> list[dict[str, Any]]:
    """The Confirm and Cancel buttons of the last question `user` was asked (ephemeral)."""
    [*_, asked] = [item for item in stack.slack_api.ephemeral_messages(user) if item.get("blocks")]
    return [element for block in asked["blocks"] if block["type"] == "actions" for element in block["elements"]]


def test_lead_command_over_a_lead_asks_first_then_tells_the_previous_lead_and_the_thread(stack: Stack) -> None:
    # GIVEN Bob leads
    incident_id = declare(stack)
    stack.slack.click(Action.TAKE_LEAD, incident_id, user="U0BOB")
    # WHEN Carol types `/incident lead`
    stack.slack.command(f"lead {incident_id}", user="U0CAROL")
    # THEN nothing changed yet: she is asked, with Confirm and Cancel
    assert wiring().incident_repository.get(incident_id).lead == "U0BOB"
    confirm, cancel = takeover_buttons(stack, "U0CAROL")
    assert (confirm["action_id"], cancel["action_id"]) == (Action.CONFIRM_TAKEOVER, Action.CANCEL_TAKEOVER)

    # WHEN she confirms
    stack.slack.click(Action.CONFIRM_TAKEOVER, confirm["value"], user="U0CAROL")
    # THEN she leads, Bob is told by DM, the thread says whom she took over from, the timeline has it once
    assert wiring().incident_repository.get(incident_id).lead == "U0CAROL"
    dms = [
        call["params"]["text"]
        for call in stack.slack_api.calls("chat.postMessage")
        if call["params"]["channel"] == "U0BOB"
    ]
    assert any("<@U0CAROL> has taken over the lead" in text and incident_id in text for text in dms)
    incident = wiring().incident_repository.get(incident_id)
    assert incident.announcement is not None
    replies = stack.slack_api.thread(incident.announcement.channel, incident.announcement.ts)
    assert any("taken over the lead from <@U0BOB>" in reply["text"] for reply in replies)
    leads = [
        entry.subject for entry in wiring().incident_repository.timeline(incident_id) if entry.kind.value == "lead"
    ]
    assert leads == ["U0BOB", "U0CAROL"]

    # AND a second delivery of the same confirmation changes nothing
    stack.slack.click(Action.CONFIRM_TAKEOVER, confirm["value"], user="U0CAROL")
    leads = [
        entry.subject for entry in wiring().incident_repository.timeline(incident_id) if entry.kind.value == "lead"
    ]
    assert leads == ["U0BOB", "U0CAROL"]


def test_the_take_lead_button_over_a_lead_asks_and_cancel_changes_nothing(stack: Stack) -> None:
    incident_id = declare(stack)
    stack.slack.click(Action.TAKE_LEAD, incident_id, user="U0BOB")
    stack.slack.click(Action.TAKE_LEAD, incident_id, user="U0CAROL")
    _, cancel = takeover_buttons(stack, "U0CAROL")
    stack.slack.click(Action.CANCEL_TAKEOVER, cancel["value"], user="U0CAROL")
    assert wiring().incident_repository.get(incident_id).lead == "U0BOB"
    assert any(f"Nothing changed on {incident_id}" in item["text"] for item in stack.slack_api.responses())


def test_a_confirmation_for_a_lead_who_has_since_changed_asks_again(stack: Stack) -> None:
    # GIVEN Carol was asked about taking over from Bob, and meanwhile Alice took over from Bob
    incident_id = declare(stack)
    stack.slack.click(Action.TAKE_LEAD, incident_id, user="U0BOB")
    stack.slack.command(f"lead {incident_id}", user="U0CAROL")
    carols, _ = takeover_buttons(stack, "U0CAROL")
    stack.slack.command(f"lead {incident_id}", user="U0ALICE")
    alices, _ = takeover_buttons(stack, "U0ALICE")
    stack.slack.click(Action.CONFIRM_TAKEOVER, alices["value"], user="U0ALICE")
    # WHEN Carol confirms her stale question
    stack.slack.click(Action.CONFIRM_TAKEOVER, carols["value"], user="U0CAROL")
    # THEN Alice still leads, and Carol is asked again, about Alice
    assert wiring().incident_repository.get(incident_id).lead == "U0ALICE"
    asked_again = [item for item in stack.slack_api.responses() if item.get("blocks")]
    assert "<@U0ALICE> is already leading" in asked_again[-1]["text"]


def test_a_lead_chosen_for_someone_outside_the_team_is_fine(stack: Stack) -> None:
    # The lead and the comms person may be anyone in the wider team; only choosing them is the team's.
    incident_id = declare(stack)
    stack.slack.command(f"lead {incident_id} <@U0DEV|dev>", user="U0ALICE")
    stack.slack.command(f"comms {incident_id} <@U0PM|pm>", user="U0ALICE")
    incident = wiring().incident_repository.get(incident_id)
    assert (incident.lead, incident.comms) == ("U0DEV", "U0PM")


def test_taking_the_lead_of_a_resolved_incident_says_so(stack: Stack) -> None:
    incident_id = declare(stack, "Slow reports")
    stack.slack.command(f"resolve {incident_id} done service: reports")
    stack.slack.command(f"lead {incident_id}", user="U0BOB")
    stack.slack.click(Action.TAKE_LEAD, incident_id, user="U0BOB")
    said = [item["text"] for item in stack.slack_api.ephemeral_messages("U0BOB")]
    assert said == [f"{incident_id} is resolved; reopen it before you take the lead."] * 2


def test_an_outsiders_tick_is_undone_on_the_checklist_they_clicked(stack: Stack) -> None:
    # GIVEN the 08:00 checklist in the team channel
    stack.slack.command("set <@U0ALICE> <@U0BOB>", command="/rota")
    stack.tick("start-of-day", datetime(2026, 11, 30, 8, 0, tzinfo=UTC))
    updates = len(stack.slack_api.calls("chat.update"))
    # WHEN someone outside the team ticks an item (their Slack shows it ticked)
    tick(stack, OUTSIDER, "ops_channel")
    # THEN they are told who may, and the checklist is shown again as it is: nothing ticked
    assert told(stack) == [refusal(Permission.CHECKLIST)]
    [shown] = stack.slack_api.calls("chat.update")[updates:]
    assert OUTSIDER not in json.dumps(shown["params"])
    assert '"initial_options"' not in json.dumps(shown["params"].get("blocks"))
