"""Optimistic writes: read, decide, save only if nothing changed since the read; on a conflict, read again.

Every record people change at the same moment (an incident, a support request, the checklist's ticks, a
postmortem's action numbers) is saved with a condition on what was read: its version, or that the slot is
still free. A save that loses the race raises Conflict; the loser reads the winner's write and decides
again, which may now mean doing nothing. Concurrent writers back off with full jitter, so they spread out
instead of colliding again in lockstep. `decide` returning None means "nothing to change": the caller gets
what is stored and `changed` False, so it posts to Slack only when something really happened. A save that
finds this exact change already applied (a redelivery) returns None: what is stored is read and returned
unchanged. After the last attempt, or when a pause would run into the invocation's deadline (deadline.py),
Conflict with a message fit to show the person who asked: Slack is told "busy", and Lambda retries lazy work.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Generic, TypeVar

from opsdesk import deadline
from opsdesk.domain.errors import Conflict

if TYPE_CHECKING:
    from collections.abc import Callable

Stored = TypeVar("Stored")
Decided = TypeVar("Decided")

# The longest pause between two attempts, in seconds: well inside the function's timeout.
MAX_PAUSE = 0.4


def jitter(attempt: int) -> float:
    """Full jitter on an exponential ceiling: a pause in [0, min(MAX_PAUSE, 10 ms * 2**attempt)]."""
    return random.uniform(0, min(MAX_PAUSE, 0.01 * 2**attempt))  # noqa: S311  # jitter, not a secret


@dataclass(frozen=True)
class Optimistic(Generic[Stored, Decided]):
    """One optimistic write: how to read the record, save a decision about it, and what to say when it is busy."""

    read: Callable[[], Stored]
    save: Callable[[Decided], Stored | None]
    busy: str
    attempts: int = 5
    # Injectable so tests can count pauses instead of taking them.
    pause: Callable[[float], None] = field(default=time.sleep)

    def apply(self, decide: Callable[[Stored], Decided | None], *, start: Stored | None = None) -> tuple[Stored, bool]:
        """Decide on the stored record and save; (what is stored now, whether this call changed it).

        `start` is a record the caller has just read: the first attempt decides on it without reading again.
        """
        current = start
        for attempt in range(self.attempts):
            if attempt:
                wait = jitter(attempt)
                if not deadline.allows(wait):
                    break
                self.pause(wait)
            if current is None:
                current = self.read()
            decided = decide(current)
            if decided is None:
                return current, False
            try:
                saved = self.save(decided)
            except Conflict:
                current = None
                continue
            if saved is None:  # an earlier delivery made this very change
                return self.read(), False
            return saved, True
        raise Conflict(self.busy)
