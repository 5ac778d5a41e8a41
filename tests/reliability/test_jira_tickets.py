"""A request's Jira ticket against today's Jira Cloud: filed exactly once, refusals said once, text kept as text.

Jira Cloud's search lags its writes (the stand-in's index catches up 5 s after a change, on the case's
clock), so none of these would hold for a flow that searched before creating.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from opsdesk import entrypoints
from opsdesk.domain.requests import TicketState
from opsdesk.flows.ticket_filing import TicketFiling
from opsdesk.integrations.jira_errors import CREDENTIALS_REFUSED
from opsdesk.slack.support_ids import SupportAction
from tests.reliability.faults import rendezvous
from tests.reliability.kit import click_payload, dms_to, run_concurrently
from tests.reliability.test_neighbours import ephemeral_texts, open_request, stored_request, ticket_said

if TYPE_CHECKING:
    from tests.reliability.conftest import Stack
    from tests.reliability.faults import Sleeps
    from tests.reliability.kit import Ledger

OPS = "C0OPS"
REMOVED = "The requested API has been removed"


def raise_ticket_click(stack: Stack, request_id: str, ts: str, action_ts: str, user: str) -> dict[str, Any]:
    """One click on the request's "Raise Jira ticket", as Slack delivers (and redelivers) it."""
    response_url = stack.slack.response_url(user)
    return click_payload(
        OPS,
        SupportAction.RAISE_TICKET,
        request_id,
        user=user,
        action_ts=action_ts,
        response_url=response_url,
        message_ts=ts,
    )


def click(stack: Stack, request_id: str, ts: str, action_ts: str, user: str = "U0ALICE") -> dict[str, Any]:
    return stack.slack.interaction(raise_ticket_click(stack, request_id, ts, action_ts, user))


def filed_once(stack: Stack, ledger: Ledger, ts: str) -> None:
    """One issue in Jira, and one "Ticket raised" in the request's thread."""
    ledger.effects("Jira tickets", len(stack.jira.issues()), 1)
    ledger.effects("'Ticket raised' posts", len(ticket_said(stack, ts, "Ticket raised")), 1)


def jira_calls_since(stack: Stack, before: int) -> list[dict[str, Any]]:
    return stack.jira.calls()[before:]


# ---------------------------------------------------------------- duplicates


@pytest.mark.reliability("duplicates")
def test_a_double_click_on_raise_ticket_files_one_ticket(stack: Stack, ledger: Ledger) -> None:
    ts = "1764496800.001100"
    request = open_request(stack, ts)
    # Both clicks reach the filing step together, as a double click on a slow connection does.
    with rendezvous(TicketFiling, "file", parties=2):
        answers = run_concurrently(
            [lambda n=n: click(stack, request.id, ts, f"1764497000.00110{n}") for n in range(2)]  # type: ignore[misc]
        )
    assert [answer["statusCode"] for answer in answers] == [200, 200]
    filed_once(stack, ledger, ts)
    ledger.effects("product manager told", len(dms_to(stack, "U0PAM")), 1)


@pytest.mark.reliability("duplicates")
def test_the_same_click_delivered_again_after_it_filed_files_nothing_more(stack: Stack, ledger: Ledger) -> None:
    ts = "1764496800.001200"
    request = open_request(stack, ts)
    payload = raise_ticket_click(stack, request.id, ts, "1764497000.001200", "U0ALICE")
    for _ in range(3):  # Slack retries a click it thinks was not acknowledged
        assert stack.slack.interaction(payload)["statusCode"] == 200
    filed_once(stack, ledger, ts)


# ---------------------------------------------------------------- races


