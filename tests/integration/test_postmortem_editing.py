"""Writing the postmortem up (the edit modal) and working its action items (done, Jira tickets against the
Jira stand-in with the real `jira` client), through the real handlers."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pytest

from opsdesk.domain.postmortems import Section
from opsdesk.flows.postmortem_actions import ticket_label
from opsdesk.slack.postmortem_ids import PostmortemAction, PostmortemCallback, SectionField
from opsdesk.store.postmortem_actions import postmortem_key
from opsdesk.store.postmortems import PostmortemRepository
from tests.integration.support_fixtures import (  # noqa: F401  # the Jira stand-in and its URL for the stack
    jira_api_fixture,
    stand_in_urls_fixture,
)
from tests.integration.test_postmortems import SLACK_ID, add_action, dms, get, run_incident
from tests.integration.test_support_desk import wait_until

if TYPE_CHECKING:
    from devstack.standins.jira import JiraStandIn
    from tests.integration.conftest import Stack

TUESDAY = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
WEDNESDAY = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
EDITED = {
    SectionField.SUMMARY: "The primary database ran out of disk; we failed over to the standby.",
    SectionField.IMPACT: "Nobody could log in for an hour.",
    SectionField.CONTRIBUTING_FACTORS: "Disk growth was not alarmed.\nThe runbook was out of date.\n\n"
    "<@U0CAROL> spotted it in <#C0PRIV123|ops-private>.",
    SectionField.WENT_WELL: "Failover worked first time.",
    SectionField.TO_IMPROVE: "Alarm on disk growth.",
}


def repository(stack: Stack) -> PostmortemRepository:
    return PostmortemRepository(stack.table_name)


def buttons(blocks: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Every button in some blocks, as action_id -> values."""
    found: dict[str, list[str]] = {}
    for block in blocks:
        elements = block.get("elements", []) + ([block["accessory"]] if "accessory" in block else [])
        for element in elements:
            if element.get("type") == "button":
                found.setdefault(element["action_id"], []).append(element.get("value", ""))
    return found


def opened_view(stack: Stack) -> dict[str, Any]:
    views = stack.slack_api.views()
    assert views, "no modal was opened"
    return views[-1]


def prefilled(view: dict[str, Any]) -> dict[str, str]:
    return {
        block["block_id"]: block["element"].get("initial_value", "") for block in view["blocks"] if "element" in block
    }


def submit_edit(stack: Stack, view: dict[str, Any], texts: dict[SectionField, str], user: str = "U0ALICE") -> Any:
    values = {str(field): text for field, text in texts.items()}
    return stack.slack.submit(
        PostmortemCallback.EDIT_MODAL, values, private_metadata=view["private_metadata"], user=user, view_id=view["id"]
    )


def saved_notes(stack: Stack, user: str = "U0ALICE") -> list[str]:
    return [text for text in dms(stack, user) if text.startswith("Saved the postmortem")]


def test_the_edit_button_on_the_thread_message_opens_the_write_up_prefilled_and_saves_it_once(stack: Stack) -> None:
    # GIVEN a resolved high-priority incident: its thread asks for the postmortem, with an edit button
    incident_id = run_incident(stack)
    asks = [m for m in stack.ops_messages() if "blameless postmortem for" in m.get("text", "")]
    assert buttons(asks[0]["blocks"])[PostmortemAction.EDIT] == [incident_id]
    draft = repository(stack).get(incident_id)

    # WHEN the edit button is clicked
    stack.slack.click(PostmortemAction.EDIT, incident_id)
    # THEN the modal shows the current text of every section
    view = opened_view(stack)
    assert view["callback_id"] == PostmortemCallback.EDIT_MODAL
    assert prefilled(view) == {SectionField.of(which): draft.section(which) for which in Section}

    # WHEN it is saved
    stack.clock.advance(minutes=10)
    submit_edit(stack, view, EDITED)
    # THEN the sections hold the new text, with one conditional write (version + 1)
    saved = repository(stack).get(incident_id)
    assert saved.contributing_factors == EDITED[SectionField.CONTRIBUTING_FACTORS]
    assert saved.summary == EDITED[SectionField.SUMMARY] and saved.to_write() == []
    assert saved.version == draft.version + 1 and saved.edited_by == "U0ALICE"
    assert len(saved_notes(stack)) == 1

    # WHEN the same submission is delivered again (same view id)
    submit_edit(stack, view, {**EDITED, SectionField.SUMMARY: "A replay must not land"})
    # THEN nothing changes, and nobody is told twice
    assert repository(stack).get(incident_id) == saved
    assert len(saved_notes(stack)) == 1


