"""The postmortem draft is built from what was recorded; public text carries no Slack ids."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from xml.etree import ElementTree

import pytest

from opsdesk.domain.errors import InvalidRequest
from opsdesk.domain.incidents import AlarmInfo, Announcement, EntryKind, Incident, Priority, Status, TimelineEntry
from opsdesk.domain.postmortems import (
    WITHHELD,
    ActionItem,
    ActionPriority,
    Section,
    draft_from,
    in_priority_order,
    scrub,
)
from opsdesk.pages.postmortems import body_html, markdown

T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
# Any Slack markup (raw or HTML-escaped) or id: user, channel, group or DM ids, however short
# (incident ids like INC-W9NV9 are not Slack's).
SLACK_ID = re.compile(r"(?:<|&lt;)(?:[@#]|!(?!doctype))|(?<![\w-])[UWCGDS][A-Z0-9]*[0-9][A-Z0-9]*\b")


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
    # THEN people get names (or the neutral phrase) and channels are never named: a label may be a private channel's
    assert cleaned == "Lead Bob Jones asked a support engineer in a Slack channel, a Slack channel and Bob Jones ok"
    assert not SLACK_ID.search(cleaned)
    assert scrub("SERVICE UNAVAILABLE", {}) == "SERVICE UNAVAILABLE"


def test_scrub_reads_special_mentions_and_links() -> None:
    text = "<!here> <!subteam^S0OPS1|@ops> saw <https://example.com/x|the graph> at <!date^1392734382^{time}|6:39>"
    assert scrub(text, {}) == "@here a Slack group saw the graph at 6:39"


def test_actions_are_kept_in_priority_order() -> None:
    items = [
        ActionItem(1, "low one", "U1", ActionPriority.LOW, T0),
        ActionItem(2, "high one", "U1", ActionPriority.HIGH, T0),
        ActionItem(3, "medium one", "U1", ActionPriority.MEDIUM, T0),
        ActionItem(4, "second high", "U1", ActionPriority.HIGH, T0),
    ]
    assert [item.number for item in in_priority_order(items)] == [2, 4, 3, 1]


def resolved_incident(**changes: object) -> Incident:
    incident = Incident(
        id="INC-7K3QF",
        title="Database down",
        priority=Priority.HIGH,
        declared_by="U0ALICE1",
        declared_at=at(5),
        lead="U0BOB123",
        status=Status.RESOLVED,
        resolved_at=at(90),
        resolution="Failed over",
        announcement=Announcement("C0OPS1234", "1.0"),
    )
    return replace(incident, **changes)  # type: ignore[arg-type]


def test_messages_quoted_from_another_channel_are_withheld_from_the_public_write_up() -> None:
    entries = [
        TimelineEntry(at(10), EntryKind.NOTE, "<@U0BOB123> said: in thread", "U0BOB123", "slack-message:C0OPS1234:2.0"),
        TimelineEntry(at(20), EntryKind.NOTE, "<@U0BOB123> said: secret", "U0BOB123", "slack-message:C0PRIV999:3.0"),
        TimelineEntry(at(30), EntryKind.UPDATE, "Update: fixed", "U0BOB123", "slack-command:1"),
    ]
    draft = draft_from(resolved_incident(), entries, at(91)).publish(at(100), {"U0BOB123": "Bob Jones"})
    assert [line.withheld for line in draft.timeline] == [False, True, False]
    # THEN the page and the Markdown say something was withheld, never what
    for public in (body_html(draft, []), markdown(draft, [])):
        assert "secret" not in public and "in thread" in public and WITHHELD in public


def test_editing_checks_required_sections_and_lengths_and_knows_what_is_still_to_write() -> None:
    draft = draft_from(resolved_incident(), [], at(91))
    assert draft.to_write() == [Section.IMPACT, Section.CONTRIBUTING_FACTORS, Section.WENT_WELL, Section.TO_IMPROVE]
    with pytest.raises(InvalidRequest, match="Summary cannot be empty"):
        draft.edit({Section.SUMMARY: "  "}, "U0ALICE1", at(95))
    with pytest.raises(InvalidRequest, match="limited to 3000"):
        draft.edit({Section.WENT_WELL: "x" * 3001}, "U0ALICE1", at(95))
    edited = draft.edit({Section.IMPACT: " Nobody could log in ", Section.WENT_WELL: ""}, "U0ALICE1", at(95))
    assert edited.impact == "Nobody could log in" and edited.went_well == ""
    assert edited.to_write() == [Section.CONTRIBUTING_FACTORS, Section.TO_IMPROVE]
    assert edited.edited_at == at(95) and edited.version == draft.version


def test_a_done_action_is_not_overdue_and_sorts_last() -> None:
    today = date(2026, 12, 1)
    late = ActionItem(1, "Add alarm", "U0BOB123", ActionPriority.HIGH, T0, due=date(2026, 11, 30))
    assert late.overdue(today)
    done = late.mark_done("U0BOB123", at(2000))
    assert not done.overdue(today) and done.done_at == at(2000)
    low = ActionItem(2, "Tidy", "U0BOB123", ActionPriority.LOW, T0)
    assert [item.number for item in in_priority_order([done, low])] == [2, 1]


def test_the_published_body_is_well_formed_xhtml_for_confluence_and_shows_edits_and_done_actions() -> None:
    draft = draft_from(resolved_incident(), [], at(91))
    edited = draft.edit(
        {Section.CONTRIBUTING_FACTORS: "Disk filled <fast> & quietly\nno alarm\n\nSecond paragraph by <@U0BOB123>"},
        "U0ALICE1",
        at(95),
    ).publish(at(100), {"U0BOB123": "Bob Jones"})
    actions = [
        ActionItem(1, "Add a disk alarm", "U0BOB123", ActionPriority.HIGH, T0, ticket_key="OPS-1"),
        ActionItem(2, "Runbook", "U0GONE99", ActionPriority.LOW, T0).mark_done("U0BOB123", at(2000)),
    ]
    body = body_html(edited, actions)
    ElementTree.fromstring(f"<root>{body}</root>")  # Confluence's storage format is XHTML
    assert "<p>Disk filled &lt;fast&gt; &amp; quietly<br/>no alarm</p><p>Second paragraph by Bob Jones</p>" in body
    assert "Done 2026-11-29" in body and "Open" in body
    text = markdown(edited, actions)
    assert "Disk filled <fast> & quietly" in text and "(owner: Bob Jones, ticket OPS-1; open)" in text
    assert "(owner: a support engineer; done 2026-11-29)" in text
    assert not SLACK_ID.search(body) and not SLACK_ID.search(text)