@pytest.mark.reliability("races")
def test_five_clicks_and_two_sweeps_at_once_file_one_ticket(stack: Stack, ledger: Ledger) -> None:
    ts = "1764496800.001300"
    request = open_request(stack, ts)
    # GIVEN the ticket is pending after Jira failed once, and long enough ago for anyone to retry it
    stack.jira.fail_next("POST /rest/api/2/issue", 503)
    click(stack, request.id, ts, "1764497000.001300")
    assert stored_request(stack, ts).ticket_state is TicketState.PENDING
    later = stack.clock.advance(minutes=5)
    # WHEN five people click and two sweeps run at the same moment
    work = [lambda n=n: click(stack, request.id, ts, f"1764497100.00130{n}", f"U0{'ABCDE'[n]}") for n in range(5)]
    work += [lambda: stack.tick("triage-sweep", later) for _ in range(2)]
    with rendezvous(TicketFiling, "file", parties=len(work)):
        run_concurrently(work)  # type: ignore[arg-type]
    # THEN one ticket, announced once
    filed_once(stack, ledger, ts)
    assert stored_request(stack, ts).ticket_key == stack.jira.issues()[0]["key"]


# ---------------------------------------------------------------- failing neighbours


@pytest.mark.reliability("failing neighbours")
def test_a_410_is_said_once_not_retried_and_filed_once_the_cause_is_fixed(stack: Stack, ledger: Ledger) -> None:
    # GIVEN opsdesk configured as if Jira Cloud were Data Center: its label search calls the removed /search
    stack.reconfigure(JIRA_DEPLOYMENT="datacenter")
    ts = "1764496800.001400"
    request = open_request(stack, ts)
    stack.jira.fail_next("POST /rest/api/2/issue", 503)  # the first try fails, so the next one searches first
    click(stack, request.id, ts, "1764497000.001400")
    # WHEN the sweeps retry it
    stack.tick("triage-sweep", stack.clock.advance(minutes=5))
    before = len(stack.jira.calls())
    for _ in range(3):
        stack.tick("triage-sweep", stack.clock.advance(minutes=5))
    # THEN Jira's 410 made it FAILED, said once in the thread with the setting to check, and nothing retries it
    failed = stored_request(stack, ts)
    assert failed.ticket_state is TicketState.FAILED and "HTTP 410" in failed.ticket_error
    ledger.effects("Jira calls after the refusal", len(jira_calls_since(stack, before)), 0)
    ledger.effects("threads told of the refusal", len(ticket_said(stack, ts, "check JIRA_DEPLOYMENT")), 1)
    ledger.leak("threads quoting Jira's words", len(ticket_said(stack, ts, REMOVED)))
    ledger.effects("product manager told of a ticket", len(dms_to(stack, "U0PAM")), 0)
    ledger.lose("support requests", 0 if failed.ticket_state is TicketState.FAILED else 1)
    # AND once the setting is fixed, asking again files exactly one ticket
    stack.reconfigure(JIRA_DEPLOYMENT="auto")
    click(stack, request.id, ts, "1764497900.001400")
    filed_once(stack, ledger, ts)


@pytest.mark.reliability("failing neighbours")
def test_a_403_on_create_is_said_once_with_what_to_fix_and_the_clicker_hears_it(stack: Stack, ledger: Ledger) -> None:
    ts = "1764496800.001500"
    request = open_request(stack, ts)
    refusal = {"errorMessages": ["You do not have permission to create issues in this project."], "errors": {}}
    stack.jira.fail_next("POST /rest/api/2/issue", 403, body=refusal)
    click(stack, request.id, ts, "1764497000.001500")
    for _ in range(2):
        stack.tick("triage-sweep", stack.clock.advance(minutes=5))
    assert stored_request(stack, ts).ticket_state is TicketState.FAILED
    ledger.effects("creates tried", len(stack.jira.calls("POST /rest/api/2/issue")), 1)
    ledger.effects("threads told", len(ticket_said(stack, ts, "give it permission in the project")), 1)
    ledger.leak("threads quoting Jira's words", len(ticket_said(stack, ts, "You do not have permission")))
    told = [text for text in ephemeral_texts(stack) if "HTTP 403" in text]
    ledger.effects("clicker told", len(told), 1)
    assert not any("will be retried" in text for text in ephemeral_texts(stack))


