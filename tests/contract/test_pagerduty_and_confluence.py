"""PagerDuty's Events API v2 and Confluence's content API as their documentation says, asserted on the stand-ins."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import requests

from tests.contract.neighbour_fixtures import (  # noqa: F401  # fixtures
    ROUTING_KEY,
    Clock,
    confluence_fixture,
    confluence_server_fixture,
    contract_clock_fixture,
    pagerduty_fixture,
    pagerduty_server_fixture,
    rest,
)
from tests.harness import fixture

if TYPE_CHECKING:
    from devstack.standins.confluence import ConfluenceStandIn
    from devstack.standins.pagerduty import PagerDutyStandIn


def enqueue(pagerduty: PagerDutyStandIn, event: dict[str, Any]) -> requests.Response:
    return requests.post(f"{pagerduty.url}/v2/enqueue", json=event, timeout=10)


def trigger(dedup_key: str = "INC-1") -> dict[str, Any]:
    event: dict[str, Any] = fixture("pagerduty/events_v2_trigger_request.json")
    return {**event, "routing_key": ROUTING_KEY, "dedup_key": dedup_key}


def test_a_trigger_is_accepted_with_202_and_its_dedup_key(pagerduty: PagerDutyStandIn) -> None:
    """developer.pagerduty.com/docs/events-api-v2/trigger-events/ and PagerDuty/api-schema events-v2: 202
    {"status": "success", "message": "Event processed", "dedup_key"} (tests/fixtures/pagerduty/)."""
    answer = enqueue(pagerduty, trigger())
    assert answer.status_code == 202
    assert set(answer.json()) == set(fixture("pagerduty/events_v2_response_202.json"))
    assert answer.json()["dedup_key"] == "INC-1" and answer.json()["status"] == "success"


def test_an_invalid_event_is_400_and_never_ingested(pagerduty: PagerDutyStandIn) -> None:
    """events-api-v2/trigger-events/, 400: "Invalid event format", {"status": "invalid event", "message": "Event
    object is invalid", "errors": [...]}; payload.summary, source and severity are required for a trigger."""
    event = trigger()
    del event["payload"]["severity"]
    answer = enqueue(pagerduty, event)
    assert answer.status_code == 400
    body = answer.json()
    assert (body["status"], body["message"]) == ("invalid event", "Event object is invalid") and body["errors"]
    assert pagerduty.alerts() == []


def test_the_same_dedup_key_is_one_alert_and_acknowledging_an_unknown_one_changes_nothing(
    pagerduty: PagerDutyStandIn,
) -> None:
    """events-api-v2/trigger-events/ (dedup_key): a trigger with the key of an open alert adds to that alert;
    acknowledge and resolve for a key with no open alert are accepted and dropped."""
    enqueue(pagerduty, trigger())
    enqueue(pagerduty, trigger())
    answer = enqueue(pagerduty, {"routing_key": ROUTING_KEY, "event_action": "acknowledge", "dedup_key": "INC-9"})
    assert answer.status_code == 202
    assert [alert["dedup_key"] for alert in pagerduty.alerts()] == ["INC-1"]


def test_more_than_120_events_a_minute_on_one_key_are_429_until_the_window_passes(
    pagerduty: PagerDutyStandIn, contract_clock: Clock
) -> None:
    """developer.pagerduty.com/docs/events-api-v2/rate-limits/: "approximately 120 calls/minute per integration
    key", "calculated over a 60 second window looking back from the current time"; then "429 - Request Limit
    Exceeded" and PagerDuty will not ingest the event."""
    statuses = [enqueue(pagerduty, trigger(f"INC-{n}")).status_code for n in range(121)]
    assert statuses[:120] == [202] * 120 and statuses[120] == 429
    assert len(pagerduty.alerts()) == 120
    contract_clock.advance(seconds=61)
    assert enqueue(pagerduty, trigger("INC-late")).status_code == 202


def page_body(title: str, value: str = "<p>Summary</p>", **extra: Any) -> dict[str, Any]:
    storage = {"value": value, "representation": "storage"}
    return {"type": "page", "title": title, "space": {"key": "OPS"}, "body": {"storage": storage}, **extra}


def test_a_page_is_found_by_title_and_space_created_and_updated_by_version(confluence: ConfluenceStandIn) -> None:
    """developer.atlassian.com/cloud/confluence/rest/v1/api-group-content/: GET /wiki/rest/api/content?title=&
    spaceKey= finds a page; POST creates it; PUT must carry version.number + 1, else 409."""
    content = "/wiki/rest/api/content"
    created = rest(confluence, "POST", content, json=page_body("INC-1 postmortem")).json()
    found = rest(confluence, "GET", content, params={"title": "INC-1 postmortem", "spaceKey": "OPS"}).json()
    stale = rest(
        confluence, "PUT", f"{content}/{created['id']}", json=page_body("INC-1 postmortem", version={"number": 1})
    )
    fresh = rest(
        confluence, "PUT", f"{content}/{created['id']}", json=page_body("INC-1 postmortem", version={"number": 2})
    )
    assert [page["id"] for page in found["results"]] == [created["id"]]
    assert stale.status_code == 409 and fresh.status_code == 200 and fresh.json()["version"]["number"] == 2


def test_a_second_page_with_the_same_title_or_invalid_storage_is_400(confluence: ConfluenceStandIn) -> None:
    """api-group-content/#api-wiki-rest-api-content-post, 400: a page title is unique in its space; the storage
    format must be valid XHTML ("Error parsing xhtml")."""
    content = "/wiki/rest/api/content"
    rest(confluence, "POST", content, json=page_body("INC-1 postmortem"))
    again = rest(confluence, "POST", content, json=page_body("INC-1 postmortem"))
    broken = rest(confluence, "POST", content, json=page_body("INC-2 postmortem", value="<p>unclosed"))
    assert again.status_code == 400 and "already exists" in again.json()["message"]
    assert broken.status_code == 400 and "xhtml" in broken.json()["message"]


def test_wrong_credentials_are_401(confluence: ConfluenceStandIn) -> None:
    """developer.atlassian.com/cloud/confluence/basic-auth-for-rest-apis/: email and API token as Basic auth."""
    answer = requests.get(f"{confluence.url}/wiki/rest/api/content", auth=("opsdesk@example.com", "no"), timeout=10)
    assert answer.status_code == 401
