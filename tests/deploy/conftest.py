"""The template as a deploy sends it: `sam package` against the moto server, then the SAM transform CloudFormation runs.

`sam deploy` uploads the code, rewrites CodeUri/ContentUri to s3:// URIs (what `sam package` does) and sends that
template to CloudFormation, which expands `AWS::Serverless-2016-10-31` with aws-sam-translator. These fixtures do
the same here: the real SAM CLI packages into a moto S3 bucket on 127.0.0.1, and the translator the SAM CLI pins
(in .tools/sam) expands the result for the parameter values a test names.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
import uuid
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import pytest

from devstack.aws import client
from devstack.settings import FAKE_AWS_CREDENTIALS, REGION
from tests.integration.conftest import local_aws

if TYPE_CHECKING:
    from devstack.aws import LocalAws

__all__ = ["local_aws"]

ROOT = Path(__file__).resolve().parents[2]
SAM = ROOT / ".tools/sam/bin/sam"
SAM_PYTHON = ROOT / ".tools/sam/bin/python"
CHECKOV = ROOT / ".tools/checkov/bin/checkov"
CFN_LINT = ROOT / ".tools/sam/bin/cfn-lint"
BUCKET = "opsdesk-deploy-artifacts"
STACK = "opsdesk"
# The parameters without defaults, as `sam deploy --guided` asks for them.
REQUIRED = {
    "OpsChannelId": "C0OPS00000",
    "TeamChannelId": "C0TEAM0000",
    "SupportTeamIds": "U0ALICE00,U0BOB0000",
    "ProductManagerId": "U0PAM0000",
    "LeadershipIds": "U0LEAD100",
}
# The credentials each function uses, and the only ones its role may read (template.yaml says why).
OWN_CREDENTIALS: dict[str, set[str]] = {
    "SlackFunction": {"slack_signing_secret", "slack_bot_token", "jira_api_token", "pagerduty_routing_key"},
    "AlarmsFunction": {"slack_bot_token", "pagerduty_routing_key"},
    "SchedulesFunction": {"slack_bot_token", "jira_api_token"},
    "WebhooksFunction": {"jira_webhook_secret", "pagerduty_webhook_secret", "slack_bot_token"},
    "PagesFunction": set(),
}
# Every optional part switched on: the largest template a deploy can produce.
EVERYTHING_ON = {
    **REQUIRED,
    "AlarmNamePrefixes": "prod-,db-",
    "OperatorEmail": "ops@example.com",
    "PagingEnabled": "true",
    "ApiGatewayLoggingRole": "create",
    "JiraUrl": "https://opsdesk-test.atlassian.net",
    "PublicBaseUrl": "https://status.example.com",
}


def tool_environment(tmp: Path, endpoint_url: str = "") -> dict[str, str]:
    """The SAM CLI on loopback only: fake credentials, the moto endpoint, no telemetry, no weekly PyPI version check."""
    app_dir = tmp / "sam-app-dir"
    app_dir.mkdir(exist_ok=True)
    (app_dir / "metadata.json").write_text(json.dumps({"lastVersionCheck": time.time(), "telemetryEnabled": False}))
    env = {**os.environ, **FAKE_AWS_CREDENTIALS, "AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION}
    env.update(SAM_CLI_TELEMETRY="0", __SAM_CLI_APP_DIR=str(app_dir))
    if endpoint_url:
        env["AWS_ENDPOINT_URL"] = endpoint_url
    return env


def require_tools(*tools: Path) -> None:
    missing = [str(tool.relative_to(ROOT)) for tool in tools if not tool.exists()]
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed: run `make tools` (make test does)")


@pytest.fixture(scope="session")
def packaged(local_aws: LocalAws, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """template.yaml after `sam package`: code and layers zipped into the (moto) S3 bucket, URIs rewritten."""
    require_tools(SAM)
    tmp = tmp_path_factory.mktemp("package")
    bucket = f"{BUCKET}-{uuid.uuid4().hex[:8]}"  # one per session fixture (the reliability suite has its own)
    client("s3", local_aws.endpoint_url).create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    output = tmp / "packaged.yaml"
    command = [str(SAM), "package", "--template-file", "template.yaml", "--s3-bucket", bucket, "--s3-prefix", STACK]
    command += ["--output-template-file", str(output), "--region", REGION, "--no-progressbar"]
    done = subprocess.run(
        command,
        cwd=ROOT,
        env=tool_environment(tmp, local_aws.endpoint_url),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return output


def transform(template: Path, parameters: dict[str, str], tmp: Path) -> dict[str, Any]:
    """The template as CloudFormation expands it (aws-sam-translator, the SAM CLI's own pin)."""
    require_tools(SAM_PYTHON)
    done = subprocess.run(
        [str(SAM_PYTHON), str(ROOT / "tests/deploy/sam_transform.py"), str(template), json.dumps(parameters)],
        cwd=ROOT,
        env=tool_environment(tmp),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    transformed: dict[str, Any] = json.loads(done.stdout)
    return transformed


@pytest.fixture(scope="session")
def transformed(packaged: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """transformed(**parameters): the deployed template for those parameter values (cached per set of values)."""
    tmp = tmp_path_factory.mktemp("transform")

    @cache
    def expand(**parameters: str) -> dict[str, Any]:
        return transform(packaged, {**REQUIRED, **parameters}, tmp)

    def fresh(**parameters: str) -> dict[str, Any]:
        return json.loads(json.dumps(expand(**parameters)))  # a copy each time: tests may change theirs

    return fresh


class CheckovRun(NamedTuple):
    failed: list[str]
    passed: int
    returncode: int
    stderr: str


def checkov(template: str, env: dict[str, str] | None = None) -> CheckovRun:
    """Run checkov's CloudFormation checks on a template (the skips in its Metadata apply)."""
    command = [str(CHECKOV), "-f", template, "--framework", "cloudformation", "--compact", "--quiet", "-o", "json"]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    report = json.loads(result.stdout or "{}")
    reports = report if isinstance(report, list) else [report]
    failed = [
        f"{check['check_id']} {check.get('resource', '')}: {check.get('check_name', '')}"
        for item in reports
        for check in item.get("results", {}).get("failed_checks", [])
    ]
    passed = sum(item.get("summary", {}).get("passed", 0) for item in reports)
    return CheckovRun(failed, passed, result.returncode, result.stderr[-2000:])
