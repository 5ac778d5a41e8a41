"""The real handlers in this process, wired like `make run`, against the moto server and the stand-ins."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from tests.harness import SlackClientSimulator

from bench.env import (
    SLACK_FUNCTION_NAME,
    Closing,
    LambdaStub,
    MotoProcess,
    base_environment,
    new_table,
    restore_environment,
    template,
)
from devstack.runtime import Runtime
from devstack.settings import LOCAL_DEFAULTS, pagerduty_events_url
from devstack.standins.jira import JiraStandIn
from devstack.standins.pagerduty import PagerDutyStandIn
from devstack.standins.slack import SlackStandIn
from opsdesk import entrypoints

if TYPE_CHECKING:
    from bench.counting import DynamoDBCalls
    from devstack.template import Template

BOT_TOKEN = "xoxb-local-token"
# A Monday inside support hours in London (GMT in November): what paths without a time of their own see.
MONDAY = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


@dataclass
class World:
    """Long-lived servers, started once per bench run."""

    closing: Closing
    moto: MotoProcess
    slack: SlackStandIn
    jira: JiraStandIn
    pagerduty: PagerDutyStandIn
    lambda_stub: LambdaStub
    template: Template
    calls: DynamoDBCalls | None = None

    @classmethod
    def start(cls, closing: Closing) -> World:
        return cls(
            closing=closing,
            moto=closing.add(MotoProcess()),
            slack=closing.add(_invited(SlackStandIn(token=BOT_TOKEN).start())),
            jira=closing.add(JiraStandIn().start()),
            pagerduty=closing.add(PagerDutyStandIn().start()),
            lambda_stub=closing.add(LambdaStub()),
            template=template(),
        )

    def table(self) -> str:
        return new_table(self.moto.endpoint_url, self.template)

    def reset_stand_ins(self) -> None:
        for stand_in in (self.slack, self.jira, self.pagerduty):
            stand_in.reset()
        _invited(self.slack)

    def external_calls(self) -> dict[str, int]:
        return {
            "slack": len(self.slack.calls()),
            "jira": len(self.jira.calls()),
            "pagerduty": len(self.pagerduty.calls()),
        }


def _invited(slack: SlackStandIn) -> SlackStandIn:
    """The app is in both of its channels, as a team sets it up on day one."""
    slack.invite(LOCAL_DEFAULTS["OPS_CHANNEL_ID"], LOCAL_DEFAULTS["TEAM_CHANNEL_ID"])
    return slack


@dataclass
class Stack:
    """One table and one lazy mode: the real handlers, a Slack simulator, a fixed clock."""

    world: World
    table: str
    runtime: Runtime
    environment: dict[str, str]
    slack: SlackClientSimulator
    now: datetime = MONDAY
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def secret(self) -> str:
        return self.environment["SLACK_SIGNING_SECRET"]

    @property
    def channel(self) -> str:
        return self.environment["OPS_CHANNEL_ID"]

    def activate(self) -> None:
        """Point the process-wide settings and the wiring at this stack (outside any timed region)."""
        restore_environment()
        os.environ.update(self.environment)
        os.environ.pop("SECRETS_ARN", None)
        entrypoints.reset()
        entrypoints.wiring().now = lambda: self.now
        if self.world.calls is not None:
            self.world.calls.attach()

    def invoke(self, logical_id: str, event: Any) -> Any:
        return self.runtime.invoke(logical_id, event)


def stack(world: World, *, lazy: str = "inline", table: str | None = None) -> Stack:
    """A stack on a fresh (or given) table; lazy="lambda" hands lazy work to the Invoke stub."""
    name = table or world.table()
    extra = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "JIRA_URL": world.jira.url,
        "PAGERDUTY_EVENTS_URL": pagerduty_events_url(world.pagerduty.url),
    }
    if lazy != "lambda":
        extra["OPSDESK_LAZY_MODE"] = lazy
    environment = base_environment(
        world.moto.endpoint_url,
        name,
        world.slack.url,
        lambda_url=world.lambda_stub.url if lazy == "lambda" else "",
        extra=extra,
    )
    if lazy == "lambda":
        environment["AWS_LAMBDA_FUNCTION_NAME"] = SLACK_FUNCTION_NAME
    restore_environment()
    runtime = Runtime(world.template, environment)
    simulator = SlackClientSimulator(
        runtime, environment["SLACK_SIGNING_SECRET"], world.slack, environment["OPS_CHANNEL_ID"]
    )
    built = Stack(world, name, runtime, environment, simulator)
    built.activate()
    return built
