from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest

from opsdesk.domain.errors import Conflict, InvalidRequest
from opsdesk.domain.ids import candidate_ids, normalise_incident_id, short_id
from opsdesk.domain.incidents import Incident, Priority, Status, parse_priority

T0 = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


def incident(**changes: object) -> Incident:
    base = Incident(id="INC-ABCDE", title="Database down", priority=Priority.HIGH, declared_by="U1", declared_at=T0)
    return base if not changes else Incident(**{**base.__dict__, **changes})  # type: ignore[arg-type]


def test_short_id_is_stable_and_typable() -> None:
    first = short_id("INC", "slack-command:123.456")
    assert first == short_id("INC", "slack-command:123.456")
    assert first != short_id("INC", "slack-command:123.457")
    assert normalise_incident_id(first.lower()) == first
    assert normalise_incident_id(first[4:]) == first


def test_a_longer_id_after_a_collision_starts_with_the_short_one_and_reads_the_same() -> None:
    # GIVEN the ids one source tries in turn (domain/ids.py)
    tried = list(candidate_ids("INC", "slack-command:123.456"))
    # THEN the first is the usual short id, each next one is one character longer and extends the last
    assert tried[0] == short_id("INC", "slack-command:123.456") and len(tried[0]) == len("INC-") + 5
    assert all(longer.startswith(shorter) and len(longer) == len(shorter) + 1 for shorter, longer in pairwise(tried))
    assert len(tried) == 8 and len(set(tried)) == 8
    # AND every one of them is accepted where people type an id
    assert all(normalise_incident_id(each.lower()) == each for each in tried)


@pytest.mark.parametrize("text", ["", "INC-", "INC-0000O", "hello world", "INC-2345", "INC-2345678923456"])
def test_normalise_rejects_what_is_not_an_id(text: str) -> None:
    assert normalise_incident_id(text) is None


def test_take_lead_keeps_first_lead_time_and_adds_participant() -> None:
    led = incident().take_lead("U2", T0 + timedelta(minutes=3))
    handed_over = led.take_lead("U3", T0 + timedelta(minutes=30))
    assert handed_over.lead == "U3"
    assert handed_over.time_to_lead() == timedelta(minutes=3)
    assert handed_over.participants == {"U2", "U3"}


def test_resolve_records_duration_and_postmortem_for_high_priority() -> None:
    resolved = incident(detected_at=T0 - timedelta(minutes=5)).resolve(
        " Failover ", "U2", T0 + timedelta(hours=1), "payments"
    )
    assert resolved.status is Status.RESOLVED
    assert resolved.resolution == "Failover"
    assert resolved.time_to_resolve() == timedelta(minutes=65)
    assert resolved.postmortem_due


def test_resolving_twice_is_a_conflict_and_changes_need_reopen() -> None:
    resolved = incident().resolve("", "U2", T0, "payments")
    with pytest.raises(Conflict):
        resolved.resolve("", "U2", T0)
    with pytest.raises(Conflict, match="reopen"):
        resolved.take_lead("U2", T0)
    assert resolved.reopen().is_open


def test_checkin_due_only_for_open_high_priority_after_interval() -> None:
    every = timedelta(minutes=60)
    assert not incident().checkin_due(T0 + timedelta(minutes=59), every)
    assert incident().checkin_due(T0 + timedelta(minutes=60), every)
    assert not incident(priority=Priority.NORMAL).checkin_due(T0 + timedelta(hours=3), every)


def test_update_needs_text() -> None:
    with pytest.raises(InvalidRequest):
        incident().record_update("  ", "U1", T0)


@pytest.mark.parametrize(("text", "expected"), [("HIGH", Priority.HIGH), ("p2", Priority.NORMAL)])
def test_parse_priority(text: str, expected: Priority) -> None:
    assert parse_priority(text) is expected


def test_parse_priority_says_what_is_allowed() -> None:
    with pytest.raises(InvalidRequest, match="high"):
        parse_priority("critical")
