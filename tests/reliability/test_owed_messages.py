"""Owed messages: a change stored but not yet told is finished by the replay, once; one call for help per check-in.

GIVEN a high-priority incident, WHEN a lead, comms, update, priority or reopen change is stored and then Slack
fails (every retry) or the process dies before the thread, the announcement and leadership are told, THEN
Lambda's retry of the same event finds the change already applied and its messages still owed, and posts each
of them exactly once (nothing twice for the ones that did go out before the crash).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from devstack.runtime import FunctionError
from opsdesk import entrypoints
from opsdesk.domain.ids import short_id
from opsdesk.domain.incidents import Followup
from opsdesk.slack.ids import Action
from opsdesk.slack.notifier import SlackIncidentNotifier
from opsdesk.store.incidents import IncidentRepository
from tests.reliability.kit import dms_to
from tests.reliability.test_crash import crash_after

if TYPE_CHECKING:
    from tests.reliability.conftest import Stack
    from tests.reliability.faults import Sleeps
    from tests.reliability.kit import Ledger

pytestmark = pytest.mark.reliability("owed messages")

OPS = "C0OPS"
UPDATE = "Update on {id}"
# (the command that changes the incident, what the thread says of it, the DM headline leadership is owed and how
# many of them each contact gets)
CHANGES = {
    "lead": ("lead {id} <@U0BOB>", "is leading this incident", UPDATE, 0),
    "comms": ("comms {id} <@U0CAROL>", "is handling comms", UPDATE, 0),
    "update": ("update {id} Failover in progress", "Failover in progress", UPDATE, 1),
    "priority": ("priority {id} normal", "Priority is now", UPDATE, 0),
    "raise": ("priority {id} high", "Priority is now *high*", "Now high priority: {id}", 1),
    "reopen": ("reopen {id}", "Reopened by", UPDATE, 0),
}
# What an hourly tick owes a high-priority incident's thread an hour after it was declared with no update since.
TICK_POSTS = {
    Followup.CHECKIN_QUESTION: "Hourly check-in.",
    Followup.UPDATE_REMINDER: "no update has gone out on",
}


def incident_for(stack: Stack, change: str) -> str:
    trigger = f"900.100.{change}.declare"
    priority = "" if change == "raise" else "high: "  # raised to high from normal
    stack.slack.command(f"declare {priority}Checkout failing", trigger_id=trigger)
    incident_id = short_id("INC", f"slack-command:{trigger}")
    if change == "reopen":
        stack.slack.command(f"resolve {incident_id} Rolled back service: Checkout")
    return incident_id


def in_thread(stack: Stack, incident_id: str, needle: str) -> int:
    incident = entrypoints.wiring().incident_repository.get(incident_id)
    assert incident.announcement is not None
    replies = stack.slack_api.thread(OPS, incident.announcement.ts)[1:]
    return len([message for message in replies if needle in message.get("text", "")])


def to_leadership(stack: Stack, headline: str) -> int:
    return len([call for call in dms_to(stack, "U0LEAD1") if headline in call["params"]["text"]])


def calls_for_help(stack: Stack) -> list[dict[str, Any]]:
    """The calls for more people the whole channel saw (updates are broadcast too: they are not counted)."""
    return [
        call
        for call in stack.slack_api.calls("chat.postMessage")
        if call["params"].get("reply_broadcast") and call["status"] == 200
        if str(call["params"].get("text", "")).startswith(":sos:")
    ]


def owed(incident_id: str) -> Any:
    return entrypoints.wiring().incident_repository.get(incident_id).owed_entries


def still_owed(incident_id: str) -> int:
    """Everything the incident still owes: entries' messages and other follow-ups."""
    incident = entrypoints.wiring().incident_repository.get(incident_id)
    return len(incident.owed_entries) + len(incident.pending)


@pytest.mark.parametrize("change", list(CHANGES))
def test_slack_failing_after_the_write_leaves_the_message_owed_and_the_retry_posts_it_once(
    stack: Stack, ledger: Ledger, sleeps: Sleeps, change: str
) -> None:
    incident_id = incident_for(stack, change)
    command, said, headline, dms = CHANGES[change]
    trigger = f"900.200.{change}"
    # WHEN Slack refuses every attempt right after the change is stored
    stack.slack_api.fail_next("chat.update", 500, times=3)  # the announcement's refresh comes first
    # AND Lambda retries the failed invocation (the local lazy runner retries as Lambda does)
    stack.slack.command(command.format(id=incident_id), trigger_id=trigger)
    # AND Slack redelivers the command too: nothing twice
    stack.slack.command(command.format(id=incident_id), trigger_id=trigger)
    # THEN the thread (and for an update, leadership) is told exactly once, and nothing is owed
    ledger.effects(f"{change} posts in the thread", in_thread(stack, incident_id, said), 1)
    told = to_leadership(stack, headline.format(id=incident_id))
    ledger.effects(f"{change} DMs to a leadership contact", told, dms)
    ledger.lose("owed messages", len(owed(incident_id)))


