"""Injection: what people, Jira and PagerDuty write is shown in Slack, never obeyed, and stays where it was said.

Each case sends Slack's control sequences (a ping of the whole channel, of everyone online, of a user group,
a mention, a link whose label lies about where it goes) through a real entry point, then reads every message
opsdesk posted or edited anywhere (the thread, the announcement, leadership's DMs, the team channel) and
counts the sequences Slack would have obeyed: always 0.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest

from devstack.standins.confluence import ConfluenceStandIn
from opsdesk import entrypoints
from opsdesk.slack.ids import Callback
from opsdesk.slack.support_ids import SupportAction
from tests.integration.support_fixtures import jira_webhooks_to
from tests.reliability.kit import CANARIES, JIRA_EMAIL, side_effect_calls
from tests.reliability.test_bad_input_elsewhere import invoked, pagerduty_event
from tests.reliability.test_neighbours import ephemeral_texts, open_request, ticket_said
from tests.unit.test_mrkdwn_injection import OBEYED, mrkdwn_texts

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.reliability.conftest import Stack
    from tests.reliability.kit import Ledger

pytestmark = pytest.mark.reliability("injection")

HOSTILE = (
    "<!channel> <!here> <!everyone> <!subteam^S0OPS|@ops> <@U0VICTIM> "
    "<https://evil.example/login|https://myapps.amazon.com> <!date^1|x>"
)
MONDAY = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


def obeyed(stack: Stack) -> list[str]:
    """Every control sequence Slack would obey in what opsdesk posted, edited or answered, anywhere."""
    found = []
    for call in stack.slack_api.calls():
        if call["name"] in ("chat.postMessage", "chat.update", "chat.postEphemeral", "views.publish"):
            for text in mrkdwn_texts(call["params"], top_level=False):
                found += [f"{call['name']} {sequence}" for sequence in OBEYED if sequence in text]
    for response in stack.slack_api.responses():
        for text in mrkdwn_texts(response, top_level=False):
            found += [f"response_url {sequence}" for sequence in OBEYED if sequence in text]
    return found


def posted(stack: Stack) -> int:
    return len(stack.slack_api.calls("chat.postMessage")) + len(stack.slack_api.calls("chat.update"))


def declare(stack: Stack, title: str) -> str:
    stack.clock.now = MONDAY
    stack.slack.command(f"declare high: {title}")
    [incident] = entrypoints.wiring().incident_repository.list_open()
    return incident.id


def test_an_incidents_title_updates_and_resolution_ping_nobody(stack: Stack, ledger: Ledger) -> None:
    # GIVEN an incident declared with a hostile title (announced; leadership told, since it is high)
    incident_id = declare(stack, f"Portal down {HOSTILE}")
    # WHEN every text anyone can give it is hostile
    stack.slack.command(f"lead {incident_id}")
    stack.slack.command(f"update {incident_id} {HOSTILE}")
    stack.clock.advance(minutes=30)
    stack.slack.command(f"resolve {incident_id} {HOSTILE} service: Portal")
    # THEN the thread, the announcement and leadership's DMs carry the words, and nothing is obeyed
    dms = [call for call in stack.slack_api.calls("chat.postMessage") if call["params"]["channel"].startswith("U0LEAD")]
    assert dms and posted(stack) > 4
    assert any("&lt;!channel&gt;" in json.dumps(call["params"]) for call in dms)
    ledger.leak("control sequences obeyed in the thread, announcement and DMs", len(obeyed(stack)))


def test_the_morning_checklist_never_reposts_a_request_as_a_ping(stack: Stack, ledger: Ledger) -> None:
    # GIVEN a request in the ops channel whose words ping everyone (Slack delivers them as typed here)
    ops = stack.environment["OPS_CHANNEL_ID"]
    stack.clock.now = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)  # Friday afternoon
    stack.slack.command(HOSTILE, command="/support")
    # WHEN the checklist re-posts the unassigned requests into the team channel on Monday at 08:00
    stack.tick("start-of-day", datetime(2026, 11, 30, 8, 0, tzinfo=UTC))
    team = stack.slack_api.messages(stack.environment["TEAM_CHANNEL_ID"])
    assert any("&lt;!channel&gt;" in json.dumps(message) for message in team), "the request is quoted"
    assert stack.slack_api.messages(ops)
    # THEN nothing in it, nor in the ops channel, is obeyed
    ledger.leak("control sequences obeyed in the checklist", len(obeyed(stack)))


def test_a_board_issue_from_jira_is_quoted_not_obeyed(stack: Stack, ledger: Ledger) -> None:
    # GIVEN Jira's webhook delivering an issue raised on the board with a hostile summary
    jira_webhooks_to(stack, stack.jira)
    issue = stack.jira.raise_on_board(f"Rotate certs {HOSTILE}")
    stack.jira.webhooks.deliver()
    # THEN it is posted for triage once, quoted, with nothing obeyed
    team = [m for m in stack.slack_api.messages(stack.environment["TEAM_CHANNEL_ID"]) if issue["key"] in m["text"]]
    ledger.effects("board posts", len(team), 1)
    ledger.leak("control sequences obeyed in the board post", len(obeyed(stack)))


def test_a_pagerduty_acknowledgement_quotes_the_agent(stack: Stack, ledger: Ledger) -> None:
    # GIVEN an incident and PagerDuty's acknowledgement whose agent summary is hostile
    stack.reconfigure(PAGING_ENABLED="true")
    incident_id = declare(stack, "Database down")
    event = {
        "event_type": "incident.acknowledged",
        "id": "E1",
        "agent": {"summary": HOSTILE},
        "data": {"id": "Q1", "type": "incident", "incident_key": incident_id.lower()},
    }
    response = invoked(stack, "WebhooksFunction", pagerduty_event(json.dumps({"event": event}).encode()))
    # THEN the thread is told, with nothing obeyed
    assert json.loads(response["body"])["recorded"] is True
    ledger.leak("control sequences obeyed in the acknowledgement", len(obeyed(stack)))


def test_a_message_added_from_a_private_channel_is_linked_in_the_ops_thread_never_quoted(
    stack: Stack, ledger: Ledger
) -> None:
    # GIVEN an incident, and a message in a private channel opsdesk is in
    incident_id = declare(stack, "Payments failing")
    secret = "the payroll export is at s3://finance-private/2026"
    stack.slack_api.invite("G0PRIVATE")
    said = stack.slack_api.add_user_message("G0PRIVATE", secret, user="U0CAROL")
    # WHEN someone adds it to the incident's timeline (through the picker)
    stack.slack.message_shortcut(Callback.TIMELINE_SHORTCUT, said, user="U0BOB", channel="G0PRIVATE")
    [picker] = [view for view in stack.slack_api.views() if view.get("callback_id") == Callback.TIMELINE_PICK]
    stack.slack.submit(picker["callback_id"], {"incident": ("select", incident_id)}, picker["private_metadata"])
    # THEN it is on the timeline, the ops thread links to it, and its words are posted nowhere
    entries = entrypoints.wiring().incident_repository.timeline(incident_id)
    ledger.effects("timeline entries quoting it", sum(secret in entry.text for entry in entries), 1)
    ops = stack.environment["OPS_CHANNEL_ID"]
    into_ops = [call for call in stack.slack_api.calls("chat.postMessage") if call["params"]["channel"] == ops]
    assert any("/archives/G0PRIVATE/" in str(call["params"].get("text")) for call in into_ops), "linked"
    # (the picker shows it to the one person who chose it, who can read it where it was said)
    leaked = [call for call in side_effect_calls(stack) if secret in json.dumps(call["params"])]
    ledger.leak("posts quoting the private message", len(leaked))
    # AND `/incident timeline` in the ops channel names where it was said rather than quoting it
    stack.slack.command(f"timeline {incident_id}")
    assert secret not in json.dumps(stack.slack_api.responses())


def test_a_jira_refusal_carrying_pings_and_a_disguised_link_reaches_nobody_as_a_ping(
    stack: Stack, ledger: Ledger, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN a support request, and Jira refusing its ticket with a reason that pings and disguises a link
    # (Jira's 400 quotes what it was sent, and a field's name or a workflow message is anyone's to write)
    ts = "1764496800.009100"
    request = open_request(stack, ts)
    refusal = {"errorMessages": [HOSTILE], "errors": {"summary": HOSTILE}}
    stack.jira.fail_next("POST /rest/api/2/issue", 400, body=refusal)
    # WHEN someone asks for the ticket
    stack.slack.click(SupportAction.RAISE_TICKET, request.id, message_ts=ts)
    # THEN the thread and the person who asked are told what failed and what to do, in opsdesk's words
    ledger.effects("threads told", len(ticket_said(stack, ts, "HTTP 400")), 1)
    assert any("HTTP 400" in text for text in ephemeral_texts(stack)), "the person who asked is told"
    # AND nothing Jira wrote reaches anyone: no ping, no disguised link, not even as words
    ledger.leak("control sequences obeyed", len(obeyed(stack)))
    slack = json.dumps([stack.slack_api.calls(), stack.slack_api.responses()])
    ledger.leak("Jira's words in Slack", slack.count("evil.example"))
    # AND Jira's reason is in the log, for an operator
    assert any("evil.example" in str(getattr(record, "reason", "")) for record in caplog.records)


@pytest.fixture
def confluence(stack: Stack) -> Iterator[ConfluenceStandIn]:
    with ConfluenceStandIn(credentials=(JIRA_EMAIL, CANARIES["JIRA_API_TOKEN"])) as stand_in:
        stack.reconfigure(CONFLUENCE_URL=stand_in.url)
        yield stand_in


def test_a_control_character_in_a_postmortem_never_breaks_the_confluence_copy(
    stack: Stack, ledger: Ledger, confluence: ConfluenceStandIn
) -> None:
    # GIVEN a high-priority incident whose title and resolution carry characters XML forbids (pasted from a log)
    incident_id = declare(stack, "Disk full \x1b[31mERROR\x1b[0m \x00\x08")
    stack.clock.advance(minutes=30)
    stack.slack.command(f"resolve {incident_id} Freed space\x0c; rotated logs\x01 service: Portal")
    # WHEN the postmortem is published
    stack.slack.command(f"publish {incident_id}", command="/postmortem")
    # THEN Confluence accepted the page (the stand-in parses storage as XHTML, as Confluence does)
    said = stack.slack_api.responses()[-1]["text"]
    assert "Confluence was not updated" not in said, said
    [page] = confluence.pages()
    ledger.effects("Confluence pages", 1, 1)
    assert "Disk full [31mERROR[0m" in page["title"] and "\x1b" not in json.dumps(page)