def test_a_stale_form_is_refused_and_the_text_is_handed_back(stack: Stack) -> None:
    incident_id = run_incident(stack)
    # GIVEN two people open the form from the same version (one by command)
    stack.slack.command(f"edit {incident_id}", command="/postmortem", user="U0BOB")
    bobs = opened_view(stack)
    stack.slack.click(PostmortemAction.EDIT, incident_id, user="U0ALICE")
    alices = opened_view(stack)
    assert bobs["id"] != alices["id"] and bobs["private_metadata"] == alices["private_metadata"]
    # WHEN Bob saves first, then Alice
    submit_edit(stack, bobs, EDITED, user="U0BOB")
    submit_edit(stack, alices, {**EDITED, SectionField.WENT_WELL: "Alice's view of what went well"})
    # THEN Bob's text stands, and Alice is told hers was not saved, with her text so nothing is lost
    assert repository(stack).get(incident_id).went_well == EDITED[SectionField.WENT_WELL]
    [refused] = [text for text in dms(stack, "U0ALICE") if "was not saved" in text]
    assert "Alice's view of what went well" in refused and f"/postmortem edit {incident_id}" in refused
    # AND reopening the form shows Bob's text
    stack.slack.command(f"edit {incident_id}", command="/postmortem")
    assert prefilled(opened_view(stack))[SectionField.WENT_WELL] == EDITED[SectionField.WENT_WELL]


def test_edit_input_is_checked_before_anything_is_written(stack: Stack) -> None:
    incident_id = run_incident(stack)
    stack.slack.command(f"edit {incident_id}", command="/postmortem")
    view = opened_view(stack)
    before = repository(stack).get(incident_id)
    # An empty summary keeps the modal open with the reason next to the field
    response = submit_edit(stack, view, {**EDITED, SectionField.SUMMARY: "   "})
    assert json.loads(response["body"]) == {
        "response_action": "errors",
        "errors": {SectionField.SUMMARY: "Summary cannot be empty."},
    }
    assert repository(stack).get(incident_id) == before
    # Only the team may edit; a missing or unknown id is explained
    views_before = len(stack.slack_api.views())
    answers = [
        stack.slack.command(f"edit {incident_id}", command="/postmortem", user="U0PAM")["body"],
        stack.slack.command("edit", command="/postmortem")["body"],
        stack.slack.command("edit INC-ZZZZZ", command="/postmortem")["body"],
    ]
    assert "Only the support team" in answers[0]
    assert "Say which incident" in answers[1]
    assert "There is no postmortem for INC-ZZZZZ" in answers[2]
    assert len(stack.slack_api.views()) == views_before


