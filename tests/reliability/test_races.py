"""Races: many people (or overlapping sweeps) at once; the conditional writes decide, nothing is lost or doubled."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest

from opsdesk import entrypoints
from opsdesk.domain.ids import short_id
from opsdesk.domain.incidents import EntryKind
from opsdesk.slack.ids import Action
from tests.reliability.kit import click_payload, message_event, posted, run_concurrently

if TYPE_CHECKING:
    from tests.reliability.conftest import Stack
    from tests.reliability.kit import Ledger

pytestmark = pytest.mark.reliability("races")

OPS = "C0OPS"
PEOPLE = ["U0ALICE", "U0BOB", "U0CAROL", "U0DAN", "U0ERIN", "U0FRED"]
TEAM = PEOPLE[:3]  # SUPPORT_TEAM_IDS: only they change an incident; the others are refused


def repository() -> Any:
    return entrypoints.wiring().incident_repository


def declare(stack: Stack, trigger_id: str) -> str:
    assert stack.slack.command("declare high: Database down", trigger_id=trigger_id)["statusCode"] == 200
    return short_id("INC", f"slack-command:{trigger_id}")


def test_n_people_take_the_lead_at_once_one_leads_and_the_others_are_told(stack: Stack, ledger: Ledger) -> None:
    incident_id = declare(stack, "500.600.race")
    ts = repository().get(incident_id).announcement.ts
    payloads = [
        click_payload(
            OPS,
            Action.TAKE_LEAD,
            incident_id,
            user=person,
            action_ts=f"1764497000.00000{index}",
            response_url=stack.slack.response_url(person),
            message_ts=ts,
        )
        for index, person in enumerate(PEOPLE)
    ]
    answers = run_concurrently([lambda payload=payload: stack.slack.interaction(payload) for payload in payloads])
    assert [answer["statusCode"] for answer in answers] == [200] * len(PEOPLE)
    incident = repository().get(incident_id)
    assert incident.lead in TEAM
    leads = [entry for entry in repository().timeline(incident_id) if entry.kind is EntryKind.LEAD]
    ledger.effects("lead changes", len(leads), 1)
    told = [call["params"]["user"] for call in posted(stack, "chat.postEphemeral")]
    ledger.effects("people told someone else leads, or who may choose", len(told), len(PEOPLE) - 1)
    assert incident.lead not in told and set(told) == set(PEOPLE) - {incident.lead}


@pytest.mark.parametrize("writers", [5, 10])
def test_concurrent_updates_to_one_incident_lose_none(stack: Stack, ledger: Ledger, writers: int) -> None:
    incident_id = declare(stack, f"500.600.updates{writers}")
    texts = [f"status note {index}" for index in range(writers)]
    work = [
        lambda index=index, text=text: stack.slack.command(
            f"update {incident_id} {text}", user=TEAM[index % len(TEAM)], trigger_id=f"500.600.u{writers}.{index}"
        )
        for index, text in enumerate(texts)
    ]
    answers = run_concurrently(work)
    assert [answer["statusCode"] for answer in answers] == [200] * writers
    updates = [entry.text for entry in repository().timeline(incident_id) if entry.kind is EntryKind.UPDATE]
    missing = [text for text in texts if not any(text in entry for entry in updates)]
    ledger.lose("updates", len(missing))
    ledger.effects("update timeline entries", len(updates), writers)
    incident = repository().get(incident_id)
    thread = stack.slack_api.thread(OPS, incident.announcement.ts)
    ledger.effects("update thread posts", len([m for m in thread if "*Update*" in m.get("text", "")]), writers)


def test_overlapping_sweeps_raise_an_untaken_request_once_per_level(stack: Stack, ledger: Ledger) -> None:
    # GIVEN a request nobody takes (Monday 09:59:30), and the sweep built once per container
    asked = datetime(2026, 11, 30, 9, 59, 30, tzinfo=UTC)
    stack.clock.now = asked
    stack.slack.event(message_event(OPS, "U0REQ", "Please restore my home directory", f"{asked.timestamp():.6f}"))
    waiting = entrypoints.wiring().waiting
    team_channel = stack.environment["TEAM_CHANNEL_ID"]

    def raises() -> int:
        return len([call for call in posted(stack) if call["params"]["channel"] == team_channel])

    # WHEN four sweeps overlap at 10 minutes, then four at 30 minutes
    for at in (asked + timedelta(minutes=10, seconds=30), asked + timedelta(minutes=30, seconds=30)):
        results = run_concurrently([lambda at=at: waiting.sweep(at) for _ in range(4)])
        assert sum(result["raised"] + result["raised_to_team"] for result in results) == 1
    # THEN the pair (here: nobody on the rota, so the team) was asked once, and the whole team once
    ledger.effects("untaken raises in the team channel", raises(), 2)
