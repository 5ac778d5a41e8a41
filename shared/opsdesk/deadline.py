"""The invocation's deadline: no retry sleeps past the time Lambda gives the invocation.

Each handler records when its invocation ends (`within_invocation`, from the Lambda context; the
local runtime passes one with the template's timeout) in a context variable. The Slack client's
retry handlers and PagerDuty's retry ask `allows(wait)` before each back-off: a wait that would end
within MARGIN_SECONDS of the deadline is not taken, and the call fails as if its retries were spent.
The invocation then raises, Lambda retries it (a minute later, then two), and the work still owed
is finished by that retry (flows record what they owe: flows/followups.py); after Lambda's last
retry the event lands in the function's dead-letter queue, a real failure an operator is told of.
Without this, one Slack 429 with `Retry-After: 30` and two retries sleeps about 61 s in a 20 s
function: Lambda kills it mid-sleep, with nothing recorded.

Outside an invocation (a script, a test calling a flow) there is no deadline and retries keep
their own bounds (attempt counts).
"""

from __future__ import annotations

import functools
import time
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Protocol, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator


class HasRemainingTime(Protocol):
    def get_remaining_time_in_millis(self) -> int: ...


E = TypeVar("E")
C = TypeVar("C", bound=HasRemainingTime)
R = TypeVar("R")

# Room left after a back-off for the retried call itself and for recording what is still owed.
MARGIN_SECONDS = 5.0
# What the job runner's in-progress lock assumes outside an invocation: longer than the 20 s function timeout.
UNKNOWN_REMAINING_SECONDS = 30.0

_ends_at: ContextVar[float | None] = ContextVar("opsdesk_invocation_ends_at", default=None)


def remaining_seconds() -> float | None:
    """Seconds left before the invocation's timeout (never negative), or None outside an invocation."""
    ends_at = _ends_at.get()
    return None if ends_at is None else max(0.0, ends_at - time.monotonic())


def allows(wait_seconds: float) -> bool:
    """Whether a back-off of `wait_seconds` still leaves MARGIN_SECONDS before the deadline."""
    left = remaining_seconds()
    return left is None or left - wait_seconds >= MARGIN_SECONDS


@contextmanager
def until(seconds_from_now: float) -> Iterator[None]:
    """Run the block as an invocation that has `seconds_from_now` left."""
    token = _ends_at.set(time.monotonic() + seconds_from_now)
    try:
        yield
    finally:
        _ends_at.reset(token)


def within_invocation(handler: Callable[[E, C], R]) -> Callable[[E, C], R]:
    """Decorate a Lambda handler: its invocation's deadline is read from the context for the call's duration."""

    @functools.wraps(handler)
    def run(event: E, context: C) -> R:
        with until(context.get_remaining_time_in_millis() / 1000):
            return handler(event, context)

    return run


class RemainingTime:
    """The remaining time as a Lambda context reports it, for Powertools utilities that ask a context for it."""

    def get_remaining_time_in_millis(self) -> int:
        left = remaining_seconds()
        return int((UNKNOWN_REMAINING_SECONDS if left is None else left) * 1000)
