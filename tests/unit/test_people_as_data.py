"""People stay data in the core; each reader shows them its own way (a Slack mention, a published name)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from opsdesk.domain.errors import Conflict, InvalidRequest
from opsdesk.domain.incidents import EntryKind, Incident, Priority, TimelineEntry
from opsdesk.domain.postmortems import DraftEntry
from opsdesk.slack.views.incident_thread import recorded_text, update_text
from opsdesk.slack.views.mrkdwn import mention, worded
from opsdesk.store.incidents import entry_from_item, entry_to_item

AT = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
NAMES = {"U0ALICE": "Alice Adams", "U0BOB": "Bob Brown"}


def named(user: str) -> str:
    return NAMES.get(user, user)


def entry(kind: EntryKind, text: str = "", **people: object) -> TimelineEntry:
    return TimelineEntry(AT, kind, text, source_key="k", **people)  # type: ignore[arg-type]


CASES = [
    (
        entry(EntryKind.DECLARED, "Database down", actor="U0ALICE", priority=Priority.HIGH),
        "Declared by <@U0ALICE> (high priority): Database down",
        "Declared by Alice Adams (high priority): Database down",
    ),
    (
        entry(EntryKind.DECLARED, "db-cpu: CPU high", actor="CloudWatch", priority=Priority.NORMAL),
        "Declared by CloudWatch (normal priority): db-cpu: CPU high",
        "Declared by CloudWatch (normal priority): db-cpu: CPU high",
    ),
    (
        entry(EntryKind.LEAD, actor="U0ALICE", subject="U0BOB"),
        "<@U0BOB> is now the incident lead (set by <@U0ALICE>)",
        "Bob Brown is now the incident lead (set by Alice Adams)",
    ),
    (entry(EntryKind.LEAD, actor="U0BOB", subject="U0BOB"), "<@U0BOB> is now the incident lead", None),
    (entry(EntryKind.COMMS, actor="U0BOB", subject="U0BOB"), "<@U0BOB> is handling communications", None),
    (entry(EntryKind.UPDATE, "Failover done", actor="U0BOB"), "Update from <@U0BOB>: Failover done", None),
    (
        entry(EntryKind.PRIORITY, actor="U0BOB", priority=Priority.HIGH),
        "Priority changed to high by <@U0BOB>",
        "Priority changed to high by Bob Brown",
    ),
    (
        entry(EntryKind.NOTE, "Replica lag is 40 s", actor="U0ALICE", subject="U0BOB"),
        "<@U0BOB> said: Replica lag is 40 s (added by <@U0ALICE>)",
        "Bob Brown said: Replica lag is 40 s (added by Alice Adams)",
    ),
    (entry(EntryKind.NOTE, "Alarm x has insufficient data", actor="CloudWatch"), "Alarm x has insufficient data", None),
    (entry(EntryKind.PAGE, actor="opsdesk", subject="on-call"), "Paged on-call via PagerDuty", None),
    (
        entry(EntryKind.PAGE, actor="U0ALICE", subject="U0BOB"),
        "Paged <@U0BOB> via PagerDuty (asked by <@U0ALICE>)",
        "Paged Bob Brown via PagerDuty (asked by Alice Adams)",
    ),
    (
        entry(EntryKind.CHECKIN_ANSWER, "says the team on it is enough", actor="U0BOB"),
        "<@U0BOB> says the team on it is enough",
        None,
    ),
    (entry(EntryKind.RESOLVED, "Rolled back", actor="U0BOB"), "Resolved by <@U0BOB>: Rolled back", None),
    (entry(EntryKind.RESOLVED, actor="U0BOB"), "Resolved by <@U0BOB>", None),
    (entry(EntryKind.REOPENED, actor="U0BOB"), "Reopened by <@U0BOB>", "Reopened by Bob Brown"),
]


@pytest.mark.parametrize(("recorded", "in_slack", "published"), CASES)
def test_an_entry_reads_the_same_in_slack_and_published_but_for_how_people_show(
    recorded: TimelineEntry, in_slack: str, published: str | None
) -> None:
    assert recorded.describe(mention) == in_slack
    if published is not None:
        assert recorded.describe(named) == published


def test_an_entry_stored_before_people_were_data_reads_as_it_was_written() -> None:
    # GIVEN a timeline item written before this change: the whole sentence, in Slack's markup, and no format
    legacy = {"pk": "INCIDENT#INC-ABCDE", "sk": "TL#x", "at": AT.isoformat(), "kind": "lead", "actor": "U0A"}
    legacy["text"] = "<@U0B> is now the incident lead (set by <@U0A>)"
    # WHEN it is read, THEN it reads verbatim (the published page scrubs the markup, as it always did)
    old = entry_from_item(legacy)
    assert old.verbatim and old.describe(mention) == legacy["text"]
    # AND an entry written now round-trips with its people apart from its words
    new = entry(EntryKind.LEAD, actor="U0A", subject="U0B")
    stored = entry_from_item(entry_to_item("INC-ABCDE", new))
    assert (stored.actor, stored.subject, stored.verbatim) == ("U0A", "U0B", False)
    assert DraftEntry.of(stored, withheld=True).describe(mention) == "<@U0B> is now the incident lead (set by <@U0A>)"


def test_the_thread_hears_each_change_in_the_words_it_always_used() -> None:
    update = entry(EntryKind.UPDATE, "Failover done", actor="U0BOB")
    incident = Incident("INC-ABCDE", "Database down", Priority.HIGH, "U0ALICE", update.at)
    # Also sent to the channel, so it names the incident for those who never open the thread.
    assert update_text(incident, update) == ":loudspeaker: *Update* on INC-ABCDE from <@U0BOB>: Failover done"
    lead = entry(EntryKind.LEAD, actor="U0ALICE", subject="U0BOB")
    assert recorded_text(lead) == ":technologist: <@U0BOB> is leading this incident."
    assert recorded_text(entry(EntryKind.PRIORITY, priority=Priority.HIGH)) == (
        ":arrows_counterclockwise: Priority is now *high*."
    )
    note = entry(EntryKind.NOTE, "Seeing 502s", actor="U0ALICE", subject="U0BOB")
    assert recorded_text(note) == ":memo: Added to the timeline: <@U0BOB> said: Seeing 502s (added by <@U0ALICE>)"


def test_a_refusal_names_people_as_data_and_slack_mentions_them() -> None:
    lost = Conflict("{lead} is already leading INC-ABCDE.", people={"lead": "U0BOB"})
    assert worded(lost) == "<@U0BOB> is already leading INC-ABCDE."
    assert str(lost) == "U0BOB is already leading INC-ABCDE."
    # Braces that are not a person (a title someone typed) are left as they are.
    odd = InvalidRequest("Title {draft} for {lead}", people={"lead": "U0BOB"})
    assert worded(odd) == "Title {draft} for <@U0BOB>"
    assert worded(InvalidRequest("No {people} here.")) == "No {people} here."
