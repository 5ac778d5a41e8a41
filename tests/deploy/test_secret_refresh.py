"""Every function reads its credentials current from Parameter Store: after max_age, at once when set, on a refusal.

The handlers run as in AWS: PARAMETERS_PATH set, credentials only in Parameter Store (the moto server), none in
the environment; Slack is the local stand-in, which refuses every token but the one it is given (as Slack refuses
a revoked one with invalid_auth). The secrets' clock is the test's: max_age (300 s) passes without sleeping.
"""

from __future__ import annotations

import json
import logging
import os
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import pytest

from devstack.aws import client
from devstack.runtime import FunctionError, Runtime
from devstack.settings import local_environment
from opsdesk import entrypoints
from opsdesk.secrets import NAMES, PLACEHOLDER
from tests.deploy.conftest import OWN_CREDENTIALS
from tests.harness import SlackClientSimulator, api_event
from tests.integration.conftest import BOT_TOKEN, FakeClock, fresh_table, slack_api, stand_in_urls, template
from tests.integration.test_alarms import sns_event

if TYPE_CHECKING:
    from collections.abc import Iterator

    from devstack.aws import LocalAws
    from devstack.standins.slack import SlackStandIn
    from devstack.template import Template

__all__ = ["fresh_table", "slack_api", "stand_in_urls", "template"]

pytestmark = pytest.mark.integration

MAX_AGE = timedelta(seconds=300)
ROTATED_TOKEN = "xoxb-rotated-token"


@dataclass
class World:
    """The functions with their credentials in Parameter Store."""

    runtime: Runtime
    ssm: Any
    path: str
    clock: FakeClock
    slack_api: SlackStandIn

    def put(self, name: str, value: str) -> None:
        self.ssm.put_parameter(Name=f"{self.path}/{name}", Value=value, Type="SecureString", Overwrite=True)

    def slack_command(self, secret: str) -> int:
        simulator = SlackClientSimulator(self.runtime, secret, self.slack_api, channel="C0OPS")
        return int(simulator.command("help", trigger_id=f"{uuid.uuid4().hex}.1")["statusCode"])

    def alarm(self) -> Any:
        name = f"prod-{uuid.uuid4().hex[:8]}"
        arn = f"arn:aws:cloudwatch:eu-west-2:123456789012:alarm:{name}"
        return self.runtime.invoke("AlarmsFunction", sns_event(at=self.clock.now, arn=arn, name=name))

    def start_of_day(self, day: date) -> Any:
        """Tick the start-of-day schedule at 08:00 on a working day (it posts the checklist in Slack)."""
        event = {"job": "start-of-day", "time": f"{day.isoformat()}T08:00:00Z", "schedule_arn": "arn:s"}
        return self.runtime.invoke("SchedulesFunction", {**event, "execution_id": "e", "attempt_number": "1"})

    def jira_webhook(self, secret: str) -> int:
        body = json.dumps({"webhookEvent": "jira:issue_updated", "issue": {"key": "OPS-1", "fields": {}}})
        event = api_event("POST", "/jira/webhook", body, {"Content-Type": "application/json"})
        event["queryStringParameters"] = {"secret": secret}
        return int(self.runtime.invoke("WebhooksFunction", event)["statusCode"])