def test_published_page_and_markdown_show_the_edits_without_slack_ids(stack: Stack) -> None:
    incident_id = run_incident(stack)
    stack.slack.command(f"edit {incident_id}", command="/postmortem")
    submit_edit(stack, opened_view(stack), EDITED)
    stack.slack.command(f"action {incident_id} high <@U0CAROL> Add a disk-growth alarm", command="/postmortem")
    stack.slack.command(f"publish {incident_id}", command="/postmortem")
    published = stack.slack_api.responses()[-1]["text"]
    assert "Still to write" not in published

    page = get(stack, f"/postmortems/{incident_id}")["body"]
    markdown = get(stack, f"/postmortems/{incident_id}.md")["body"]
    for body in (page, markdown):
        assert "Disk growth was not alarmed." in body and "Failover worked first time." in body
        assert "Carol Chen spotted it in a Slack channel." in body  # the mention named, the channel not
        assert "Add a disk-growth alarm" in body
        assert "ops-private" not in body and "PRIV" not in body
        assert not SLACK_ID.search(body), SLACK_ID.search(body)
    assert "<td>Carol Chen</td>" in page and "owner: Carol Chen" in markdown
    assert "- **Incident lead:** Bob Baker" in markdown

    # WHEN a published postmortem is edited again, mentioning someone new, and gets an action for someone new
    stack.slack.command(f"edit {incident_id}", command="/postmortem")
    changed = {**EDITED, SectionField.WENT_WELL: "<@U0PAM> kept the service desk informed."}
    submit_edit(stack, opened_view(stack), changed)
    stack.slack.command(f"action {incident_id} low <@U0LEAD1> Review the disk budget", command="/postmortem")
    # THEN the page shows the new text at once, with names, never ids
    page = get(stack, f"/postmortems/{incident_id}")["body"]
    markdown = get(stack, f"/postmortems/{incident_id}.md")["body"]
    assert "Pam Patel kept the service desk informed." in page and "Pam Patel kept" in markdown
    assert "<td>Lee Lawson</td>" in page and "owner: Lee Lawson" in markdown
    assert not SLACK_ID.search(page) and not SLACK_ID.search(markdown)
    assert any("The published page shows it now" in text for text in saved_notes(stack))


def test_done_actions_stop_being_nudged_and_show_as_done(stack: Stack) -> None:
    incident_id = run_incident(stack)
    stack.slack.command(f"action {incident_id} high <@U0BOB> Add a disk alarm due 2026-11-30", command="/postmortem")
    stack.slack.command(f"action {incident_id} low <@U0CAROL> Fix the runbook due 2026-11-30", command="/postmortem")
    stack.slack.command(f"action {incident_id} medium <@U0CAROL> Try a restore", command="/postmortem")
    # GIVEN both dated actions are overdue on Tuesday: each owner is nudged
    assert stack.tick("postmortem-reminders", TUESDAY)["actions"] == 2
    assert any("Action 1 from the" in text for text in dms(stack, "U0BOB"))

    # WHEN action 1 is marked done by command, and action 2 by its button (and the click is replayed)
    stack.clock.now = TUESDAY
    stack.slack.command(f"done {incident_id} 1", command="/postmortem")
    assert "Action 1 of" in stack.slack_api.responses()[-1]["text"]
    stack.slack.command(f"show {incident_id}", command="/postmortem")
    shown = buttons(stack.slack_api.responses()[-1]["blocks"])
    # (open ones only, in priority order: medium 3 before low 2)
    assert shown[PostmortemAction.MARK_DONE] == [f"{incident_id}:3", f"{incident_id}:2"]
    assert shown[PostmortemAction.RAISE_TICKET] == [f"{incident_id}:3", f"{incident_id}:2"]
    stack.slack.click(PostmortemAction.MARK_DONE, f"{incident_id}:2", user="U0CAROL")
    stack.slack.click(PostmortemAction.MARK_DONE, f"{incident_id}:2", user="U0CAROL")
    stack.slack.command(f"done {incident_id} 1", command="/postmortem")

    # THEN each is done once, the second attempt says so, and they leave the overdue index
    carol = dms(stack, "U0CAROL")
    assert (
        sum("is done. Thank you" in text for text in carol) == 1 and sum("already done" in text for text in carol) == 1
    )
    assert "was already done" in stack.slack_api.responses()[-1]["text"]
    actions = {item.number: item for item in repository(stack).actions(incident_id)}
    assert actions[1].done and actions[2].done and not actions[3].done
    assert actions[2].done_by == "U0CAROL" and actions[1].done_at == TUESDAY
    assert repository(stack).action_items.open_due_before(WEDNESDAY) == []
    assert stack.tick("postmortem-reminders", WEDNESDAY)["actions"] == 0
    nudges = [text for user in ("U0BOB", "U0CAROL") for text in dms(stack, user) if "was due" in text]
    assert len(nudges) == 2  # Tuesday's only

    # AND the page shows them as done
    stack.slack.command(f"publish {incident_id}", command="/postmortem")
    page = get(stack, f"/postmortems/{incident_id}")["body"]
    assert page.count("Done 2026-12-01") == 2 and "<td>Open</td>" in page
    assert "done 2026-12-01" in get(stack, f"/postmortems/{incident_id}.md")["body"]


