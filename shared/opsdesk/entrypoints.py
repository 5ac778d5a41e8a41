"""What the Lambda handlers call: the container's wiring (opsdesk/wiring.py), and the Slack function's front door."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

from opsdesk.secrets import secrets
from opsdesk.settings import settings
from opsdesk.store.dynamodb import client as dynamodb_client
from opsdesk.wiring import Wiring

if TYPE_CHECKING:
    from collections.abc import Callable

    from opsdesk.slack.app import App
    from opsdesk.slack.ingress import SlackIngress


@lru_cache(maxsize=1)
def wiring() -> Wiring:
    loaded, credentials = settings(), secrets()
    if not loaded.public_base_url and (api_url := credentials.stack_value("api_url")):
        # No PublicBaseUrl: links use the API's own URL, which the stack writes to Parameter Store (template.yaml
        # explains why it cannot be an environment variable), so published links are always absolute.
        loaded = loaded.model_copy(update={"public_base_url": api_url})
    return Wiring(settings=loaded, secrets=credentials)


def slack_app(built: Wiring, invoke_self: Callable[[dict[str, Any]], object]) -> App:
    """The Bolt app over the wiring's flows; `invoke_self` runs a lazy payload in-process locally."""
    # Bolt is the Slack function's alone: imported here, the other functions' cold starts never load it.
    from opsdesk.slack.app import build_app  # noqa: PLC0415

    return build_app(
        built,
        client=built.slack_ack,
        bot_token=built.bot_token,
        lazy_mode=built.settings.lazy_mode,
        invoke_self=invoke_self,
    )


@lru_cache(maxsize=1)
def slack_ingress() -> SlackIngress:
    from opsdesk.slack.ingress import SlackIngress  # noqa: PLC0415  # see slack_app

    def invoke_self(event: dict[str, Any]) -> object:
        return slack_ingress().handle(event)

    # The Slack function's cold start reads these three before its first answer: one round trip, not three.
    secrets().prefetch("api_url", "slack_signing_secret", "slack_bot_token")
    built = wiring()
    credentials = built.secrets
    return SlackIngress(
        slack_app(built, invoke_self),
        lambda: credentials.slack_signing_secret,
        unset_hint=credentials.where("slack_signing_secret"),
    )


def reset() -> None:
    """Forget every cached object (tests change the environment between cases)."""
    for cached in (wiring, slack_ingress, secrets, settings, dynamodb_client):
        cached.cache_clear()
