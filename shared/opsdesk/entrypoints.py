"""One place that builds each function's long-lived objects, once per container."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

from opsdesk.secrets import secrets
from opsdesk.services import Services
from opsdesk.settings import settings

if TYPE_CHECKING:
    from opsdesk.slack.ingress import SlackIngress


@lru_cache(maxsize=1)
def services() -> Services:
    loaded, credentials = settings(), secrets()
    if not loaded.public_base_url and (api_url := credentials.stack_value("api_url")):
        # No PublicBaseUrl: links use the API's own URL, which the stack writes to Parameter Store (template.yaml
        # explains why it cannot be an environment variable), so published links are always absolute.
        loaded = loaded.model_copy(update={"public_base_url": api_url})
    return Services(settings=loaded, secrets=credentials)


@lru_cache(maxsize=1)
def slack_ingress() -> SlackIngress:
    from opsdesk.slack.app import build_app  # noqa: PLC0415
    from opsdesk.slack.ingress import SlackIngress  # noqa: PLC0415

    def invoke_self(event: dict[str, Any]) -> object:
        return slack_ingress().handle(event)

    # The Slack function's cold start reads these three before its first answer: one round trip, not three.
    secrets().prefetch("api_url", "slack_signing_secret", "slack_bot_token")
    built = services()
    credentials = built.secrets
    return SlackIngress(
        build_app(built, invoke_self),
        lambda: credentials.slack_signing_secret,
        unset_hint=credentials.where("slack_signing_secret"),
    )


def reset() -> None:
    """Forget every cached object (tests change the environment between cases)."""
    from opsdesk.secrets import secrets as cached_secrets  # noqa: PLC0415
    from opsdesk.settings import settings as cached_settings  # noqa: PLC0415
    from opsdesk.store.dynamodb import client as cached_dynamodb  # noqa: PLC0415

    for cached in (services, slack_ingress, cached_secrets, cached_settings, cached_dynamodb):
        cached.cache_clear()