def test_done_input_is_explained(stack: Stack) -> None:
    incident_id = run_incident(stack)
    stack.slack.command(f"done {incident_id} first", command="/postmortem")
    assert "Say which action" in stack.slack_api.responses()[-1]["text"]
    stack.slack.command(f"done {incident_id} 9", command="/postmortem")
    assert f"{incident_id} has no action 9" in stack.slack_api.responses()[-1]["text"]
    stack.slack.click(PostmortemAction.MARK_DONE, f"{incident_id}:x")
    assert any("is not an action number" in text for text in dms(stack, "U0ALICE"))


def action_item(stack: Stack, incident_id: str, number: int) -> dict:
    """The stored action item as DynamoDB holds it (to see every attribute, leases included)."""
    key = {"pk": {"S": postmortem_key(incident_id)}, "sk": {"S": f"ACTION#{number:04d}"}}
    return stack.dynamodb().get_item(TableName=stack.table_name, Key=key, ConsistentRead=True)["Item"]


def test_raise_jira_ticket_makes_one_issue_however_often_it_is_clicked(stack: Stack, jira_api: JiraStandIn) -> None:
    incident_id = run_incident(stack)
    add_action(stack, incident_id)
    # WHEN "Raise Jira ticket" is clicked
    stack.slack.click(PostmortemAction.RAISE_TICKET, f"{incident_id}:1")
    # THEN one issue exists, labelled so it can be found again, naming the owner (not their Slack id)
    [issue] = jira_api.issues()
    fields = issue["fields"]
    assert fields["labels"] == [ticket_label(incident_id, 1), "postmortem-action"]
    assert fields["summary"] == "[high] Add a replication-lag alarm"
    assert "Owner: Bob Baker" in fields["description"] and not SLACK_ID.search(fields["description"])
    assert PostmortemRepository(stack.table_name).actions(incident_id)[0].ticket_key == issue["key"]
    assert f"is Jira ticket {issue['key']}" in dms(stack, "U0ALICE")[-1]

    # WHEN it is clicked again, and the click is replayed
    calls = len(jira_api.calls())
    stack.slack.click(PostmortemAction.RAISE_TICKET, f"{incident_id}:1")
    stack.slack.click(PostmortemAction.RAISE_TICKET, f"{incident_id}:1")
    # THEN Jira is not even asked: the stored key answers
    assert len(jira_api.calls()) == calls and len(jira_api.issues()) == 1
    assert f"is Jira ticket {issue['key']}" in dms(stack, "U0ALICE")[-1]
    # AND the action's button is gone from the postmortem message
    stack.slack.command(f"show {incident_id}", command="/postmortem")
    shown = json.dumps(stack.slack_api.responses()[-1]["blocks"])
    assert PostmortemAction.RAISE_TICKET not in shown and issue["key"] in shown

    # WHEN the action is marked done
    stack.slack.command(f"done {incident_id} 1", command="/postmortem")
    # THEN its ticket follows it to Done on the board
    assert jira_api.issue(issue["key"])["fields"]["status"]["name"] == "Done"


