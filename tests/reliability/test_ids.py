"""Ids never collide: two sources whose short ids clash get two things, the second a longer id, and replays find theirs.

The collision is forced: the digest every id is read from is narrowed so that all sources share the same
five-character id (and differ after it), as two real sources would once in a while (about 1.7% odds by the
1,000th incident, 35% by the 5,000th).
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest

from opsdesk import entrypoints
from opsdesk.domain import ids
from opsdesk.domain.ids import SHORTEST, normalise_incident_id
from opsdesk.domain.incidents import Status
from opsdesk.domain.requests import normalise_request_id
from tests.integration.test_alarms import T0, sns_event
from tests.reliability.kit import message_event, table_items

if TYPE_CHECKING:
    from tests.reliability.conftest import Stack
    from tests.reliability.kit import Ledger

pytestmark = pytest.mark.reliability("ids")

OPS = "C0OPS"
REAL_DIGEST = ids.digest_of
FIVE = len(ids._ALPHABET) ** SHORTEST


@pytest.fixture(autouse=True)
def colliding_digest(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every source's five-character id is the same; the characters after it still differ."""
    monkeypatch.setattr(ids, "digest_of", lambda source_key: REAL_DIGEST(source_key) // FIVE * FIVE)


def incidents(stack: Stack) -> list[dict[str, Any]]:
    return [
        item for item in table_items(stack) if item["pk"]["S"].startswith("INCIDENT#") and item["sk"]["S"] == "META"
    ]


def declared(stack: Stack, trigger: str) -> str:
    """The id of the incident the declaration with this trigger created (found by its marker, as the store does)."""
    [item] = [item for item in table_items(stack) if item["sk"]["S"] == f"ONCE#declared#slack-command:{trigger}"]
    return str(item["pk"]["S"]).removeprefix("INCIDENT#")


def test_a_declaration_whose_id_is_taken_opens_its_own_incident_with_a_longer_id(stack: Stack, ledger: Ledger) -> None:
    # GIVEN an incident, resolved
    stack.slack.command("declare Database down", trigger_id="500.600.first")
    first = declared(stack, "500.600.first")
    stack.slack.command(f"resolve {first} Restarted service: Portal")
    # WHEN another declaration's short id is the same
    stack.slack.command("declare Payments failing", trigger_id="500.600.second")
    # AND Slack (or Lambda) delivers it again
    stack.slack.command("declare Payments failing", trigger_id="500.600.second")
    second = declared(stack, "500.600.second")
    # THEN it is a new, open incident with a longer id that starts with the short one; the old one is untouched
    assert len(second) == len(first) + 1 and second.startswith(first), (first, second)
    ledger.effects("incidents", len(incidents(stack)), 2)
    # (an announcement with replies is a thread's parent: Slack gives it a thread_ts equal to its own ts)
    parents = [message for message in stack.ops_messages() if message.get("thread_ts") in (None, message["ts"])]
    ledger.effects("announcements", len(parents), 2)
    repository = entrypoints.wiring().incident_repository
    assert repository.get(first).status is Status.RESOLVED and repository.get(first).title == "Database down"
    assert repository.get(second).is_open and repository.get(second).title == "Payments failing"
    ledger.lose("declarations merged into another incident", len(repository.timeline(first)) - 2)
    # AND the longer id works wherever people type one
    assert normalise_incident_id(second.lower()) == second
    stack.slack.command(f"update {second} Failing over")
    assert repository.get(second).last_update_text == "Failing over"


def test_three_declarations_sharing_a_short_id_get_three_incidents(
    stack: Stack, ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Narrow it further: the first six characters are shared too, so the third walks to seven.
    six = FIVE * len(ids._ALPHABET)
    monkeypatch.setattr(ids, "digest_of", lambda source_key: REAL_DIGEST(source_key) // six * six)
    for trigger in ("500.700.a", "500.700.b", "500.700.c", "500.700.c"):
        stack.slack.command(f"declare Outage {trigger}", trigger_id=trigger)
    found = sorted(declared(stack, trigger) for trigger in ("500.700.a", "500.700.b", "500.700.c"))
    assert [len(found_id) - len("INC-") for found_id in found] == [5, 6, 7], found
    ledger.effects("incidents", len(incidents(stack)), 3)


def test_a_request_whose_id_is_taken_opens_with_a_longer_id(stack: Stack, ledger: Ledger) -> None:
    # GIVEN two messages in the ops channel whose short request ids are the same
    sent = []
    for text, ts in (("VPN is down", "1764496800.000300"), ("Reports are slow", "1764496800.000400")):
        event = message_event(OPS, "U0DAVE", text, ts)
        stack.slack_api.add_user_message(OPS, text, user="U0DAVE")
        stack.slack.event(event, event_id=f"Ev{ts}")
        stack.slack.event(event, event_id=f"Ev{ts}", headers={"X-Slack-Retry-Num": "1"})  # redelivered
        sent.append(event)
    # THEN both are requests, each with its own id and one panel; the second id is longer
    desk = entrypoints.wiring().desk.repository
    first, second = (desk.get(OPS, event["ts"]) for event in sent)
    assert first.id != second.id and len(second.id) == len(first.id) + 1, (first.id, second.id)
    requests = [item for item in table_items(stack) if item["pk"]["S"].startswith("REQUEST#")]
    ledger.effects("support requests", len([item for item in requests if item["sk"]["S"] == "META"]), 2)
    ledger.lose("requests", 2 - len({first.id, second.id}))
    # AND each id finds its own request
    assert desk.by_id(first.id).ts == first.ts and desk.by_id(second.id).ts == second.ts
    assert normalise_request_id(second.id.lower()) == second.id


def alert_groups(stack: Stack) -> dict[str, dict[str, Any]]:
    """Every stored alert group by its id."""
    return {
        item["id"]["S"]: item
        for item in table_items(stack)
        if item["pk"]["S"].startswith("ALERTGROUP#") and item["sk"]["S"] == "META"
    }


def test_an_alert_whose_id_is_taken_raises_its_own_group_with_a_longer_id(stack: Stack, ledger: Ledger) -> None:
    # GIVEN an alarm that raised an alert and recovered on its own
    stack.clock.now = T0
    stack.invoke("AlarmsFunction", sns_event("ALARM", T0))
    stack.invoke("AlarmsFunction", sns_event("OK", T0 + timedelta(minutes=5)))
    [first] = alert_groups(stack)
    # WHEN it fires again an hour later (a new alert), its change's short id the same as the first's
    again = T0 + timedelta(hours=1)
    stack.clock.now = again
    stack.invoke("AlarmsFunction", sns_event("ALARM", again))
    # AND SNS delivers that change again
    stack.clock.advance(minutes=1)
    stack.invoke("AlarmsFunction", sns_event("ALARM", again))
    # THEN it is a group of its own with a longer id starting with the short one; the first is untouched
    groups = alert_groups(stack)
    [second] = set(groups) - {first}
    assert len(second) == len(first) + 1 and second.startswith(first), (first, second)
    ledger.effects("alert groups", len(groups), 2)
    assert groups[first]["status"]["S"] == "recovered" and groups[second]["status"]["S"] == "open"
    alerts = entrypoints.wiring().alerts.alerts
    ledger.lose("alarm changes merged into another alert", len(alerts.lines(first)) - 2)
    ledger.effects("the new alert's alarm history", len(alerts.lines(second)), 1)
    channel = stack.environment["TEAM_CHANNEL_ID"]
    top = [
        message for message in stack.slack_api.messages(channel) if message.get("thread_ts") in (None, message["ts"])
    ]
    ledger.effects("alert messages", len(top), 2)
