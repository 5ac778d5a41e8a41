"""The Bolt app: configured for Lambda, our own front door, and every feature's table of listeners."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_bolt import App
from slack_bolt.authorization import AuthorizeResult

from opsdesk.slack.lazy import InProcessRunner, SelfInvokingRunner
from opsdesk.slack.listeners import (
    alerts,
    day,
    incident_actions,
    incident_extras,
    incident_timeline,
    incidents,
    messages,
    postmortem_interactions,
    postmortems,
    rota,
    support,
)
from opsdesk.slack.routing import register

if TYPE_CHECKING:
    from collections.abc import Callable

    from slack_bolt import BoltContext
    from slack_sdk import WebClient

    from opsdesk.slack.routing import Collaborators

__all__ = ["FEATURES", "App", "build_app"]

# Bolt tries listeners in registration order: channel messages, by far the most frequent
# request, come first so they do not pay for matching every command and button before them.
FEATURES = (
    messages.LISTENERS,
    incidents.LISTENERS,
    incident_actions.LISTENERS,
    incident_extras.LISTENERS,
    incident_timeline.LISTENERS,
    alerts.LISTENERS,
    postmortems.LISTENERS,
    postmortem_interactions.LISTENERS,
    support.LISTENERS,
    rota.LISTENERS,
    day.LISTENERS,
)


def build_app(
    collaborators: Collaborators,
    *,
    client: WebClient,
    bot_token: Callable[[], str],
    lazy_mode: str,
    invoke_self: Callable[[dict[str, Any]], object],
) -> App:
    """Build the app once per container: `client` answers within the 3 seconds; lazy work runs by `lazy_mode`.

    On Lambda ("lambda") lazy work is a second, asynchronous invocation of the function; locally it runs in
    this process, "inline" (tests) or on a "thread", through `invoke_self`.
    """

    def authorize(enterprise_id: str | None, team_id: str | None, **_: Any) -> AuthorizeResult:
        # One workspace, one bot token (read current, cached for minutes): no auth.test round trip on the ack path.
        return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, bot_token=bot_token())

    bolt_logger = logging.getLogger("opsdesk.bolt")
    # Bolt warns that SLACK_BOT_TOKEN (our local secret) is ignored because we authorize ourselves:
    # true and intended, so the warning is muted while the app is built, not afterwards.
    bolt_logger.setLevel(logging.ERROR)
    app = App(
        logger=bolt_logger,
        client=client,
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
        context["client"] = client
        next_()

    app.listener_runner.lazy_listener_runner = (
        SelfInvokingRunner() if lazy_mode == "lambda" else InProcessRunner(invoke_self, threaded=lazy_mode == "thread")
    )
    for listeners in FEATURES:
        register(app, listeners, collaborators)
    return app
