"""Support requests: stages, time in each stage, the 15-minute rule in support hours, ratings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from opsdesk.domain.clock import SupportHours
from opsdesk.domain.errors import Conflict, InvalidRequest, NotAllowed
from opsdesk.domain.requests import Stage, SupportRequest, TicketState, normalise_request_id, request_id_for

MONDAY_10 = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
HOURS = SupportHours()
FIFTEEN = timedelta(minutes=15)


def new(at: datetime = MONDAY_10) -> SupportRequest:
    return SupportRequest("C0OPS", "1764496800.000100", "U0REQ", "Cannot reach the bastion", at, stage_since=at)


def test_a_request_id_derives_from_its_message_and_reads_back() -> None:
    request = new()
    assert request.id == request_id_for("C0OPS", "1764496800.000100")
    assert normalise_request_id(request.id.lower()) == request.id
    assert normalise_request_id("nonsense!") is None
    assert request.label == f"opsdesk-{request.id.lower()}"


def test_stages_are_timestamped_and_time_in_each_is_kept() -> None:
    taken = new().take("U0ALICE", MONDAY_10 + timedelta(minutes=5))
    done = taken.finish("  Rotated the   key ", "U0ALICE", MONDAY_10 + timedelta(minutes=35))
    assert done.stage is Stage.DONE and done.assignee == "U0ALICE" and done.resolution == "Rotated the key"
    assert done.started_at == MONDAY_10 + timedelta(minutes=5)
    spent = done.time_in_stages(MONDAY_10 + timedelta(hours=5))
    assert spent == {
        Stage.TODO: timedelta(minutes=5),
        Stage.IN_PROGRESS: timedelta(minutes=30),
        Stage.DONE: timedelta(0),
    }


def test_the_first_taker_wins_and_done_needs_a_resolution() -> None:
    taken = new().take("U0ALICE", MONDAY_10)
    with pytest.raises(Conflict):
        taken.take("U0BOB", MONDAY_10)
    assert taken.take("U0ALICE", MONDAY_10) == taken
    with pytest.raises(InvalidRequest):
        taken.finish("   ", "U0ALICE", MONDAY_10)


def test_moving_to_the_same_stage_changes_nothing() -> None:
    request = new()
    assert request.move_to(Stage.TODO, MONDAY_10 + timedelta(hours=1)) == request


def test_the_fifteen_minute_rule_counts_only_support_hours() -> None:
    friday_1750 = datetime(2026, 11, 27, 17, 50, tzinfo=UTC)
    taken = new(friday_1750).take("U0ALICE", friday_1750)
    assert not taken.triage_due(datetime(2026, 11, 30, 7, 59, tzinfo=UTC), HOURS, FIFTEEN)  # 10 min counted
    assert not taken.triage_due(datetime(2026, 11, 30, 8, 5, tzinfo=UTC), HOURS, FIFTEEN)  # exactly 15
    assert taken.triage_due(datetime(2026, 11, 30, 8, 6, tzinfo=UTC), HOURS, FIFTEEN)


def test_no_nudge_with_a_ticket_or_once_nudged() -> None:
    taken = new().take("U0ALICE", MONDAY_10)
    later = MONDAY_10 + timedelta(minutes=30)
    assert taken.triage_due(later, HOURS, FIFTEEN)
    assert not SupportRequest(**{**taken.__dict__, "ticket_state": TicketState.PENDING}).triage_due(
        later, HOURS, FIFTEEN
    )
    assert not SupportRequest(**{**taken.__dict__, "nudged_at": later}).triage_due(later, HOURS, FIFTEEN)


def test_a_rating_is_the_requesters_once() -> None:
    request = new()
    rated = request.rate(4, "U0REQ", MONDAY_10)
    assert rated.rating == 4
    with pytest.raises(Conflict, match="already recorded"):
        rated.rate(5, "U0REQ", MONDAY_10)
    with pytest.raises(NotAllowed):
        request.rate(5, "U0ALICE", MONDAY_10)
    with pytest.raises(InvalidRequest):
        request.rate(6, "U0REQ", MONDAY_10)
