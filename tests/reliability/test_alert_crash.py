"""An alarm change that dies after each step of its alert, then is delivered again, ends as the run with no fault.

The second delivery comes a minute later, as Lambda retries a failed invocation (past the follow-ups' lease);
a copy arriving while the first run still holds the lease leaves the work to it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest

from opsdesk import entrypoints
from opsdesk.slack.alert_notifier import SlackAlertNotifier
from opsdesk.store.alerts import AlertRepository
from tests.integration.test_alarms import ARN, T0, eventbridge_event, sns_event
from tests.reliability.test_crash import crash_after

if TYPE_CHECKING:
    from tests.reliability.conftest import Stack
    from tests.reliability.kit import Ledger

pytestmark = pytest.mark.reliability("crash in the middle")


def team_messages(stack: Stack) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Top-level alert messages, and thread lines, in the team channel."""
    messages = stack.slack_api.messages(stack.environment["TEAM_CHANNEL_ID"])
    top = [message for message in messages if message.get("thread_ts") in (None, message["ts"])]
    return top, [message for message in messages if message not in top]


def second(stack: Stack, state: str = "ALARM", minutes: float = 1) -> dict[str, Any]:
    name = "prod-api-latency"
    return stack.invoke(
        "AlarmsFunction",
        sns_event(state, T0 + timedelta(minutes=minutes), arn=ARN.replace("prod-api-5xx", name), name=name),
    )


@pytest.mark.parametrize(
    ("owner", "step"),
    [
        pytest.param(AlertRepository, "create", id="after-storing-the-alert"),
        pytest.param(SlackAlertNotifier, "post", id="after-posting-it"),
    ],
)
def test_raising_an_alert_crashing_after_each_step_then_redelivered_posts_it_once(
    stack: Stack, ledger: Ledger, owner: type, step: str
) -> None:
    stack.clock.now = T0
    with crash_after(owner, step), pytest.raises(Exception, match="crashed after"):
        stack.invoke("AlarmsFunction", sns_event())
    # A copy from the other path while the dead run's lease still holds: left to it, nothing done twice
    assert stack.invoke("AlarmsFunction", eventbridge_event()) == {"duplicate": 1}
    stack.clock.advance(minutes=1)  # Lambda retries a failed delivery a minute later
    stack.invoke("AlarmsFunction", sns_event())
    top, _ = team_messages(stack)
    ledger.effects("alert messages", len(top), 1)
    [group] = entrypoints.wiring().alerts.alerts.list_open()
    assert group.owed == () and group.message is not None and group.message.ts == top[0]["ts"]
    # AND the change is now seen: a later copy costs one read and changes nothing
    assert stack.invoke("AlarmsFunction", sns_event()) == {"duplicate": 1}


def test_joining_an_alert_crashing_after_the_thread_line_then_redelivered_posts_the_line_once(
    stack: Stack, ledger: Ledger
) -> None:
    stack.clock.now = T0
    stack.invoke("AlarmsFunction", sns_event())
    with crash_after(SlackAlertNotifier, "note"), pytest.raises(Exception, match="crashed after"):
        second(stack)
    stack.clock.advance(minutes=1)
    assert second(stack) == {"duplicate": 1}
    top, lines = team_messages(stack)
    ledger.effects("alert messages", len(top), 1)
    ledger.effects("thread lines", len(lines), 1)
    [group] = entrypoints.wiring().alerts.alerts.list_open()
    assert len(group.alarms) == 2 and group.owed == ()