@pytest.fixture
def world(
    local_aws: LocalAws,
    template: Template,
    slack_api: SlackStandIn,
    stand_in_urls: dict[str, str],
    fresh_table: str,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[World]:
    saved = dict(os.environ)  # the in-process runtime writes each function's environment into os.environ
    path = f"/opsdesk-test-{uuid.uuid4().hex[:8]}"
    environment = local_environment(stand_in_urls, table_name=fresh_table, aws_endpoint_url=local_aws.endpoint_url)
    environment.update(OPSDESK_LAZY_MODE="inline", PARAMETERS_PATH=path, POWERTOOLS_PARAMETERS_MAX_AGE="300")
    for name in NAMES:  # as in AWS: no credential in the environment
        environment.pop(name.upper(), None)
        monkeypatch.delenv(name.upper(), raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    entrypoints.reset()
    clock = FakeClock()
    built = entrypoints.wiring()
    built.now = clock
    built.secrets.source.now = clock  # type: ignore[attr-defined]  # the Parameter Store source's cache clock
    ssm = client("ssm", local_aws.endpoint_url)
    yield World(Runtime(template, environment), ssm, path, clock, slack_api)
    slack_api.token = BOT_TOKEN
    entrypoints.reset()
    os.environ.clear()
    os.environ.update(saved)


def test_credentials_come_from_parameter_store_under_the_stack_path(world: World) -> None:
    source = entrypoints.wiring().secrets.source
    assert type(source).__name__ == "ParameterStoreSource"
    assert (
        source.where("slack_bot_token")
        == f"the SecureString parameter {world.path}/slack_bot_token (`make secrets` sets it)"
    )


def test_slack_answers_503_naming_the_parameter_until_the_signing_secret_is_set(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN the deploy done and the signing secret still a placeholder
    world.put("slack_signing_secret", PLACEHOLDER)
    world.put("slack_bot_token", BOT_TOKEN)
    # WHEN Slack sends a request
    with caplog.at_level(logging.WARNING):
        status = world.slack_command("any-secret")
    # THEN it is told to come back (not 401, not 500) and the log says exactly what to set, never a value
    assert status == 503
    assert f"{world.path}/slack_signing_secret" in caplog.text
    # WHEN the operator sets it: the very next request is verified with it (the placeholder was not kept)
    world.put("slack_signing_secret", "the-real-signing-secret")
    assert world.slack_command("the-real-signing-secret") == 200
    assert world.slack_command("another-secret") == 401


def test_a_rotated_signing_secret_is_used_after_max_age(world: World) -> None:
    world.put("slack_signing_secret", "secret-one")
    world.put("slack_bot_token", BOT_TOKEN)
    assert world.slack_command("secret-one") == 200
    # WHEN the secret is rotated: the warm container keeps the one it read for max_age ...
    world.put("slack_signing_secret", "secret-two")
    world.clock.advance(seconds=MAX_AGE.total_seconds() - 1)
    assert world.slack_command("secret-two") == 401
    # ... and reads the new one once max_age has passed
    world.clock.advance(seconds=2)
    assert world.slack_command("secret-two") == 200
    assert world.slack_command("secret-one") == 401


def test_alarms_post_as_soon_as_the_bot_token_replaces_the_placeholder(world: World) -> None:
    world.put("slack_bot_token", PLACEHOLDER)
    with pytest.raises(FunctionError, match="not_authed"):
        world.alarm()  # Lambda retries, then dead-letters: nothing is lost
    world.put("slack_bot_token", BOT_TOKEN)
    world.alarm()  # no wait for max_age: a placeholder is never kept


def test_alarms_retry_once_with_a_rotated_token_when_slack_refuses_the_old_one(world: World) -> None:
    # GIVEN a warm alarms function holding the token
    world.put("slack_bot_token", BOT_TOKEN)
    world.alarm()
    # WHEN the token is rotated: Slack refuses the old one at once, Parameter Store holds the new one
    world.slack_api.token = ROTATED_TOKEN
    world.put("slack_bot_token", ROTATED_TOKEN)
    # THEN the refusal refreshes the secret and the call goes through, well within max_age
    world.alarm()


def test_schedules_read_a_changed_bot_token_after_max_age(world: World) -> None:
    # GIVEN a warm schedules function and a new token stored before Slack switches to it
    world.put("slack_bot_token", BOT_TOKEN)
    world.start_of_day(date(2026, 11, 30))
    world.put("slack_bot_token", ROTATED_TOKEN)
    # THEN within max_age the function still sends the one it read (Slack accepts it) ...
    world.clock.advance(seconds=60)
    world.start_of_day(date(2026, 12, 1))
    # ... and after max_age it sends the stored one (which this Slack refuses: proof it was read again)
    world.clock.advance(seconds=MAX_AGE.total_seconds())
    with pytest.raises(FunctionError, match="invalid_auth"):
        world.start_of_day(date(2026, 12, 2))


def test_webhooks_read_a_rotated_webhook_secret_after_max_age(world: World) -> None:
    world.put("jira_webhook_secret", "hook-one")
    assert world.jira_webhook("hook-one") == 200
    world.put("jira_webhook_secret", "hook-two")
    assert world.jira_webhook("hook-two") == 401
    world.clock.advance(seconds=MAX_AGE.total_seconds() + 1)
    assert world.jira_webhook("hook-two") == 200
    assert world.jira_webhook("hook-one") == 401


def test_webhooks_refuse_everyone_while_the_secret_is_a_placeholder_and_accept_it_once_set(world: World) -> None:
    world.put("jira_webhook_secret", PLACEHOLDER)
    assert world.jira_webhook(PLACEHOLDER) == 401  # a placeholder is no secret: nobody gets in
    world.put("jira_webhook_secret", "hook-one")
    assert world.jira_webhook("hook-one") == 200


def test_each_function_reads_only_credentials_its_role_is_granted(world: World) -> None:
    # GIVEN every credential set, and a record of which ones are read
    for name in NAMES:
        world.put(name, BOT_TOKEN if name == "slack_bot_token" else f"value-of-{name}")
    source = entrypoints.wiring().secrets.source
    read: list[str] = []
    original = source.read

    def recording(name: str, *, fresh: bool) -> str:
        read.append(name)
        return original(name, fresh=fresh)

    source.read = recording  # type: ignore[method-assign]
    work = {
        "SlackFunction": lambda: world.slack_command("value-of-slack_signing_secret"),
        "AlarmsFunction": world.alarm,
        "SchedulesFunction": lambda: world.start_of_day(date(2026, 11, 30)),
        "WebhooksFunction": lambda: world.jira_webhook("value-of-jira_webhook_secret"),
        "PagesFunction": lambda: world.runtime.invoke("PagesFunction", api_event("GET", "/status.json", "", {})),
    }
    for function, run in work.items():
        # WHEN each function does its everyday work
        read.clear()
        run()
        # THEN it asks only for what template.yaml grants its role (tests/reliability/test_secret_grants.py)
        assert set(read) <= OWN_CREDENTIALS[function], function
        assert read or function == "PagesFunction", function


def test_links_use_the_api_url_when_no_public_base_url_is_set(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a deploy without PublicBaseUrl: the stack writes the API's own URL beside the credentials
    url = "https://abc123defg.execute-api.eu-west-2.amazonaws.com/prod"
    world.ssm.put_parameter(Name=f"{world.path}/api_url", Value=url, Type="String")
    monkeypatch.setenv("PUBLIC_BASE_URL", "")
    entrypoints.reset()
    # THEN every link opsdesk publishes is absolute, on the API
    built = entrypoints.wiring()
    assert built.settings.public_base_url == url
    assert built.status_url == f"{url}/status"


def test_the_slack_cold_start_reads_its_credentials_in_one_round_trip(world: World) -> None:
    # GIVEN a cold Slack function (nothing read yet) and a record of its calls to Parameter Store
    world.put("slack_signing_secret", "the-signing-secret")
    world.put("slack_bot_token", BOT_TOKEN)
    calls: list[str] = []
    client = entrypoints.wiring().secrets.source._ssm().client  # type: ignore[attr-defined]
    client.meta.events.register("before-call.ssm.*", lambda model, **_: calls.append(model.name))
    # WHEN it answers its first request, which needs the signing secret and the bot token
    assert world.slack_command("the-signing-secret") == 200
    # THEN both (and the API's URL) came in one GetParameters call
    assert calls == ["GetParameters"]
