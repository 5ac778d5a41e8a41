"""Out of hours, a high-priority alert pages PagerDuty once (a storm too) and the page resolves with it."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest

from opsdesk import entrypoints
from opsdesk.domain.alerts import PageState
from tests.integration import test_paging
from tests.integration.test_alarms import ARN, alarm, sns_event, use_routes
from tests.integration.test_alerts import declare_from

if TYPE_CHECKING:
    from datetime import datetime

    from devstack.standins.pagerduty import PagerDutyStandIn
    from tests.integration.conftest import Stack

pytestmark = pytest.mark.integration

SATURDAY, TUESDAY_10 = test_paging.SATURDAY, test_paging.TUESDAY_10
# The paging trial's PagerDuty stand-in, and the stack's URLs pointing at it with the trial on.
pagerduty, stand_in_urls = test_paging.pagerduty, test_paging.stand_in_urls
HIGH = [{"pattern": "prod-api-*", "service": "Civil API", "user_facing": True}]


def fire(stack: Stack, name: str, state: str, at: datetime) -> dict[str, Any]:
    return alarm(stack, sns_event(state, at, arn=ARN.replace("prod-api-5xx", name), name=name))


def triggers(pagerduty: PagerDutyStandIn) -> list[dict[str, Any]]:
    return [call for call in pagerduty.calls() if (call["json"] or {}).get("event_action") == "trigger"]


def test_a_weekend_storm_on_a_high_priority_route_pages_once_and_resolves_when_it_recovers(
    stack: Stack, pagerduty: PagerDutyStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_routes(stack, HIGH, monkeypatch)
    stack.clock.now = SATURDAY
    # WHEN three alarms of a user-facing service fire on a Saturday afternoon
    for index, name in enumerate(("prod-api-5xx", "prod-api-latency", "prod-api-errors")):
        fire(stack, name, "ALARM", SATURDAY + timedelta(seconds=index * 20))
    # THEN PagerDuty is paged once, keyed on the alert group
    [group] = entrypoints.wiring().alerts.alerts.list_open()
    [trigger] = triggers(pagerduty)
    assert trigger["json"]["dedup_key"] == group.id
    assert entrypoints.wiring().alerts.alerts.get(group.id).page is PageState.TRIGGERED
    # WHEN every alarm recovers before anyone declares
    for name in ("prod-api-5xx", "prod-api-latency", "prod-api-errors"):
        fire(stack, name, "OK", SATURDAY + timedelta(minutes=8))
    # THEN the alert closed on its own and the page is resolved, once
    [alert] = pagerduty.alerts()
    assert (alert["dedup_key"], alert["status"]) == (group.id, "resolved")
    assert entrypoints.wiring().alerts.alerts.get(group.id).page is PageState.RESOLVED
    assert len(triggers(pagerduty)) == 1


def test_in_hours_or_a_normal_route_pages_nobody(
    stack: Stack, pagerduty: PagerDutyStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_routes(stack, HIGH, monkeypatch)
    stack.clock.now = SATURDAY
    fire(stack, "batch-lag", "ALARM", SATURDAY)  # unrouted: normal priority, whatever the day
    stack.clock.now = TUESDAY_10
    fire(stack, "prod-api-latency", "ALARM", TUESDAY_10)  # high priority, but people are watching Slack
    assert len(entrypoints.wiring().alerts.alerts.list_open()) == 2
    assert pagerduty.calls() == []


def test_an_incident_declared_from_a_paged_alert_pages_nobody_twice_and_its_resolution_resolves_the_page(
    stack: Stack, pagerduty: PagerDutyStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_routes(stack, HIGH, monkeypatch)
    stack.clock.now = SATURDAY
    fire(stack, "prod-api-5xx", "ALARM", SATURDAY)
    [group] = entrypoints.wiring().alerts.alerts.list_open()
    declare_from(stack, group.id, user="U0BOB", priority="high")
    # (the form was prefilled from the route: service and high priority)
    view = stack.slack_api.views()[-1]
    fields = {block.get("block_id"): block.get("element", {}) for block in view["blocks"]}
    assert fields["priority"]["initial_option"]["value"] == "high"
    assert fields["service"]["initial_value"] == "Civil API"
    [incident] = entrypoints.wiring().incident_repository.list_open()
    assert incident.is_high
    # THEN still one page, the alert's; it resolves with the incident
    assert [call["json"]["dedup_key"] for call in triggers(pagerduty)] == [group.id]
    stack.slack.command(f"resolve {incident.id} Rolled back", user="U0BOB")
    assert pagerduty.alerts(group.id, "resolved")