def test_a_ticket_whose_reply_was_lost_is_found_by_its_label_not_filed_again(
    stack: Stack, jira_api: JiraStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    incident_id = run_incident(stack)
    add_action(stack, incident_id)
    # GIVEN a click whose issue reaches Jira after opsdesk stopped waiting for the answer
    monkeypatch.setattr("opsdesk.integrations.jira.TIMEOUT_SECONDS", 0.5)
    jira_api.delay_next("POST /rest/api/2/issue", 1.5)
    stack.slack.click(PostmortemAction.RAISE_TICKET, f"{incident_id}:1")
    assert "try again in a few minutes" in dms(stack, "U0ALICE")[-1]
    wait_until(lambda: len(jira_api.issues()) == 1)
    # WHEN the person clicks again at once, Jira's search would not show the new issue yet: the lease waits
    stack.slack.click(PostmortemAction.RAISE_TICKET, f"{incident_id}:1")
    assert "is being raised" in dms(stack, "U0ALICE")[-1]
    # AND a few minutes later the click finds the issue by its label in the project
    stack.clock.advance(minutes=3)
    stack.slack.click(PostmortemAction.RAISE_TICKET, f"{incident_id}:1")
    # THEN the existing issue is recorded; no second one
    [issue] = jira_api.issues()
    assert PostmortemRepository(stack.table_name).actions(incident_id)[0].ticket_key == issue["key"]


@pytest.mark.parametrize("failing", ["POST /rest/api/2/issue", "*"], ids=["create-fails", "everything-fails"])
def test_jira_unavailable_is_explained_and_tried_again_once_its_answer_would_show(
    stack: Stack, jira_api: JiraStandIn, failing: str
) -> None:
    incident_id = run_incident(stack)
    add_action(stack, incident_id)
    # WHEN Jira answers 503
    jira_api.fail_next(failing, 503)
    stack.slack.click(PostmortemAction.RAISE_TICKET, f"{incident_id}:1")
    # THEN the person is told plainly, no issue exists, no key is recorded; the lease stays (a 503 may have created)
    told = dms(stack, "U0ALICE")[-1]
    assert "(HTTP 503)" in told and f"No ticket is recorded for action 1 of {incident_id}" in told
    assert jira_api.issues() == []
    stored = action_item(stack, incident_id, 1)
    assert "ticket_key" not in stored and "ticket_lease_until" in stored
    # AND once the lease has run out, the next click looks for the label, then raises exactly one
    stack.clock.advance(minutes=3)
    stack.slack.click(PostmortemAction.RAISE_TICKET, f"{incident_id}:1")
    assert len(jira_api.issues()) == 1
    assert action_item(stack, incident_id, 1)["ticket_key"]["S"] == jira_api.issues()[0]["key"]
    searches = [call for call in jira_api.calls() if call["path"].endswith("/search/jql")]
    assert len(searches) == 1 and f"project = {chr(34)}OPS{chr(34)}" in searches[0]["query"]["jql"]


def test_jira_refusing_the_ticket_is_explained_and_the_next_click_tries_at_once(
    stack: Stack, jira_api: JiraStandIn
) -> None:
    incident_id = run_incident(stack)
    add_action(stack, incident_id)
    # WHEN Jira refuses the issue (a required field the project demands, say)
    refusal = {"errorMessages": [], "errors": {"components": "Component/s is required."}}
    jira_api.fail_next("POST /rest/api/2/issue", 400, body=refusal)
    stack.slack.click(PostmortemAction.RAISE_TICKET, f"{incident_id}:1")
    # THEN the person hears what failed and what to fix (Jira's reason is in the log), and nothing is held
    told = dms(stack, "U0ALICE")[-1]
    assert "required fields" in told and "HTTP 400" in told and "raise it again" in told
    assert "Component/s is required." not in told
    assert "ticket_lease_until" not in action_item(stack, incident_id, 1)
    # AND once it is fixed, the next click raises the ticket straight away
    stack.slack.click(PostmortemAction.RAISE_TICKET, f"{incident_id}:1")
    assert len(jira_api.issues()) == 1


def test_a_click_while_another_is_raising_the_ticket_waits_for_it(stack: Stack, jira_api: JiraStandIn) -> None:
    incident_id = run_incident(stack)
    add_action(stack, incident_id)
    # GIVEN another click holds the lease (it is talking to Jira right now)
    assert PostmortemRepository(stack.table_name).action_items.claim_ticket(incident_id, 1, stack.clock.now)
    stack.slack.click(PostmortemAction.RAISE_TICKET, f"{incident_id}:1")
    assert "is being raised" in dms(stack, "U0ALICE")[-1] and jira_api.calls() == []
    # WHEN that click died and its lease ran out, a later click raises the ticket
    stack.clock.advance(minutes=3)
    stack.slack.click(PostmortemAction.RAISE_TICKET, f"{incident_id}:1")
    assert len(jira_api.issues()) == 1
