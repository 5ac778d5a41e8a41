"""The weekend paging trial through the real handlers, against the PagerDuty stand-in."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest

from devstack.standins.pagerduty import PagerDutyStandIn
from opsdesk.domain.paging import Alert, PagingFailed
from opsdesk.entrypoints import wiring
from opsdesk.integrations.pagerduty import PagerDutyEvents
from opsdesk.slack.views.mrkdwn import mention
from tests.harness import api_event

if TYPE_CHECKING:
    from collections.abc import Iterator

    from devstack.standins.slack import SlackStandIn

SATURDAY = datetime(2026, 11, 28, 14, 0, tzinfo=UTC)
TUESDAY_10 = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
ROUTING_KEY = "opsdesk0local0routing0key0000000"


@pytest.fixture(scope="module")
def pagerduty() -> Iterator[PagerDutyStandIn]:
    with PagerDutyStandIn() as stand_in:
        yield stand_in


@pytest.fixture
def stand_in_urls(slack_api: SlackStandIn, pagerduty: PagerDutyStandIn, monkeypatch: pytest.MonkeyPatch) -> dict:
    slack_api.reset()
    pagerduty.reset()
    monkeypatch.setenv("PAGING_ENABLED", "true")
    return {"slack": slack_api.url, "pagerduty": pagerduty.url}


def declare_high(stack) -> str:
    stack.slack.command("declare high: Database down")
    [incident] = wiring().incident_repository.list_open()
    return incident.id


def test_high_priority_on_a_saturday_pages_once_and_resolving_resolves_it(stack, pagerduty) -> None:
    # GIVEN a Saturday afternoon
    stack.clock.now = SATURDAY
    # WHEN a high-priority incident is declared, then resolved
    incident_id = declare_high(stack)
    triggers = [call for call in pagerduty.calls() if (call["json"] or {}).get("event_action") == "trigger"]
    assert len(triggers) == 1
    event = triggers[0]["json"]
    assert event["dedup_key"] == incident_id
    assert event["routing_key"] == ROUTING_KEY
    assert event["payload"]["severity"] == "critical"
    assert any("status" in link["href"] for link in event["links"])
    stack.clock.advance(minutes=40)
    stack.slack.command(f"resolve {incident_id} Failed over service: payments")
    # THEN one alert, resolved with the same key, and both on the timeline
    [alert] = pagerduty.alerts()
    assert (alert["dedup_key"], alert["status"]) == (incident_id, "resolved")
    timeline = wiring().incident_repository.timeline(incident_id)
    pages = [entry.describe(mention) for entry in timeline if entry.kind.value == "page"]
    assert pages == ["Paged on-call via PagerDuty", "Page resolved in PagerDuty"]


def test_the_same_incident_on_a_tuesday_at_ten_does_not_page(stack, pagerduty) -> None:
    stack.clock.now = TUESDAY_10
    incident_id = declare_high(stack)
    stack.slack.command(f"resolve {incident_id} Fixed service: payments")
    assert pagerduty.calls() == []


def test_raising_to_high_on_a_sunday_pages_and_by_hand_pages_on_a_weekday(stack, pagerduty) -> None:
    stack.clock.now = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)
    stack.slack.command("declare Slow pages")
    [incident] = wiring().incident_repository.list_open()
    assert pagerduty.calls() == []
    stack.slack.command(f"priority {incident.id} high")
    assert len(pagerduty.alerts(incident.id)) == 1
    stack.clock.now = TUESDAY_10
    stack.slack.command(f"page {incident.id}")
    assert len(pagerduty.calls("POST /v2/enqueue")) == 2


def test_retries_5xx_then_sends_one_alert(pagerduty: PagerDutyStandIn) -> None:
    pagerduty.reset()
    pagerduty.fail_next("POST /v2/enqueue", 500, times=2)
    slept: list[float] = []
    client = PagerDutyEvents(f"{pagerduty.url}/v2/enqueue", ROUTING_KEY, sleep=slept.append)
    client.trigger(Alert("INC-7K3QF", "Database down", "opsdesk", SATURDAY))
    assert [call["status"] for call in pagerduty.calls()] == [500, 500, 202]
    assert len(pagerduty.alerts()) == 1
    assert slept == [1.0]  # urllib3's backoff: the first retry at once, the second after 0.5 x 2 s


def test_a_400_is_never_retried(pagerduty: PagerDutyStandIn) -> None:
    pagerduty.reset()
    pagerduty.fail_next("POST /v2/enqueue", 400)
    client = PagerDutyEvents(f"{pagerduty.url}/v2/enqueue", ROUTING_KEY, sleep=lambda _s: None)
    with pytest.raises(PagingFailed):
        client.trigger(Alert("INC-7K3QF", "Database down", "opsdesk", SATURDAY))
    assert len(pagerduty.calls()) == 1


def webhook(stack, body: str, signature: str):
    headers = {"Content-Type": "application/json", "X-PagerDuty-Signature": signature}
    return stack.invoke("WebhooksFunction", api_event("POST", "/pagerduty/webhook", body, headers))


def test_webhook_bad_signature_is_401_and_a_good_one_records_the_ack(stack, pagerduty) -> None:
    stack.clock.now = SATURDAY
    incident_id = declare_high(stack)
    body = json.dumps(
        {
            "event": {
                "id": "01ABCDEF",
                "event_type": "incident.acknowledged",
                "occurred_at": "2026-11-28T14:05:00Z",
                "agent": {"summary": "Dana On-call"},
                "data": {"id": "Q1", "type": "incident", "incident_key": incident_id},
            }
        }
    )
    assert webhook(stack, body, "v1=" + "0" * 64)["statusCode"] == 401
    assert webhook(stack, body, "")["statusCode"] == 401
    secret = stack.environment["PAGERDUTY_WEBHOOK_SECRET"]
    good = "v1=" + hmac.new(secret.encode(), body.encode(), hashlib.sha256).hexdigest()
    for _ in range(2):  # a redelivery records nothing twice
        assert webhook(stack, body, f"v1=deadbeef, {good}")["statusCode"] == 200
    texts = [entry.text for entry in wiring().incident_repository.timeline(incident_id)]
    assert texts.count("Page acknowledged in PagerDuty by Dana On-call") == 1
