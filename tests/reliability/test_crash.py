"""Crash in the middle: a failure right after each step of a flow, then the same event replayed.

The end state must equal the no-fault run, with exactly one of each side effect. A crash is
injected by letting a step finish (its write stored, its message posted) and then raising,
as a Lambda timeout or an out-of-memory kill would leave it.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import pytest

from opsdesk import entrypoints
from opsdesk.domain.ids import short_id
from opsdesk.domain.incidents import EntryKind
from opsdesk.flows.postmortems import PostmortemFlows
from opsdesk.slack.notifier import SlackIncidentNotifier
from opsdesk.slack.support_ids import SupportAction
from opsdesk.store.incidents import IncidentRepository
from opsdesk.store.requests import RequestRepository
from tests.integration.test_alarms import AUTO_DECLARE, sns_event, use_routes
from tests.reliability.kit import announcements, dms_to, message_event

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.reliability.conftest import Stack
    from tests.reliability.kit import Ledger

pytestmark = pytest.mark.reliability("crash in the middle")

OPS = "C0OPS"


class Crash(Exception):
    """The process died here (timeout, out of memory): nothing after this step ran."""


@contextmanager
def crash_after(owner: type, name: str, *, nth: int = 1) -> Iterator[list[int]]:
    """While open: let the n-th call of owner.name complete, then raise Crash (once). Yields the call counter."""
    original = getattr(owner, name)
    calls = [0]

    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = original(self, *args, **kwargs)
        calls[0] += 1
        if calls[0] == nth:
            raise Crash(f"crashed after {owner.__name__}.{name}")
        return result

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(owner, name, wrapper)
        yield calls


def repository() -> Any:
    return entrypoints.wiring().incident_repository


def thread_of(stack: Stack, incident_id: str) -> list[dict[str, Any]]:
    incident = repository().get(incident_id)
    assert incident.announcement is not None, "never announced"
    return stack.slack_api.thread(OPS, incident.announcement.ts)[1:]


def with_text(messages: list[dict[str, Any]], needle: str) -> int:
    return len([message for message in messages if needle in message.get("text", "")])


# ---------------------------------------------------------------- declare

DECLARE_STEPS: list[tuple[type, str, int]] = [
    (IncidentRepository, "create", 1),  # stored, nothing posted
    (SlackIncidentNotifier, "announce", 1),  # announced, its ts not yet stored
    (IncidentRepository, "save", 1),  # announcement remembered, leadership not told
    (SlackIncidentNotifier, "tell_leadership", 1),  # leadership told, observers not run
]


def _declare_expectations(stack: Stack, ledger: Ledger, incident_id: str) -> None:
    ledger.lose("incidents", 1 - len(repository().list_open()))
    ledger.effects("announcements", len(announcements(stack)), 1)
    ledger.effects("leadership DMs", len(dms_to(stack, "U0LEAD")), 2)
    kinds = [entry.kind for entry in repository().timeline(incident_id)]
    ledger.effects("declared timeline entries", kinds.count(EntryKind.DECLARED), 1)
    incident = repository().get(incident_id)
    assert incident.announcement is not None and incident.announcement.ts == announcements(stack)[0]["ts"]


@pytest.mark.parametrize(
    ("owner", "step", "nth"),
    [
        pytest.param(*DECLARE_STEPS[0], id="after-store"),
        pytest.param(
            *DECLARE_STEPS[1],
            id="after-announce",
        ),
        pytest.param(
            *DECLARE_STEPS[2],
            id="after-remembering-the-announcement",
        ),
        pytest.param(*DECLARE_STEPS[3], id="after-telling-leadership"),
    ],
)
def test_declare_crashing_after_each_step_then_replayed_ends_as_the_no_fault_run(
    stack: Stack, ledger: Ledger, owner: type, step: str, nth: int
) -> None:
    trigger = f"700.800.declare.{step}"
    with crash_after(owner, step, nth=nth):
        # High priority: leadership is told (a normal incident reaches them in the weekly report).
        stack.slack.command("declare high: Database down", trigger_id=trigger)  # the lazy part dies mid-way
    stack.clock.advance(minutes=1)  # Lambda retries a failed async invocation a minute later
    stack.slack.command("declare high: Database down", trigger_id=trigger)  # Lambda's retry: the same event
    _declare_expectations(stack, ledger, short_id("INC", f"slack-command:{trigger}"))


# ---------------------------------------------------------------- resolve


def _open_high_incident(stack: Stack) -> str:
    trigger = "700.800.resolve.declare"
    stack.slack.command("declare high: Checkout failing", trigger_id=trigger)
    return short_id("INC", f"slack-command:{trigger}")


@pytest.mark.parametrize(
    ("owner", "step"),
    [
        pytest.param(
            IncidentRepository,
            "save",
            id="after-storing",
        ),
        pytest.param(
            SlackIncidentNotifier,
            "post_in_thread",
            id="after-the-thread-post",
        ),
        pytest.param(PostmortemFlows, "on_resolved", id="after-opening-the-postmortem"),
    ],
)
def test_resolve_crashing_after_each_step_then_replayed_ends_as_the_no_fault_run(
    stack: Stack, ledger: Ledger, owner: type, step: str
) -> None:
    incident_id = _open_high_incident(stack)
    dms_before = len(dms_to(stack, "U0LEAD"))
    trigger = f"700.800.resolve.{step}"
    with crash_after(owner, step):
        stack.slack.command(f"resolve {incident_id} Rolled back the deploy service: checkout", trigger_id=trigger)
    stack.clock.advance(minutes=1)  # Lambda retries a failed async invocation a minute later
    stack.slack.command(f"resolve {incident_id} Rolled back the deploy service: checkout", trigger_id=trigger)
    incident = repository().get(incident_id)
    assert not incident.is_open
    kinds = [entry.kind for entry in repository().timeline(incident_id)]
    ledger.effects("resolved timeline entries", kinds.count(EntryKind.RESOLVED), 1)
    ledger.effects("'Resolved' thread posts", with_text(thread_of(stack, incident_id), "*Resolved*"), 1)
    in_channel = [m for m in stack.ops_messages() if m.get("subtype") == "thread_broadcast"]
    ledger.effects("'Resolved' also sent to the channel", with_text(in_channel, "*Resolved*"), 1)
    ledger.effects("leadership DMs about the resolution", len(dms_to(stack, "U0LEAD")) - dms_before, 2)
    postmortems = [item for item in _items_with_prefix(stack, "POSTMORTEM#")]
    ledger.effects("postmortems opened", len(postmortems), 1)


def _items_with_prefix(stack: Stack, prefix: str) -> list[dict[str, Any]]:
    from tests.reliability.kit import table_items

    return [item for item in table_items(stack) if item["pk"]["S"].startswith(prefix) and item["sk"]["S"] == "META"]


# ---------------------------------------------------------------- alarm


@pytest.mark.parametrize(
    ("owner", "step"),
    [
        pytest.param(IncidentRepository, "create", id="after-store"),
        pytest.param(
            SlackIncidentNotifier,
            "announce",
            id="after-announce",
        ),
        pytest.param(
            SlackIncidentNotifier,
            "tell_leadership",
            id="after-telling-leadership",
        ),
    ],
)
def test_alarm_crashing_after_each_step_then_redelivered_ends_as_the_no_fault_run(
    stack: Stack,
    ledger: Ledger,
    owner: type,
    step: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    use_routes(stack, AUTO_DECLARE, monkeypatch)  # an alarm the team agreed is always an incident
    with crash_after(owner, step), pytest.raises(Exception, match="crashed after"):
        stack.invoke("AlarmsFunction", sns_event())
    stack.clock.advance(minutes=1)  # Lambda retries the failed delivery a minute later
    stack.invoke("AlarmsFunction", sns_event())  # SNS redelivers
    [incident] = repository().list_open()
    ledger.effects("announcements", len(announcements(stack)), 1)
    ledger.effects("leadership DMs", len(dms_to(stack, "U0LEAD")), 2)
    ledger.effects("timeline entries (the alarm, the declaration)", len(repository().timeline(incident.id)), 2)
    alerts = [
        message
        for message in stack.slack_api.messages(stack.environment["TEAM_CHANNEL_ID"])
        if message.get("thread_ts") in (None, message["ts"])
    ]
    ledger.effects("alert messages", len(alerts), 1)


# ---------------------------------------------------------------- ticket


def _crash_steps_of_tickets() -> list[Any]:
    from opsdesk.flows.tickets import Tickets
    from opsdesk.integrations.jira import JiraTracker

    # The request is saved three times on the way: marked pending, claimed for filing, its key recorded.
    return [
        pytest.param(RequestRepository, "save", 1, id="after-marking-pending"),
        pytest.param(RequestRepository, "save", 2, id="after-claiming-the-filing"),
        pytest.param(JiraTracker, "create", 1, id="after-jira-created-the-issue"),
        pytest.param(RequestRepository, "save", 3, id="after-storing-the-ticket-key"),
        pytest.param(Tickets, "_filed", 1, id="after-telling-everyone"),
    ]


@pytest.mark.parametrize(("owner", "step", "nth"), _crash_steps_of_tickets())
def test_ticket_crashing_after_each_step_then_replayed_files_one_ticket(
    stack: Stack, ledger: Ledger, owner: type, step: str, nth: int
) -> None:
    ts = "1764496800.000700"
    text = "The nightly export stopped"
    stack.slack_api.add_user_message(OPS, text, user="U0DAVE")
    stack.slack.event(message_event(OPS, "U0DAVE", text, ts))
    request = RequestRepository(stack.environment["TABLE_NAME"]).get(OPS, ts)
    with crash_after(owner, step, nth=nth) as calls:
        stack.slack.click(SupportAction.RAISE_TICKET, request.id, message_ts=ts)
    assert calls[0] >= nth, f"the step {step} was not reached"
    stack.slack.click(SupportAction.RAISE_TICKET, request.id, message_ts=ts)  # the person clicks again
    stack.tick("triage-sweep", stack.clock.advance(minutes=5))  # and the sweep retries what is pending
    ledger.effects("Jira tickets", len(stack.jira.issues()), 1)
    stored = RequestRepository(stack.environment["TABLE_NAME"]).get(OPS, ts)
    assert stored.ticket_key == stack.jira.issues()[0]["key"]
    thread = stack.slack_api.thread(OPS, ts)
    ledger.effects("'Ticket raised' posts", with_text(thread, "Ticket raised"), 1)
