"""Alarms firing at the same moment, each delivered by SNS and EventBridge at once: one group, none lost."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import pytest

from opsdesk import entrypoints
from tests.integration.test_alarms import ARN, T0, eventbridge_event, sns_event
from tests.reliability.kit import run_concurrently

if TYPE_CHECKING:
    from tests.reliability.conftest import Stack
    from tests.reliability.kit import Ledger

pytestmark = pytest.mark.reliability("races")

ALARMS = 8


def test_a_storm_delivered_concurrently_both_ways_is_one_group_with_every_alarm(stack: Stack, ledger: Ledger) -> None:
    stack.clock.now = T0
    work = []
    for number in range(ALARMS):
        name = f"prod-race-{number}"
        arn, at = ARN.replace("prod-api-5xx", name), T0 + timedelta(seconds=number)
        work += [
            lambda arn=arn, at=at, name=name: stack.invoke(
                "AlarmsFunction", sns_event("ALARM", at, arn=arn, name=name)
            ),
            lambda arn=arn, at=at: stack.invoke("AlarmsFunction", eventbridge_event("ALARM", at, arn=arn)),
        ]
    run_concurrently(work)
    groups = entrypoints.wiring().alerts.alerts.list_open()
    ledger.effects("alert groups", len(groups), 1)
    ledger.lose("alarms in the group", ALARMS - len(groups[0].alarms))
    ledger.effects("firings counted", groups[0].raised, ALARMS)
    channel = stack.environment["TEAM_CHANNEL_ID"]
    messages = stack.slack_api.messages(channel)
    top = [message for message in messages if message.get("thread_ts") in (None, message["ts"])]
    ledger.effects("alert messages", len(top), 1)
    ledger.effects("thread lines", len(messages) - len(top), ALARMS - 1)