@pytest.mark.parametrize("change", list(CHANGES))
def test_a_crash_after_the_thread_post_is_finished_by_the_replay_without_posting_twice(
    stack: Stack, ledger: Ledger, change: str
) -> None:
    incident_id = incident_for(stack, change)
    command, said, headline, dms = CHANGES[change]
    trigger = f"900.300.{change}"
    # WHEN the process dies right after telling the thread (leadership not yet told, nothing cleared)
    with crash_after(SlackIncidentNotifier, "recorded"):
        stack.slack.command(command.format(id=incident_id), trigger_id=trigger)
    stack.clock.advance(minutes=1)  # Lambda retries a failed async invocation a minute later: the lease lapsed
    stack.slack.command(command.format(id=incident_id), trigger_id=trigger)
    # THEN the replay finds the thread message (never posts it again) and finishes the rest
    ledger.effects(f"{change} posts in the thread", in_thread(stack, incident_id, said), 1)
    told = to_leadership(stack, headline.format(id=incident_id))
    ledger.effects(f"{change} DMs to a leadership contact", told, dms)
    ledger.lose("owed messages", len(owed(incident_id)))


def test_five_calls_for_more_people_in_one_check_in_broadcast_once(stack: Stack, ledger: Ledger) -> None:
    incident_id = incident_for(stack, "help")
    broadcasts = lambda: [  # noqa: E731
        call
        for call in stack.slack_api.calls("chat.postMessage")
        if call["params"].get("reply_broadcast")
        and call["status"] == 200
        and call["params"]["text"].startswith(":sos:")
    ]
    # WHEN five people answer the same check-in "we need more people"
    for user in ("U0ALICE", "U0BOB", "U0CAROL", "U0ALICE", "U0BOB"):
        stack.slack.click(Action.CHECKIN_MORE_PEOPLE, incident_id, user=user)
    # THEN the whole channel is asked once; the answers are on the timeline
    ledger.effects("calls for help broadcast", len(broadcasts()), 1)
    # AND after the next check-in, a new call is heard again
    stack.clock.advance(minutes=61)
    stack.tick("incident-checkins", stack.clock.now)
    stack.slack.click(Action.CHECKIN_MORE_PEOPLE, incident_id, user="U0CAROL")
    ledger.effects("calls for help broadcast after the next check-in", len(broadcasts()), 2)


def test_a_crash_after_the_call_for_help_is_not_broadcast_twice(stack: Stack, ledger: Ledger) -> None:
    incident_id = incident_for(stack, "help-crash")
    click = Action.CHECKIN_MORE_PEOPLE
    with crash_after(SlackIncidentNotifier, "call_for_help"):
        stack.slack.click(click, incident_id, user="U0BOB")
    stack.clock.advance(minutes=1)
    # Lambda retries the failed invocation (the local lazy runner does, as Lambda would): it finds the call owed
    broadcasts = calls_for_help(stack)
    ledger.effects("calls for help broadcast", len(broadcasts), 1)
    ledger.lose("owed messages", len(owed(incident_id)))


def test_slack_failing_after_a_tick_holds_the_check_in_leaves_it_owed_and_the_retry_posts_each_message_once(
    stack: Stack, ledger: Ledger, sleeps: Sleeps
) -> None:
    incident_id = incident_for(stack, "tick")
    # GIVEN an hour without an update: the check-in is due, and so is a reminder to give an update
    at = stack.clock.advance(minutes=61)
    # WHEN Slack refuses every attempt at the tick's first post, after the check-in was stored
    stack.slack_api.fail_next("chat.postMessage", 500, times=3)
    with pytest.raises(FunctionError):
        stack.tick("incident-checkins", at)
    assert Followup.CHECKIN_QUESTION in entrypoints.wiring().incident_repository.get(incident_id).pending
    # AND Lambda retries the failed tick a minute later (the same event), and Scheduler delivers it again
    stack.clock.advance(minutes=1)
    stack.tick("incident-checkins", at)
    stack.tick("incident-checkins", at)
    # THEN the question and the reminder are each in the thread once, and nothing is owed
    for followup, said in TICK_POSTS.items():
        ledger.effects(f"{followup} posts in the thread", in_thread(stack, incident_id, said), 1)
    ledger.lose("owed messages", still_owed(incident_id))


@pytest.mark.parametrize(
    ("owner", "step", "nth", "followup"),
    [
        # The tick's writes: the check-in (1), its follow-ups done (2), the reminder (3), its follow-ups done (4).
        pytest.param(IncidentRepository, "save", 1, Followup.CHECKIN_QUESTION, id="after-storing-the-check-in"),
        pytest.param(SlackIncidentNotifier, "ask_checkin", 1, Followup.CHECKIN_QUESTION, id="after-asking"),
        pytest.param(IncidentRepository, "save", 3, Followup.UPDATE_REMINDER, id="after-storing-the-reminder"),
        pytest.param(SlackIncidentNotifier, "update_overdue", 1, Followup.UPDATE_REMINDER, id="after-reminding"),
    ],
)
def test_a_tick_crashing_before_or_after_its_post_is_finished_by_the_retry_posting_each_message_once(
    stack: Stack, ledger: Ledger, owner: type, step: str, nth: int, followup: Followup
) -> None:
    incident_id = incident_for(stack, f"tick-crash-{step}-{nth}")
    at = stack.clock.advance(minutes=61)
    # WHEN the process dies at this step of the tick
    with crash_after(owner, step, nth=nth), pytest.raises(Exception, match="crashed after"):
        stack.tick("incident-checkins", at)
    assert followup in entrypoints.wiring().incident_repository.get(incident_id).pending, "the crash came too late"
    # AND Lambda retries the tick a minute later (the dead run's lease has lapsed)
    stack.clock.advance(minutes=1)
    stack.tick("incident-checkins", at)
    # THEN the question and the reminder are each in the thread once (found, not posted again), nothing owed
    for owed_followup, said in TICK_POSTS.items():
        ledger.effects(f"{owed_followup} posts in the thread", in_thread(stack, incident_id, said), 1)
    ledger.lose("owed messages", still_owed(incident_id))
