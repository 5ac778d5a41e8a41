"""Run template.yaml's ScheduleV2 events on their own expressions and time zones, as EventBridge Scheduler would."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from devstack.cron import next_fire_times
from devstack.settings import ACCOUNT_ID, REGION

if TYPE_CHECKING:
    from collections.abc import Callable

    from devstack.template import Schedule

__all__ = ["Scheduler", "next_fire_times", "schedule_arn", "scheduler_event"]

_LONGEST_WAIT = 30.0  # seconds; re-check the clock this often in case it jumped (laptop sleep)


def schedule_arn(schedule: Schedule, region: str = REGION) -> str:
    """Return the ARN the `<aws.scheduler.schedule-arn>` placeholder is filled with."""
    return f"arn:aws:scheduler:{region}:{ACCOUNT_ID}:schedule/default/{schedule.name}"


def scheduler_event(
    schedule: Schedule,
    scheduled_time: datetime,
    *,
    region: str = REGION,
    execution_id: str | None = None,
    attempt_number: int = 1,
) -> Any:
    """Return the event Scheduler delivers for one run: the Input with its placeholders filled in."""
    filled = (schedule.input or "{}").replace(
        "<aws.scheduler.scheduled-time>", scheduled_time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    )
    filled = filled.replace("<aws.scheduler.schedule-arn>", schedule_arn(schedule, region))
    filled = filled.replace("<aws.scheduler.execution-id>", execution_id or str(uuid.uuid4()))
    filled = filled.replace("<aws.scheduler.attempt-number>", str(attempt_number))
    try:
        return json.loads(filled)
    except ValueError:
        return filled  # Scheduler passes a non-JSON Input through as it is.


class Scheduler:
    """Fire each enabled schedule at its next time, in a daemon thread; `stop()` ends it cleanly."""

    def __init__(
        self,
        schedules: list[Schedule],
        invoke: Callable[[str, Any], Any],
        *,
        region: str = REGION,
        log: Callable[[str], None] = print,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.schedules = [schedule for schedule in schedules if schedule.enabled]
        self.invoke = invoke
        self.region = region
        self.log = log
        self.clock = clock
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def upcoming(self, after: datetime | None = None) -> list[tuple[datetime, Schedule]]:
        """Return each schedule's next fire time, soonest first."""
        after = after or self.clock()
        pairs = []
        for schedule in self.schedules:
            times = next_fire_times(schedule.expression, schedule.timezone, after, 1)
            if times:
                pairs.append((times[0], schedule))
        return sorted(pairs, key=lambda pair: pair[0])

    def fire(self, schedule: Schedule, scheduled_time: datetime) -> Any:
        """Invoke a schedule's function for one run and return its result (errors are logged, not raised)."""
        event = scheduler_event(schedule, scheduled_time, region=self.region)
        self.log(f"[scheduler] {schedule.event_name} ({schedule.expression}) at {scheduled_time:%Y-%m-%dT%H:%M}Z")
        try:
            return self.invoke(schedule.function, event)
        except Exception as error:  # One failing job must not stop the others; Scheduler would retry it.
            self.log(f"[scheduler] {schedule.event_name} failed: {error}")
            return None

    def start(self) -> None:
        """Start firing schedules in a daemon thread."""
        if self._thread is None:
            self._stopping.clear()
            self._thread = threading.Thread(target=self._run, name="devstack-scheduler", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop the thread (runs already started finish on their own)."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _run(self) -> None:
        due = {schedule.name: fire for fire, schedule in self.upcoming()}
        by_name = {schedule.name: schedule for schedule in self.schedules}
        while not self._stopping.is_set():
            if not due:
                self._stopping.wait(_LONGEST_WAIT)
                continue
            now = self.clock()
            for name, fire_time in sorted(due.items(), key=lambda item: item[1]):
                if fire_time <= now:
                    schedule = by_name[name]
                    threading.Thread(target=self.fire, args=(schedule, fire_time), daemon=True).start()
                    # After a long sleep, run the latest missed slot once rather than every one of them.
                    following = next_fire_times(schedule.expression, schedule.timezone, max(fire_time, now), 1)
                    if following:
                        due[name] = following[0]
                    else:
                        del due[name]
            if due:
                wait = (min(due.values()) - self.clock()).total_seconds()
                self._stopping.wait(min(max(wait, 0.0), _LONGEST_WAIT))