@pytest.mark.reliability("failing neighbours")
def test_credentials_jira_refuses_twice_are_named_once_and_not_retried(stack: Stack, ledger: Ledger) -> None:
    ts = "1764496800.001600"
    request = open_request(stack, ts)
    stack.jira.fail_next("*", 401, times=10)
    click(stack, request.id, ts, "1764497000.001600")
    stack.tick("triage-sweep", stack.clock.advance(minutes=5))
    ledger.effects("attempts (one, then one after re-reading the token)", len(stack.jira.calls()), 2)
    ledger.effects("threads told", len(ticket_said(stack, ts, CREDENTIALS_REFUSED)), 1)


@pytest.mark.reliability("failing neighbours")
def test_a_short_429_is_waited_out_and_the_ticket_filed_once(stack: Stack, ledger: Ledger, sleeps: Sleeps) -> None:
    entrypoints.wiring().integrations.jira.sleep = sleeps.module("jira").sleep
    ts = "1764496800.001700"
    request = open_request(stack, ts)
    stack.jira.fail_next("POST /rest/api/2/issue", 429, headers={"Retry-After": "2"})
    click(stack, request.id, ts, "1764497000.001700")
    assert sleeps.of("jira") == [2.0]
    filed_once(stack, ledger, ts)


# ---------------------------------------------------------------- forgery


@pytest.mark.reliability("forgery")
def test_an_issue_in_another_project_with_the_requests_label_is_not_taken_for_its_ticket(
    stack: Stack, ledger: Ledger
) -> None:
    ts = "1764496800.001800"
    request = open_request(stack, ts)
    # GIVEN someone plants an issue carrying the request's label in another project
    stack.jira.add_project("SEC")
    planted = stack.jira.raise_on_board("Looks like yours", labels=(request.label,), project="SEC")
    # AND the first try failed, so the next one looks for the label before creating
    stack.jira.fail_next("POST /rest/api/2/issue", 503)
    click(stack, request.id, ts, "1764497000.001800")
    stack.tick("triage-sweep", stack.clock.advance(minutes=5))
    # THEN opsdesk files its own ticket in its project, never records the planted one
    stored = stored_request(stack, ts)
    assert stored.ticket_key and stored.ticket_key.startswith("OPS-") and stored.ticket_key != planted["key"]
    ledger.effects("tickets filed in OPS", len([i for i in stack.jira.issues() if i["key"].startswith("OPS-")]), 1)


# ---------------------------------------------------------------- injection

MARKUP = {
    "image": "!http://evil.example/track.png!",
    "link": "[your invoice|http://evil.example/login]",
    "html": "{html}<img src=x onerror=alert(1)>{html}",
    "mention": "[~accountid:557058:0c0a7f1e-abcd]",
}
# What Jira must receive instead: each markup character escaped (Jira's notation shows \\X as X).
ESCAPED = {
    "image": "\\!http://evil.example/track.png\\!",
    "link": "\\[your invoice\\|http://evil.example/login\\]",
    "html": "\\{html\\}<img src=x onerror=alert(1)>\\{html\\}",
    "mention": "\\[\\~accountid:557058:0c0a7f1e-abcd\\]",
}


@pytest.mark.reliability("injection")
@pytest.mark.parametrize("kind", sorted(MARKUP))
def test_jira_markup_typed_in_slack_reaches_the_ticket_as_text(stack: Stack, ledger: Ledger, kind: str) -> None:
    serial = sorted(MARKUP).index(kind)
    ts = f"1764496800.00190{serial}"
    request = open_request(stack, ts, text="Export broken, please help")
    stack.slack_api.add_user_message(OPS, f"More: {MARKUP[kind]}", user="U0DAVE", thread_ts=ts)
    click(stack, request.id, ts, f"1764497000.00190{serial}")
    [issue] = stack.jira.issues()
    description = str(issue["fields"]["description"])
    # The thread's reply reaches the ticket's record escaped, never as live markup
    ledger.leak(f"live {kind} markup in the ticket", description.count(MARKUP[kind]))
    ledger.effects(f"{kind} text shown as typed", description.count(ESCAPED[kind]), 1)
