"""Public exposure: the status page shows only what the support team published, in public words only.

GIVEN incidents declared by people and opened by alarms, with internal titles, alarm names and thresholds,
Slack ids and private channel names in their titles, services and updates, WHEN the public reads /status
and /status.json, THEN nothing appears until a support-team member publishes an incident, and then only its
public title, its public updates, its state and times, and a service from the operator's allow-list.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pytest

from opsdesk import entrypoints
from tests.integration.test_alarms import ARN, sns_event
from tests.integration.test_alerts import declare_from
from tests.reliability.test_bad_input_elsewhere import invoked, page_event

if TYPE_CHECKING:
    from tests.reliability.conftest import Stack
    from tests.reliability.kit import Ledger

pytestmark = pytest.mark.reliability("public exposure")

MONDAY = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
INTERNAL = (
    "db-internal-7",
    "CPUUtilization",
    "GreaterThanThreshold",
    "U0ALICE",
    "<@",
    "C0PRIV",
    "finance-private",
    "payroll",
    "Failover to the standby",
    "prod-api-5xx",  # the alarm's name, metric and reason
    "5XXError",
    "Threshold Crossed",
)


def public_answers(stack: Stack) -> str:
    html = invoked(stack, "PagesFunction", page_event("GET", "/status", {}, None))
    data = invoked(stack, "PagesFunction", page_event("GET", "/status.json", {}, None))
    assert html["statusCode"] == 200 and data["statusCode"] == 200
    return html["body"] + data["body"]


def leaked(text: str) -> list[str]:
    return [word for word in INTERNAL if word in text]


def status_json(stack: Stack) -> dict[str, Any]:
    answer = invoked(stack, "PagesFunction", page_event("GET", "/status.json", {}, None))
    return dict(json.loads(answer["body"]))


def an_internal_incident(stack: Stack) -> str:
    stack.clock.now = MONDAY
    stack.slack.command("declare high: Payroll export broken, see <#C0PRIV123|finance-private> <@U0ALICE>")
    [incident] = [each for each in entrypoints.wiring().incident_repository.list_open() if "Payroll" in each.title]
    repository = entrypoints.wiring().incident_repository
    repository.save(replace(repository.get(incident.id), service="payroll-db-internal-7 (C0PRIV123)"))
    stack.slack.command(f"update {incident.id} Failover to the standby in <#C0PRIV123|finance-private>")
    return incident.id


def test_nothing_internal_reaches_the_page_until_it_is_published(stack: Stack, ledger: Ledger) -> None:
    # GIVEN an incident a person declared with internal words everywhere, an alert an alarm raised,
    # and an incident declared from another alert (it carries the alarm's name, metric and reason)
    an_internal_incident(stack)
    invoked(stack, "AlarmsFunction", sns_event())
    invoked(stack, "AlarmsFunction", sns_event(arn=f"{ARN}-db", name="prod-api-5xx-db"))
    [*_, group] = entrypoints.wiring().alerts.alerts.list_open()
    declare_from(stack, group.id, user="U0BOB")
    assert len(entrypoints.wiring().incident_repository.list_open()) == 2
    # THEN the public sees that all is well, and none of it
    answers = public_answers(stack)
    ledger.leak("internal words on the public page", len(leaked(answers)))
    data = status_json(stack)
    ledger.leak("incidents on the public page", len(data["open"]) + len(data["recently_resolved"]))
    assert "All services operating normally" in answers


def test_a_published_incident_shows_only_its_public_title_updates_and_allowed_service(
    stack: Stack, ledger: Ledger
) -> None:
    incident_id = an_internal_incident(stack)
    # WHEN a support-team member publishes it with a public title and a public update
    stack.slack.command(f"public {incident_id} Some staff cannot download payslips", user="U0BOB")
    stack.slack.command(f"public-update {incident_id} A fix is being rolled out; next update by 14:00", user="U0BOB")
    stack.slack.command(f"public-update {incident_id} A fix is being rolled out; next update by 14:00", user="U0BOB")
    # THEN the page shows those words only, and names no service outside the allow-list
    answers = public_answers(stack)
    ledger.leak("internal words on the public page", len(leaked(answers)))
    [shown] = status_json(stack)["open"]
    assert shown["title"] == "Some staff cannot download payslips"
    assert shown["service"] is None, "payroll-db-internal-7 is not an allowed public service"
    ledger.effects("public updates", len(shown["updates"]), 2)  # two commands: two updates, nothing lost
    # AND once resolved, it is listed as resolved, still in public words only
    stack.clock.advance(minutes=30)
    stack.slack.command(f"resolve {incident_id} Restored the replica of db-internal-7 service: Payroll")
    [resolved] = status_json(stack)["recently_resolved"]
    assert resolved["status"] == "resolved" and not leaked(json.dumps(resolved))
    # AND taken off the page, it is gone
    stack.slack.command(f"public {incident_id} off", user="U0BOB")
    data = status_json(stack)
    ledger.leak("incidents on the page after withdrawal", len(data["open"]) + len(data["recently_resolved"]))


def test_only_the_support_team_publishes_and_markup_in_public_words_is_scrubbed(stack: Stack, ledger: Ledger) -> None:
    incident_id = an_internal_incident(stack)
    # WHEN someone outside the support team tries to publish it
    stack.slack.command(f"public {incident_id} Everything is on fire", user="U0STRANGER")
    ledger.leak("incidents published by an outsider", len(status_json(stack)["open"]))
    # AND the team publishes a title that carries Slack markup and an HTML tag
    stack.slack.command(f"public {incident_id} Sign-in <@U0ALICE> <script>alert(1)</script> slow")
    answers = public_answers(stack)
    html = invoked(stack, "PagesFunction", page_event("GET", "/status", {}, None))["body"]
    assert "<script>" not in html and "&lt;script&gt;" in html, "the page shows the words, the JSON carries them"
    assert "U0ALICE" not in answers
    ledger.leak("internal words on the public page", len(leaked(answers)))
