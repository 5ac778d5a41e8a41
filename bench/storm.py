"""Alarm storm: 500 state changes over 50 alarms, shuffled, each change delivered twice, some concurrently.

A storm is one conversation: the 50 alarms fire within a minute, so they make one alert group (one message
in the team channel, edited in place), no incident and nothing in the ops channel until a person declares.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from bench.calls import alarm_event
from bench.stack import MONDAY, stack
from opsdesk import entrypoints

if TYPE_CHECKING:
    from bench.counting import DynamoDBCalls
    from bench.stack import World

# Each alarm flaps ALARM, OK, ALARM, OK, ALARM; SNS and the EventBridge rule both deliver every change.
FLAPS = ("ALARM", "OK", "ALARM", "OK", "ALARM")
# Concurrent deliveries are what SNS and EventBridge really do; 4 threads make duplicates race on 2 cores.
CONCURRENCY = 4
ASYNC_ATTEMPTS = 3


def storm_events(alarms: int, seed: int = 50) -> list[dict[str, Any]]:
    events = []
    for number in range(alarms):
        # prod-: opted in by name (ALARM_NAME_PREFIXES), so the EventBridge copies are applied, not ignored.
        name = f"prod-storm-{number:02d}"
        for step, state in enumerate(FLAPS):
            at = MONDAY + timedelta(seconds=number, minutes=step)
            events += [alarm_event(name, state, at, via="sns"), alarm_event(name, state, at, via="eventbridge")]
    random.Random(seed).shuffle(events)
    return events


def alarm_storm(world: World, calls: DynamoDBCalls, alarms: int = 50) -> dict[str, Any]:
    world.reset_stand_ins()
    bench = stack(world, lazy="inline")
    events = storm_events(alarms)
    bench.runtime.handler("AlarmsFunction")  # import the handler before the clock starts
    errors: Counter[str] = Counter()
    examples: list[str] = []

    def deliver(event: dict[str, Any]) -> None:
        # SNS and EventBridge invoke asynchronously: Lambda retries a failed invocation twice.
        for attempt in range(1, ASYNC_ATTEMPTS + 1):
            try:
                bench.invoke("AlarmsFunction", event)
                return
            except Exception as error:
                errors["retried" if attempt < ASYNC_ATTEMPTS else "failed"] += 1
                examples.append(str(error)[:160])

    calls.reset()
    started = time.perf_counter()
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        list(pool.map(deliver, events))
    wall = time.perf_counter() - started
    wiring = entrypoints.wiring()
    incidents = wiring.incident_repository.list_open()
    groups = [
        group
        for group in wiring.alerts.alerts.list_open()
        if group.alarms and group.primary().name.startswith("prod-storm-")
    ]

    def top_level(channel: str) -> list[dict[str, Any]]:
        messages = world.slack.messages(channel)
        return [message for message in messages if message.get("thread_ts") in (None, message["ts"])]

    return {
        "changes": len(events),
        "alarms": alarms,
        "alert_groups": len(groups),
        "alarms_in_groups": sum(len(group.alarms) for group in groups),
        "alert_messages": len(top_level(bench.environment["TEAM_CHANNEL_ID"])),
        "incidents": len(incidents),
        "announcements": len(top_level(bench.channel)),
        "errors": dict(errors),
        "error_examples": sorted(set(examples))[:3],
        "wall_s": round(wall, 2),
        "dynamodb_calls": calls.total,
        "dynamodb_by_operation": calls.snapshot(),
    }
