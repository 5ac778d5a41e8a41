"""The invocation's deadline: which back-offs still fit, read from the Lambda context for the call's duration."""

from __future__ import annotations

from dataclasses import dataclass

from opsdesk import deadline


@dataclass
class Context:
    millis: int

    def get_remaining_time_in_millis(self) -> int:
        return self.millis


def test_outside_an_invocation_every_wait_is_allowed_and_the_lock_assumes_the_longest() -> None:
    assert deadline.remaining_seconds() is None
    assert deadline.allows(3600)
    assert deadline.RemainingTime().get_remaining_time_in_millis() == 30_000


def test_a_wait_must_leave_the_margin_before_the_deadline() -> None:
    with deadline.until(20):
        assert deadline.allows(20 - deadline.MARGIN_SECONDS - 1)
        assert not deadline.allows(20 - deadline.MARGIN_SECONDS + 1)
        assert not deadline.allows(31)  # a 429's Retry-After: 30, plus slack_sdk's jitter
        assert 19_000 < deadline.RemainingTime().get_remaining_time_in_millis() <= 20_000
    assert deadline.remaining_seconds() is None


def test_a_handler_runs_within_its_contexts_time_and_nested_invocations_restore_it() -> None:
    seen: list[float | None] = []

    @deadline.within_invocation
    def handler(event: str, context: Context) -> str:
        seen.append(deadline.remaining_seconds())
        if event == "outer":
            handler("inner", Context(2_000))
            seen.append(deadline.remaining_seconds())
        return event

    assert handler("outer", Context(20_000)) == "outer"
    outer, inner, outer_again = seen
    assert outer is not None and inner is not None and outer_again is not None
    assert 19 < outer <= 20 and 1 < inner <= 2 and 19 < outer_again <= 20
    assert deadline.remaining_seconds() is None


def test_no_time_left_is_zero_not_negative() -> None:
    with deadline.until(-5):
        assert deadline.remaining_seconds() == 0
        assert not deadline.allows(0)
