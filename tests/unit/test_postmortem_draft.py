"""The postmortem draft is built from what was recorded; public text carries no Slack ids."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from opsdesk.domain.incidents import AlarmInfo, EntryKind, Incident, Priority, Status, TimelineEntry
from opsdesk.domain.postmortems import ActionItem, ActionPriority, draft_from, in_priority_order, scrub
from opsdesk.pages.chart import bar_chart

T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
SLACK_ID = re.compile(r"<@|\bU[A-Z0-9]{6,}\b|\bC[A-Z0-9]{6,}\b")


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_draft_timeline_runs_from_detection_to_resolution_with_times() -> None:
    alarm = AlarmInfo("arn:alarm", "db-cpu", "ALARM", at(0))
    incident = Incident(
        id="INC-7K3QF",
        title="Database down",
        priority=Priority.HIGH,
        declared_by="U0ALICE1",
        declared_at=at(5),
        detected_at=at(0),
        alarm=alarm,
        lead="U0BOB123",
        lead_at=at(8),
        status=Status.RESOLVED,
        resolved_at=at(90),
        resolution="Failed over",
        user_impact="Nobody could log in",
    )
    entries = [
        TimelineEntry(at(90), EntryKind.RESOLVED, "Resolved by <@U0ALICE1>: Failed over", "U0ALICE1", "r"),
        TimelineEntry(at(5), EntryKind.DECLARED, "Declared by <@U0ALICE1>", "U0ALICE1", "d"),
        TimelineEntry(at(8), EntryKind.LEAD, "<@U0BOB123> is now the incident lead", "U0BOB123", "l"),
        TimelineEntry(at(60), EntryKind.CHECKIN, "Hourly check-in asked", "opsdesk", "c"),
        TimelineEntry(at(30), EntryKind.UPDATE, "Update from <@U0BOB123>: failing over", "U0BOB123", "u"),
        TimelineEntry(at(70), EntryKind.RECOVERED, "Alarm db-cpu is OK", "alarm", "ok"),
    ]
    draft = draft_from(incident, entries, at(91))
    assert [(line.at, line.kind) for line in draft.timeline] == [
        (at(0), "detected"),
        (at(5), "declared"),
        (at(8), "lead"),
        (at(30), "update"),
        (at(70), "recovered"),
        (at(90), "resolved"),
    ]
    assert draft.time_to_repair == timedelta(minutes=70)
    assert draft.time_to_resolve == timedelta(minutes=90)
    assert draft.summary == "Failed over"
    assert draft.impact == "Nobody could log in"


def test_scrub_replaces_ids_with_names_or_a_neutral_phrase() -> None:
    text = "Lead <@U0BOB123> asked <@U9ZZZZZZ|zed> in <#C0PRIV123|ops-private>, <#C0ABC1234> and U0BOB123 ok"
    cleaned = scrub(text, {"U0BOB123": "Bob Jones"})
    assert cleaned == ("Lead Bob Jones asked a support engineer in #ops-private, a Slack channel and Bob Jones ok")
    assert not SLACK_ID.search(cleaned)
    assert scrub("SERVICE UNAVAILABLE", {}) == "SERVICE UNAVAILABLE"


def test_actions_are_kept_in_priority_order() -> None:
    items = [
        ActionItem(1, "low one", "U1", ActionPriority.LOW, T0),
        ActionItem(2, "high one", "U1", ActionPriority.HIGH, T0),
        ActionItem(3, "medium one", "U1", ActionPriority.MEDIUM, T0),
        ActionItem(4, "second high", "U1", ActionPriority.HIGH, T0),
    ]
    assert [item.number for item in in_priority_order(items)] == [2, 4, 3, 1]


def test_chart_is_a_png() -> None:
    data = bar_chart([("INCIDENTS", 3, 5), ("HIGH", 1, 0)])
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and data.endswith(b"IEND\xaeB`\x82")
