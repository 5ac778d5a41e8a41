"""Fixtures for the Jira, Confluence and PagerDuty contract tests: each stand-in, reset per test, on the test's clock.

Imported by name in each test module (no shared conftest: other stand-ins' contract tests live here too).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

import pytest
import requests
from jira import JIRA

from devstack.standins.confluence import ConfluenceStandIn
from devstack.standins.jira import JiraStandIn
from devstack.standins.pagerduty import PagerDutyStandIn

if TYPE_CHECKING:
    from collections.abc import Iterator

T = TypeVar("T", JiraStandIn, PagerDutyStandIn)

EMAIL, TOKEN = "opsdesk@example.com", "contract-token"
CREDENTIALS = (EMAIL, TOKEN)
ROUTING_KEY = "contract0routing0key000000000000"  # 32 characters, as PagerDuty's integration keys are


@dataclass
class Clock:
    """The stand-ins' "now"; tests move it instead of sleeping."""

    now: datetime = field(default_factory=lambda: datetime(2026, 11, 30, 10, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def on_clock(stand_in: T, clock: Clock) -> T:
    """The stand-in with its state and faults forgotten, keeping time by the test's clock."""
    stand_in.reset()
    stand_in.clock = clock
    return stand_in


@pytest.fixture(name="contract_clock")
def contract_clock_fixture() -> Clock:
    return Clock()


@pytest.fixture(scope="module", name="jira_server")
def jira_server_fixture() -> Iterator[JiraStandIn]:
    with JiraStandIn(credentials=CREDENTIALS) as stand_in:
        yield stand_in


@pytest.fixture(name="jira_cloud")
def jira_cloud_fixture(jira_server: JiraStandIn, contract_clock: Clock) -> JiraStandIn:
    """The Jira stand-in as Jira Cloud, with its search index on the test's clock."""
    return on_clock(jira_server, contract_clock)


@pytest.fixture(name="jira_datacenter")
def jira_datacenter_fixture(jira_cloud: JiraStandIn) -> JiraStandIn:
    jira_cloud.deployment = "datacenter"
    return jira_cloud


def jira_client(stand_in: JiraStandIn) -> JIRA:
    """The real `jira` client as a Cloud or Data Center user builds it: it reads serverInfo, never retries."""
    return JIRA(server=stand_in.url, basic_auth=CREDENTIALS, max_retries=0, timeout=10)


def rest(stand_in: JiraStandIn | ConfluenceStandIn, method: str, path: str, **kwargs: Any) -> requests.Response:
    """A raw REST call with the stand-in's credentials (for shapes the client hides)."""
    return requests.request(method, f"{stand_in.url}{path}", auth=CREDENTIALS, timeout=10, **kwargs)


def new_issue(client: JIRA, summary: str = "Export fails", labels: tuple[str, ...] = ()) -> Any:
    fields = {"project": {"key": "OPS"}, "issuetype": {"name": "Task"}, "summary": summary, "labels": list(labels)}
    return client.create_issue(fields=fields, prefetch=False)


@pytest.fixture(scope="module", name="confluence_server")
def confluence_server_fixture() -> Iterator[ConfluenceStandIn]:
    with ConfluenceStandIn(credentials=CREDENTIALS) as stand_in:
        yield stand_in


@pytest.fixture(name="confluence")
def confluence_fixture(confluence_server: ConfluenceStandIn) -> ConfluenceStandIn:
    confluence_server.reset()
    return confluence_server


@pytest.fixture(scope="module", name="pagerduty_server")
def pagerduty_server_fixture() -> Iterator[PagerDutyStandIn]:
    with PagerDutyStandIn() as stand_in:
        yield stand_in


@pytest.fixture(name="pagerduty")
def pagerduty_fixture(pagerduty_server: PagerDutyStandIn, contract_clock: Clock) -> PagerDutyStandIn:
    return on_clock(pagerduty_server, contract_clock)
