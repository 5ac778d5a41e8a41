"""The Slack front door: size, signature, shape, then Bolt. Nothing runs before the signature."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_bolt.request import BoltRequest

from opsdesk.apigw import BadRequest, headers_of, raw_body
from opsdesk.secrets import SecretUnavailable
from opsdesk.slack.http import Response, reply
from opsdesk.slack.lazy import LAZY_KEY, request_from_lazy_event
from opsdesk.slack.shapes import check_command, check_event, check_interaction
from opsdesk.slack.signature import verify

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from slack_bolt import App
    from slack_sdk.signature import Clock

logger = logging.getLogger(__name__)

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
UNKNOWN_COMMAND = "I don't know `{command}`. Try `/incident help`, `/support help`, `/rota` or `/postmortem help`."


class LazyWorkFailed(Exception):
    """The slow part of a Slack request failed; Lambda retries it, then sends it to the DLQ."""


class SlackIngress:
    """Verify and route one API Gateway event, or run one lazy (second-invocation) task."""

    def __init__(
        self,
        app: App,
        signing_secret: str | Callable[[], str],
        clock: Clock | None = None,
        *,
        unset_hint: str = "the slack_signing_secret credential",
    ) -> None:
        """`signing_secret` is the secret itself (tests) or a reader of the one in force (AWS: it may be rotated)."""
        self.app = app
        if callable(signing_secret):
            self._secret = signing_secret
        else:
            fixed = signing_secret
            self._secret = lambda: fixed
        self._clock = clock
        self._unset_hint = unset_hint

    def handle(self, event: dict[str, Any]) -> Response:
        if LAZY_KEY in event:
            # Only an IAM-authorised Lambda invocation can carry this key: API Gateway
            # events have a fixed shape, so a web request can never reach this branch.
            response = self.app.dispatch(request_from_lazy_event(event))
            if response.status >= 500:
                # Bolt turns a listener's exception into a 500; raising lets Lambda retry, then dead-letter.
                raise LazyWorkFailed(str(event[LAZY_KEY].get("function")))
            return reply(200)
        try:
            return self._handle_http(event)
        except BadRequest as error:
            logger.warning("rejected Slack request: %s", error.reason)
            return reply(error.status, error.reason)

    def _signing_secret(self) -> str:
        """The secret in force; while it is unset nothing can be verified, so Slack is told to come back (503)."""
        try:
            secret = self._secret()
        except SecretUnavailable as error:
            logger.error("could not read the Slack signing secret: %s", error)
            raise BadRequest(503, "opsdesk cannot verify Slack requests right now; try again shortly") from None
        if not secret:
            # Never 401 (Slack would be told its signature is wrong) nor 500: the app is not configured yet.
            logger.error(
                "slack_signing_secret is not set, so Slack requests are answered 503: set %s", self._unset_hint
            )
            raise BadRequest(503, "opsdesk is not configured yet: its Slack signing secret is not set")
        return secret

    def _handle_http(self, event: dict[str, Any]) -> Response:
        path = str(event.get("path") or event.get("rawPath") or "")
        if str(event.get("httpMethod", "POST")).upper() != "POST":
            raise BadRequest(405, "Slack requests are POSTs")
        body = raw_body(event)
        headers = headers_of(event)
        secret = self._signing_secret()
        why = verify(
            secret,
            body,
            headers.get("x-slack-request-timestamp"),
            headers.get("x-slack-signature"),
            self._clock,
        )
        if why:
            raise BadRequest(401, "invalid Slack signature")
        text = body.decode("utf-8")
        command = ""
        if path.endswith("/slack/commands"):
            command = check_command(text)["command"]
        elif path.endswith("/slack/interactions"):
            check_interaction(text)
        elif path.endswith("/slack/events"):
            challenge = check_event(text)
            if challenge is not None:
                return reply(200, challenge)
        else:
            raise BadRequest(404, f"no Slack endpoint at {path}")
        bolt_headers: dict[str, str | Sequence[str]] = dict(headers)
        # Bolt parses by Content-Type; the path, not the client's label, says what the body is.
        bolt_headers["content-type"] = JSON if path.endswith("/slack/events") else FORM
        bolt_response = self.app.dispatch(BoltRequest(body=text, headers=bolt_headers))
        if bolt_response.status == 404:
            # Nothing listens for this (an action or event we do not use): answer, do not fail.
            logger.info("no listener for Slack request on %s", path)
            if command:
                return reply(200, {"response_type": "ephemeral", "text": UNKNOWN_COMMAND.format(command=command)})
            return reply(200)
        return {
            "statusCode": bolt_response.status,
            "headers": bolt_response.first_headers(),
            "body": bolt_response.body,
        }
