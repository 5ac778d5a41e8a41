"""Shared integration fixtures: a moto server, the table from template.yaml, stand-ins, the real handlers.

Each test gets a fresh table (built from template.yaml's own definition, so tests cannot
drift from what is deployed), fresh stand-in state, and a clock it controls.
"""

from __future__ import annotations

import dataclasses
import os
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest

from devstack.aws import LocalAws, client, create_table, start_moto
from devstack.runtime import Runtime
from devstack.settings import TEMPLATE_PATH, local_environment
from devstack.standins.slack import SlackStandIn
from devstack.template import Template, load_template
from opsdesk import entrypoints
from opsdesk.store.dynamodb import client as dynamodb_client
from tests.harness import SlackClientSimulator, StackActions

if TYPE_CHECKING:
    from collections.abc import Iterator

BOT_TOKEN = "xoxb-local-token"


@dataclass
class FakeClock:
    """The time the handlers see on paths that carry none (commands, clicks)."""

    now: datetime = field(default_factory=lambda: datetime(2026, 11, 30, 10, 0, tzinfo=UTC))  # a Monday

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@dataclass
class Stack(StackActions):
    """The system under test, wired like `make run` but on ephemeral ports."""

    runtime: Runtime
    slack: SlackClientSimulator
    slack_api: SlackStandIn
    clock: FakeClock
    table_name: str
    endpoint_url: str
    environment: dict[str, str]
    extras: dict[str, Any] = field(default_factory=dict)

    def invoke(self, logical_id: str, event: Any) -> Any:
        return self.runtime.invoke(logical_id, event)


@pytest.fixture(scope="session")
def local_aws() -> Iterator[LocalAws]:
    aws = start_moto(port=0, use_existing=False)
    yield aws
    aws.stop()


@pytest.fixture(scope="session")
def template() -> Template:
    return load_template(TEMPLATE_PATH)


@pytest.fixture(scope="session")
def slack_api() -> Iterator[SlackStandIn]:
    with SlackStandIn(token=BOT_TOKEN) as stand_in:
        yield stand_in


@pytest.fixture
def fresh_table(local_aws: LocalAws, template: Template) -> str:
    table = template.tables()[0]
    name = f"opsdesk-test-{uuid.uuid4().hex[:8]}"
    create_table(client("dynamodb", local_aws.endpoint_url), dataclasses.replace(table, name=name))
    return name


@pytest.fixture
def stand_in_urls(slack_api: SlackStandIn) -> dict[str, str]:
    slack_api.reset()
    return {"slack": slack_api.url}


@pytest.fixture(autouse=True)
def _restore_environment() -> Iterator[None]:
    """The in-process runtime writes each function's environment into os.environ: undo it after each test."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture
def clock() -> FakeClock:
    """The test's clock: the handlers' "now", and the stand-ins' where they keep time (Jira's search index)."""
    return FakeClock()


@pytest.fixture
def environment_overrides() -> dict[str, str]:
    """Settings a test module gives the whole stack (e.g. the support team as a Slack user group)."""
    return {}


@pytest.fixture
def stack(
    local_aws: LocalAws,
    template: Template,
    slack_api: SlackStandIn,
    stand_in_urls: dict[str, str],
    fresh_table: str,
    monkeypatch: pytest.MonkeyPatch,
    clock: FakeClock,
    environment_overrides: dict[str, str],
) -> Iterator[Stack]:
    environment = local_environment(stand_in_urls, table_name=fresh_table, aws_endpoint_url=local_aws.endpoint_url)
    environment.update(OPSDESK_LAZY_MODE="inline", SLACK_BOT_TOKEN=BOT_TOKEN, POWERTOOLS_METRICS_NAMESPACE="Opsdesk")
    environment.update(environment_overrides)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("SECRETS_ARN", raising=False)
    # As a team does on day one (and the sandbox does): the app is invited to both of its channels.
    slack_api.invite(environment["OPS_CHANNEL_ID"], environment["TEAM_CHANNEL_ID"])
    entrypoints.reset()
    entrypoints.wiring().now = clock
    runtime = Runtime(template, environment)
    simulator = SlackClientSimulator(
        runtime, environment["SLACK_SIGNING_SECRET"], slack_api, channel=environment["OPS_CHANNEL_ID"]
    )
    yield Stack(runtime, simulator, slack_api, clock, fresh_table, local_aws.endpoint_url, environment)
    entrypoints.reset()


@pytest.fixture
def dynamodb_calls(stack: Stack) -> Iterator[list[str]]:
    """Every DynamoDB API call the handlers make, by operation name."""
    calls: list[str] = []

    def count(event_name: str, **_: Any) -> None:
        calls.append(event_name.rsplit(".", 1)[-1])

    dynamodb_client().meta.events.register("before-call.dynamodb", count)
    yield calls
    dynamodb_client().meta.events.unregister("before-call.dynamodb", count)
