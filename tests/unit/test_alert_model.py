"""Alert groups in the pure core: who joins, when a group recovers on its own, what a route says, who is told."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from opsdesk.alarms.models import AlarmChange, AlarmState
from opsdesk.alarms.routes import parse_routes, route_alarm
from opsdesk.alarms.scope import AlarmScope
from opsdesk.domain.alerts import AlertAlarm, AlertGroup, AlertStatus, NoteKind, alert_title
from opsdesk.domain.incidents import Incident, Priority
from opsdesk.domain.leadership import leadership_hears
from opsdesk.domain.stats import alert_figures

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=10)


def alarm(name: str, state: str = "ALARM", at: datetime = T0, priority: Priority = Priority.NORMAL) -> AlertAlarm:
    return AlertAlarm(f"arn:{name}", name, state, at, at, reason=f"went to {state}", priority=priority)


def group(*alarms: AlertAlarm) -> AlertGroup:
    first = alarms[0]
    return AlertGroup(
        f"ALR-{first.name}", "", first.name, "key", first.changed_at, first.changed_at, alarms=alarms, raised=1
    )


def test_an_alarm_within_the_window_of_the_last_alert_joins_and_a_later_one_does_not() -> None:
    storm = group(alarm("a"))
    storm, _ = storm.record(alarm("b", at=T0 + timedelta(minutes=8)))
    assert storm.takes("arn:c", T0 + timedelta(minutes=17), WINDOW)  # within 10 minutes of b, the last alert
    assert not storm.takes("arn:c", T0 + timedelta(minutes=19), WINDOW)


def test_a_dismissed_group_takes_nothing_more() -> None:
    dismissed = group(alarm("a")).dismiss("U0BOB", "load test", T0)
    assert not dismissed.takes("arn:b", T0, WINDOW)


def test_every_alarm_ok_closes_the_group_on_its_own_and_a_new_firing_reopens_it() -> None:
    storm, _ = group(alarm("a")).record(alarm("b", at=T0 + timedelta(minutes=1)))
    storm, notes = storm.record(alarm("a", "OK", T0 + timedelta(minutes=2)))
    assert storm.is_open and [note.kind for note in notes] == [NoteKind.ALARM_OK]
    storm, notes = storm.record(alarm("b", "OK", T0 + timedelta(minutes=3)))
    assert storm.status is AlertStatus.RECOVERED and [note.kind for note in notes] == [
        NoteKind.ALARM_OK,
        NoteKind.RECOVERED,
    ]
    storm, notes = storm.record(alarm("a", at=T0 + timedelta(minutes=4)))
    assert storm.is_open and notes[0].kind is NoteKind.FIRED_AGAIN and notes[0].reopened


def test_insufficient_data_does_not_count_as_recovered() -> None:
    storm, _ = group(alarm("a")).record(alarm("a", "INSUFFICIENT_DATA", T0 + timedelta(minutes=1)))
    assert storm.is_open


def test_a_group_suggests_high_priority_when_any_alarm_s_route_does_and_says_how_many_more() -> None:
    storm, _ = group(alarm("a")).record(alarm("b", priority=Priority.HIGH))
    assert storm.priority is Priority.HIGH
    assert storm.suggested_title == "a (+1 more alarm)"


def test_declaring_twice_keeps_the_first_incident_and_a_declared_group_cannot_be_dismissed() -> None:
    declared = group(alarm("a")).declare("INC-1", "U0ALICE", T0 + timedelta(minutes=5))
    assert declared.declare("INC-2", "U0BOB", T0 + timedelta(minutes=6)).incident_id == "INC-1"
    assert declared.time_to_declare() == timedelta(minutes=5)
    with pytest.raises(Exception, match="INC-1"):
        declared.dismiss("U0BOB", "noise", T0)


def test_the_alert_is_named_after_the_alarm_and_its_description() -> None:
    assert (
        alert_title("prod-api-5xx", "API 5xx rate is high.\nRunbook: x", "Threshold")
        == "prod-api-5xx: API 5xx rate is high."
    )
    assert alert_title("prod-api-5xx", "", "") == "prod-api-5xx"


def test_routes_name_a_group_key_and_auto_declare_and_unrouted_alarms_are_manual_and_normal() -> None:
    routes = parse_routes(
        '{"prod-db-*": {"service": "Database", "group": "database", "declare": "auto", "priority": "P1"}}'
    )
    routed = route_alarm("prod-db-cpu", "", routes)
    assert (routed.service, routed.priority, routed.group_key, routed.auto_declare) == (
        "Database",
        Priority.HIGH,
        "database",
        True,
    )
    unrouted = route_alarm("batch-lag", "", routes)
    assert (unrouted.group_key, unrouted.auto_declare, unrouted.priority) == ("", False, Priority.NORMAL)


def test_an_unknown_declare_value_is_refused_at_start_up() -> None:
    with pytest.raises(ValueError, match="declare"):
        parse_routes('[{"pattern": "*", "declare": "sometimes"}]')


def test_sns_is_opt_in_and_eventbridge_needs_a_prefix() -> None:
    def change(name: str, via: str) -> AlarmChange:
        return AlarmChange(f"arn:{name}", name, AlarmState.ALARM, T0, via=via)

    scope = AlarmScope(("prod-", "db-"))
    assert scope.admits(change("anything", "sns"))
    assert scope.admits(change("prod-api", "eventbridge"))
    assert not scope.admits(change("TargetTracking-x", "eventbridge"))
    assert not AlarmScope().admits(change("prod-api", "eventbridge"))


def test_leadership_hears_about_high_priority_incidents_unless_asked_for_all() -> None:
    normal = Incident("INC-1", "Slow", Priority.NORMAL, "U0ALICE", T0)
    high = Incident("INC-2", "Down", Priority.HIGH, "U0ALICE", T0)
    assert leadership_hears(high, "high") and not leadership_hears(normal, "high")
    assert leadership_hears(normal, "all")


def test_alert_figures_count_groups_opened_in_the_period() -> None:
    storm, _ = group(alarm("a")).record(alarm("b", at=T0 + timedelta(minutes=1)))
    declared = storm.declare("INC-1", "U0ALICE", T0 + timedelta(minutes=4))
    recovered, _ = group(alarm("c", at=T0 + timedelta(hours=1))).record(alarm("c", "OK", T0 + timedelta(hours=2)))
    before = group(alarm("d", at=T0 - timedelta(days=8)))
    figures = alert_figures([declared, recovered, before], T0 - timedelta(days=7), T0 + timedelta(days=1))
    assert (figures.raised, figures.grouped, figures.declared, figures.recovered, figures.waiting) == (2, 1, 1, 1, 0)
    assert figures.time_to_declare.mean == 240
