"""`make secrets` against the moto server: merges into Parameter Store, keeps the generated secret, prints no value."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from typing import TYPE_CHECKING, Any

import pytest
from scripts import put_secrets

from devstack.aws import client
from tests.deploy.conftest import ROOT, tool_environment

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from devstack.aws import LocalAws

pytestmark = pytest.mark.integration

BOT_TOKEN = "xoxb-1111-2222-abcdefabcdef"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
JIRA_URL = "https://abc123.execute-api.eu-west-2.amazonaws.com/prod/jira/webhook"


@pytest.fixture
def stack(local_aws: LocalAws, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh stack name, with boto3 pointed at the moto server."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", local_aws.endpoint_url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    yield f"opsdesk-{uuid.uuid4().hex[:8]}"


def stored(local_aws: LocalAws, stack: str) -> dict[str, str]:
    names = [f"/{stack}/{name}" for name in put_secrets.NAMES]
    response = client("ssm", local_aws.endpoint_url).get_parameters(Names=names, WithDecryption=True)
    return {item["Name"].rsplit("/", 1)[1]: item["Value"] for item in response["Parameters"]}


def run(stack: str, *args: str, answers: dict[str, str] | None = None) -> int:
    ask = None if answers is None else (lambda prompt: answers.get(prompt.split(" ", 1)[0], ""))
    return put_secrets.main(["--stack", stack, "--region", "eu-west-2", *args], ask=ask)


def write(tmp_path: Path, values: dict[str, Any]) -> str:
    path = tmp_path / "creds.json"
    path.write_text(json.dumps(values))
    return str(path)


def test_a_first_run_writes_what_is_given_and_generates_the_jira_webhook_secret(
    local_aws: LocalAws, stack: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # WHEN the operator gives the two Slack credentials
    assert (
        run(
            stack,
            "--from-file",
            write(tmp_path, {"slack_bot_token": BOT_TOKEN, "slack_signing_secret": SIGNING_SECRET}),
        )
        == 0
    )
    # THEN they are stored as SecureStrings, the Jira webhook secret is generated, the rest stays unset
    values = stored(local_aws, stack)
    assert values["slack_bot_token"] == BOT_TOKEN
    assert values["slack_signing_secret"] == SIGNING_SECRET
    assert len(values["jira_webhook_secret"]) == 48
    assert set(values) == {"slack_bot_token", "slack_signing_secret", "jira_webhook_secret"}
    kinds = client("ssm", local_aws.endpoint_url).describe_parameters(
        ParameterFilters=[{"Key": "Path", "Values": [f"/{stack}"]}]
    )["Parameters"]
    assert {item["Type"] for item in kinds} == {"SecureString"}
    # AND the output names each credential's state, and never a value
    out = capsys.readouterr().out
    assert "jira_api_token" in out and "unset" in out
    for value in values.values():
        assert value not in out


def test_a_second_run_merges_and_keeps_the_generated_secret(local_aws: LocalAws, stack: str, tmp_path: Path) -> None:
    run(stack, "--from-file", write(tmp_path, {"slack_bot_token": BOT_TOKEN}))
    generated = stored(local_aws, stack)["jira_webhook_secret"]
    # WHEN one more credential is added later
    assert run(stack, "--from-file", write(tmp_path, {"jira_api_token": "atlassian-token-1"})) == 0
    # THEN nothing set before is lost or regenerated
    values = stored(local_aws, stack)
    assert values["slack_bot_token"] == BOT_TOKEN
    assert values["jira_webhook_secret"] == generated
    assert values["jira_api_token"] == "atlassian-token-1"


def test_a_placeholder_left_by_hand_is_replaced_and_the_webhook_secret_generated(
    local_aws: LocalAws, stack: str
) -> None:
    ssm = client("ssm", local_aws.endpoint_url)
    ssm.put_parameter(Name=f"/{stack}/jira_webhook_secret", Value="REPLACE_ME", Type="SecureString")
    assert run(stack, "--no-input") == 0
    assert stored(local_aws, stack)["jira_webhook_secret"] not in ("", "REPLACE_ME")


def test_it_asks_only_for_what_is_not_set(local_aws: LocalAws, stack: str, tmp_path: Path) -> None:
    run(stack, "--from-file", write(tmp_path, {"slack_bot_token": BOT_TOKEN}))
    asked: list[str] = []

    def ask(prompt: str) -> str:
        asked.append(prompt.split(" ", 1)[0])
        return SIGNING_SECRET if prompt.startswith("slack_signing_secret") else ""

    monkey = pytest.MonkeyPatch()
    monkey.setattr(sys.stdin, "isatty", lambda: True)
    try:
        assert put_secrets.main(["--stack", stack, "--region", "eu-west-2"], ask=ask) == 0
    finally:
        monkey.undo()
    assert "slack_bot_token" not in asked and "jira_webhook_secret" not in asked
    assert "slack_signing_secret" in asked and "pagerduty_routing_key" in asked
    assert stored(local_aws, stack)["slack_signing_secret"] == SIGNING_SECRET


@pytest.mark.parametrize(
    ("values", "why"),
    [
        ({"slack_bot_token": "xoxp-a-user-token"}, "xoxb-"),
        ({"pagerduty_routing_key": "too-short"}, "32 characters"),
        ({"slack_signing_secret": "REPLACE_ME"}, "REPLACE_ME"),
        ({"slack_bot_tokn": BOT_TOKEN}, "unknown names slack_bot_tokn"),
    ],
)
def test_wrong_values_are_refused_and_nothing_is_written(
    local_aws: LocalAws,
    stack: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    values: dict[str, str],
    why: str,
) -> None:
    assert run(stack, "--from-file", write(tmp_path, {**values, "jira_api_token": "would-be-written"})) == 2
    assert why in capsys.readouterr().err
    assert stored(local_aws, stack) == {}


def test_the_webhook_secret_is_printed_only_when_asked(
    local_aws: LocalAws, stack: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a deployed stack (its JiraWebhookUrl output), here a minimal one in moto's CloudFormation
    template = {
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {"JiraWebhookUrl": {"Value": JIRA_URL}},
    }
    client("cloudformation", local_aws.endpoint_url).create_stack(StackName=stack, TemplateBody=json.dumps(template))
    run(stack, "--no-input")
    masked = capsys.readouterr().out
    assert f"Jira webhook URL: {JIRA_URL}\n" in masked
    assert "Jira webhook secret (Jira signs each delivery with it): <jira_webhook_secret>" in masked
    run(stack, "--no-input", "--show-jira-webhook")
    secret = stored(local_aws, stack)["jira_webhook_secret"]
    shown = capsys.readouterr().out
    assert f"Jira webhook secret (Jira signs each delivery with it): {secret}" in shown
    assert f"cannot sign its webhooks: {JIRA_URL}?secret={secret}" in shown


def test_make_secrets_runs_the_helper(local_aws: LocalAws, stack: str, tmp_path: Path) -> None:
    # The command the README gives, as an operator runs it (a subprocess, boto3 on the moto endpoint).
    path = write(tmp_path, {"slack_bot_token": BOT_TOKEN})
    env = tool_environment(tmp_path, local_aws.endpoint_url)
    done = subprocess.run(
        ["make", "-s", "secrets", f"ARGS=--stack {stack} --from-file {path} --no-input"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "slack_bot_token" in done.stdout and BOT_TOKEN not in done.stdout
    assert stored(local_aws, stack)["slack_bot_token"] == BOT_TOKEN
