"""The Bolt app: configured for Lambda, our own front door, and every feature's listeners."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_bolt import App
from slack_bolt.authorization import AuthorizeResult

from opsdesk.slack.lazy import InProcessRunner, SelfInvokingRunner
from opsdesk.slack.listeners import (
    day,
    incident_actions,
    incident_extras,
    incident_subcommands,
    incidents,
    messages,
    postmortems,
    rota,
    support,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from slack_bolt import BoltContext

    from opsdesk.services import Services


def build_app(services: Services, invoke_self: Callable[[dict[str, Any]], object]) -> App:
    """Build the app once per container; `invoke_self` runs a lazy payload in-process locally."""

    def authorize(enterprise_id: str | None, team_id: str | None, **_: Any) -> AuthorizeResult:
        # One workspace, one bot token (read current, cached for minutes): no auth.test round trip on the ack path.
        return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, bot_token=services.secrets.slack_bot_token)

    bolt_logger = logging.getLogger("opsdesk.bolt")
    # Bolt warns that SLACK_BOT_TOKEN (our local secret) is ignored because we authorize ourselves:
    # true and intended, so the warning is muted while the app is built, not afterwards.
    bolt_logger.setLevel(logging.ERROR)
    app = App(
        logger=bolt_logger,
        client=services.slack_ack,
        authorize=authorize,
        process_before_response=True,
        # The ingress checked the signature on the raw bytes already.
        request_verification_enabled=False,
        token_verification_enabled=False,
        ignoring_self_events_enabled=False,
        url_verification_enabled=False,
        ssl_check_enabled=False,
    )
    bolt_logger.setLevel(logging.NOTSET)

    @app.middleware
    def current_token_client(context: BoltContext, next_: Callable[[], None]) -> None:
        # Bolt builds a plain WebClient per request; listeners get ours, which retries once after a rotated token.
        context["client"] = services.slack_ack
        next_()

    mode = services.settings.lazy_mode
    app.listener_runner.lazy_listener_runner = (
        SelfInvokingRunner() if mode == "lambda" else InProcessRunner(invoke_self, threaded=mode == "thread")
    )
    # Bolt tries listeners in registration order: channel messages, by far the most frequent
    # request, come first so they do not pay for matching every command and button before them.
    messages.register(app, services)
    subcommands: dict[str, Callable[..., None]] = {}
    incidents.register(app, services, subcommands)
    incident_subcommands.register(services, subcommands)
    incident_actions.register(app, services)
    incident_extras.register(app, services)
    postmortems.register(app, services, subcommands)
    support.register(app, services)
    rota.register(app, services)
    day.register(app, services)
    return app
