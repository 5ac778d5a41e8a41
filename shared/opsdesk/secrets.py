"""Credentials: from Secrets Manager in AWS, from the environment locally. Never logged."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field, fields
from functools import lru_cache

_NAMES = (
    "slack_signing_secret",
    "slack_bot_token",
    "jira_api_token",
    "pagerduty_routing_key",
    "jira_webhook_secret",
    "pagerduty_webhook_secret",
)


@dataclass(frozen=True)
class Secrets:
    """The credentials opsdesk holds; repr hides them so a log line cannot leak one."""

    slack_signing_secret: str = field(default="", repr=False)
    slack_bot_token: str = field(default="", repr=False)
    jira_api_token: str = field(default="", repr=False)
    pagerduty_routing_key: str = field(default="", repr=False)
    jira_webhook_secret: str = field(default="", repr=False)
    pagerduty_webhook_secret: str = field(default="", repr=False)

    def values(self) -> list[str]:
        return [value for value in (getattr(self, item.name) for item in fields(self)) if value]


PLACEHOLDER = "REPLACE_ME"  # what template.yaml seeds the secret with until someone fills it in


def _from_secrets_manager(arn: str) -> dict[str, str]:
    import boto3  # noqa: PLC0415  # only in AWS, where the secret lives

    response = boto3.client("secretsmanager").get_secret_value(SecretId=arn)
    loaded = json.loads(response["SecretString"])
    values = {name: str(loaded.get(name, "")) for name in _NAMES}
    unfilled = [name for name, value in values.items() if value == PLACEHOLDER]
    if unfilled:
        # Names only, never values: the log says what to fill in, and the feature stays off until then.
        logging.getLogger(__name__).error("secret keys still hold the placeholder: %s", ", ".join(unfilled))
    return {name: "" if value == PLACEHOLDER else value for name, value in values.items()}


@lru_cache(maxsize=1)
def secrets() -> Secrets:
    """Load the credentials once per container."""
    arn = os.environ.get("SECRETS_ARN", "")
    values = _from_secrets_manager(arn) if arn else {name: os.environ.get(name.upper(), "") for name in _NAMES}
    return Secrets(**values)
