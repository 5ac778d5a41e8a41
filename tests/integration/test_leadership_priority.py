"""Leadership hears of high-priority incidents, so an incident raised to high is news to them, told once.

GIVEN a normal incident (leadership was not told), WHEN the support team raises it to high by the command
or the button, THEN each leadership contact gets one DM saying it is now high priority, with its title,
lead, status and a link to its thread; a redelivery, lowering it, or a crash and replay never tell twice.
"""

from __future__ import annotations

from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING, Any

import pytest

from opsdesk import entrypoints
from opsdesk.slack.ids import Action
from opsdesk.slack.notifier import SlackIncidentNotifier
from opsdesk.store.incidents import IncidentRepository

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.integration.conftest import Stack

pytestmark = pytest.mark.integration

LEADERSHIP = ("U0LEAD1", "U0LEAD2")  # devstack's LEADERSHIP_IDS


class Crash(Exception):
    """The process died here (a timeout, out of memory): nothing after this step ran."""


@contextmanager
def dies_after(owner: type, name: str) -> Iterator[None]:
    """While open, the first call of owner.name completes and then the process dies."""
    original = getattr(owner, name)
    died = [False]

    def step(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = original(self, *args, **kwargs)
        if not died[0]:
            died[0] = True
            raise Crash(f"died after {owner.__name__}.{name}")
        return result

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(owner, name, step)
        yield


def leadership_dms(stack: Stack) -> dict[str, list[str]]:
    return {
        person: [
            str(call["params"]["text"])
            for call in stack.slack_api.calls("chat.postMessage")
            if call["params"]["channel"] == person
        ]
        for person in LEADERSHIP
    }


def normal_incident(stack: Stack) -> Any:
    stack.slack.command("declare Slow reports")
    [incident] = entrypoints.wiring().incident_repository.list_open()
    stack.slack.command(f"lead {incident.id}", user="U0BOB")
    assert leadership_dms(stack) == {person: [] for person in LEADERSHIP}  # a normal incident: not told
    return incident


def test_raising_an_incident_to_high_tells_leadership_once_with_what_they_need(stack: Stack) -> None:
    incident = normal_incident(stack)
    # WHEN Alice raises it to high (and Slack delivers the same command twice)
    stack.slack.command(f"priority {incident.id} high", trigger_id="raise.1")
    stack.slack.command(f"priority {incident.id} high", trigger_id="raise.1")
    # THEN each leadership contact has one DM: now high, the title, the lead, open, the thread's link
    announcement = entrypoints.wiring().incident_repository.get(incident.id).announcement
    assert announcement is not None
    permalink = stack.slack_api.calls("chat.getPermalink")[-1]
    assert permalink["params"]["message_ts"] == announcement.ts
    for person, [dm] in leadership_dms(stack).items():
        assert dm.startswith(f"Now high priority: {incident.id}"), person
        assert "Slow reports" in dm and "<@U0BOB>" in dm and "open" in dm
        assert f"|its thread> in <#{announcement.channel}>" in dm
    assert entrypoints.wiring().incident_repository.get(incident.id).pending == frozenset()


def test_lowering_and_raising_again_tells_leadership_again_and_the_button_does_the_same(stack: Stack) -> None:
    incident = normal_incident(stack)
    stack.slack.click(Action.CHANGE_PRIORITY, f"{incident.id}:high")
    stack.clock.advance(minutes=5)
    stack.slack.click(Action.CHANGE_PRIORITY, f"{incident.id}:normal")
    assert [len(dms) for dms in leadership_dms(stack).values()] == [1, 1]  # lowering is not news to them
    stack.clock.advance(minutes=5)
    stack.slack.command(f"priority {incident.id} high")
    assert [len(dms) for dms in leadership_dms(stack).values()] == [2, 2]


@pytest.mark.parametrize(
    ("owner", "step"),
    [
        pytest.param(IncidentRepository, "save", id="after-the-change-is-stored"),
        pytest.param(SlackIncidentNotifier, "tell_leadership", id="after-leadership-is-told"),
    ],
)
def test_a_crash_after_raising_to_high_is_finished_by_the_replay_and_never_told_twice(
    stack: Stack, owner: type, step: str
) -> None:
    incident = normal_incident(stack)
    with dies_after(owner, step), suppress(Crash):
        stack.slack.command(f"priority {incident.id} high", trigger_id="raise.crash")
    stack.clock.advance(minutes=1)  # Lambda retries a failed async invocation a minute later
    stack.slack.command(f"priority {incident.id} high", trigger_id="raise.crash")
    assert [len(dms) for dms in leadership_dms(stack).values()] == [1, 1]
    stored = entrypoints.wiring().incident_repository.get(incident.id)
    assert (stored.priority.value, stored.pending) == ("high", frozenset())
