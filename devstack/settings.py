"""Local defaults for every setting, in one place; the environment always wins."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_PATH = PROJECT_ROOT / "template.yaml"

STACK_NAME = "opsdesk-local"
REGION = "eu-west-2"
# moto's default account: ARNs built here match the ones moto returns.
ACCOUNT_ID = "123456789012"

HOST = "127.0.0.1"
MOTO_PORT = 4566
API_PORT = 3000
SLACK_PORT = 4567
JIRA_PORT = 4568
PAGERDUTY_PORT = 4569
CONFLUENCE_PORT = 4570

FAKE_AWS_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}

# PagerDuty integration keys are 32 characters; the stand-in refuses any other length.
LOCAL_ROUTING_KEY = "opsdesk0local0routing0key0000000"

LOCAL_DEFAULTS: dict[str, str] = {
    "OPS_CHANNEL_ID": "C0OPS",
    "TEAM_CHANNEL_ID": "C0TEAM",
    "SUPPORT_TEAM_IDS": "U0ALICE,U0BOB,U0CAROL",
    "PRODUCT_MANAGER_ID": "U0PAM",
    "LEADERSHIP_IDS": "U0LEAD1,U0LEAD2",
    "PUBLIC_SERVICES": "Sign-in,Payments,Reports",
    # The local EventBridge opt-in (template.yaml's AlarmNamePrefixes): the sample alarms are named prod-...
    "ALARM_NAME_PREFIXES": "prod-,db-",
    # As template.yaml deploys them: comms is reminded after 30 (high) or 120 (normal) minutes without an update.
    "UPDATE_MINUTES_HIGH": "30",
    "UPDATE_MINUTES_NORMAL": "120",
    "SLACK_SIGNING_SECRET": "local-signing-secret",
    "SLACK_BOT_TOKEN": "xoxb-local-token",
    "JIRA_PROJECT": "OPS",
    "JIRA_EMAIL": "opsdesk@example.com",
    "JIRA_API_TOKEN": "local-jira-token",
    "JIRA_WEBHOOK_SECRET": "local-jira-webhook-secret",
    "PAGERDUTY_ROUTING_KEY": LOCAL_ROUTING_KEY,
    "PAGERDUTY_WEBHOOK_SECRET": "local-pagerduty-webhook-secret",
    "OPSDESK_LAZY_MODE": "thread",
    # What `sam local` sets; Powertools' Tracer stays off when it sees it.
    "AWS_SAM_LOCAL": "true",
}

# Locally secrets come from the environment, never from Secrets Manager.
UNSET_LOCALLY = ("PARAMETERS_PATH",)


def slack_api_url(stand_in_url: str) -> str:
    """Return the Slack Web API base URL (what `WebClient(base_url=...)` takes) of a Slack stand-in."""
    return f"{stand_in_url.rstrip('/')}/api/"


def pagerduty_events_url(stand_in_url: str) -> str:
    """Return the full Events API v2 URL of a PagerDuty stand-in."""
    return f"{stand_in_url.rstrip('/')}/v2/enqueue"


def default_table_name() -> str:
    """Return the local name of template.yaml's first table, or the stack name when there is none."""
    from devstack.template import load_template

    if TEMPLATE_PATH.exists():
        tables = load_template(TEMPLATE_PATH).tables()
        if tables:
            return tables[0].name
    return STACK_NAME


def aws_environment(endpoint_url: str | None = None, region: str = REGION) -> dict[str, str]:
    """Return fake credentials, region and endpoint for boto3; values already in os.environ win."""
    env = {**FAKE_AWS_CREDENTIALS, "AWS_DEFAULT_REGION": region, "AWS_REGION": region}
    if endpoint_url:
        env["AWS_ENDPOINT_URL"] = endpoint_url
    return {key: os.environ.get(key, value) for key, value in env.items()}


def local_environment(
    stand_in_urls: Mapping[str, str],
    *,
    table_name: str | None = None,
    aws_endpoint_url: str | None = None,
    public_base_url: str | None = None,
    region: str = REGION,
) -> dict[str, str]:
    """Return the functions' local settings; values already in os.environ win over these defaults.

    Args:
        stand_in_urls: base URLs of running stand-ins keyed "slack", "jira", "pagerduty", "confluence" (missing
            keys are skipped).
        table_name: the local table name; defaults to template.yaml's first table.
        aws_endpoint_url: the embedded AWS endpoint (moto server).
        public_base_url: where the local API is reachable; defaults to http://127.0.0.1:3000.
        region: the AWS region.
    """
    defaults = dict(LOCAL_DEFAULTS)
    defaults["TABLE_NAME"] = table_name or default_table_name()
    defaults["PUBLIC_BASE_URL"] = public_base_url or f"http://{HOST}:{API_PORT}"
    if "slack" in stand_in_urls:
        defaults["SLACK_API_URL"] = slack_api_url(stand_in_urls["slack"])
    if "jira" in stand_in_urls:
        defaults["JIRA_URL"] = stand_in_urls["jira"].rstrip("/")
    if "pagerduty" in stand_in_urls:
        defaults["PAGERDUTY_EVENTS_URL"] = pagerduty_events_url(stand_in_urls["pagerduty"])
    if "confluence" in stand_in_urls:
        defaults["CONFLUENCE_URL"] = stand_in_urls["confluence"].rstrip("/")
    env = {key: os.environ.get(key, value) for key, value in defaults.items()}
    env.update(aws_environment(aws_endpoint_url, region))
    return env
