"""The Slack front door: size, signature, shape, then Bolt. Nothing runs before the signature."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from slack_bolt.request import BoltRequest

from opsdesk.slack.http import BadRequest, Response, headers_of, raw_body, reply
from opsdesk.slack.lazy import LAZY_KEY, request_from_lazy_event
from opsdesk.slack.signature import verify

if TYPE_CHECKING:
    from collections.abc import Sequence

    from slack_bolt import App
    from slack_sdk.signature import Clock

logger = logging.getLogger(__name__)

INTERACTION_TYPES = {
    "block_actions",
    "view_submission",
    "view_closed",
    "shortcut",
    "message_action",
    "block_suggestion",
}
EVENT_ENVELOPES = {"url_verification", "event_callback", "app_rate_limited"}
COMMAND_FIELDS = ("command", "user_id", "channel_id", "trigger_id")


def _form(text: str) -> dict[str, str]:
    try:
        parsed = parse_qs(text, keep_blank_values=True, strict_parsing=bool(text), max_num_fields=200)
    except ValueError as error:
        raise BadRequest(400, "the body is not form-encoded as Slack sends it") from error
    return {key: values[0] for key, values in parsed.items()}


def _check_command(text: str) -> None:
    form = _form(text)
    missing = [name for name in COMMAND_FIELDS if not form.get(name)]
    if missing:
        raise BadRequest(400, f"a slash command needs {', '.join(missing)}")
    if not form["command"].startswith("/"):
        raise BadRequest(400, "the command must start with /")


def _check_interaction(text: str) -> None:
    form = _form(text)
    if "payload" not in form:
        raise BadRequest(400, "an interaction is a form field named payload holding JSON")
    try:
        payload = json.loads(form["payload"])
    except ValueError as error:
        raise BadRequest(400, "the payload field is not JSON") from error
    if not isinstance(payload, dict) or payload.get("type") not in INTERACTION_TYPES:
        raise BadRequest(400, "the payload is not a Slack interaction (unknown type)")
    if not isinstance(payload.get("user"), dict) or not payload["user"].get("id"):
        raise BadRequest(400, "the interaction payload has no user")


def _check_event(text: str) -> dict[str, Any] | None:
    """Validate an Events API body; return the url_verification answer if it is one."""
    try:
        envelope = json.loads(text)
    except ValueError as error:
        raise BadRequest(400, "an Events API body must be JSON") from error
    if not isinstance(envelope, dict) or envelope.get("type") not in EVENT_ENVELOPES:
        raise BadRequest(400, "the body is not an Events API envelope (unknown type)")
    if envelope["type"] == "url_verification":
        challenge = envelope.get("challenge")
        if not isinstance(challenge, str):
            raise BadRequest(400, "url_verification needs a challenge string")
        return {"challenge": challenge}
    if envelope["type"] == "event_callback" and (
        not isinstance(envelope.get("event"), dict) or not envelope.get("event_id")
    ):
        raise BadRequest(400, "event_callback needs an event object and an event_id")
    return None


class SlackIngress:
    """Verify and route one API Gateway event, or run one lazy (second-invocation) task."""

    def __init__(self, app: App, signing_secret: str, clock: Clock | None = None) -> None:
        self.app = app
        self._secret = signing_secret
        self._clock = clock

    def handle(self, event: dict[str, Any]) -> Response:
        if LAZY_KEY in event:
            # Only an IAM-authorised Lambda invocation can carry this key: API Gateway
            # events have a fixed shape, so a web request can never reach this branch.
            self.app.dispatch(request_from_lazy_event(event))
            return reply(200)
        try:
            return self._handle_http(event)
        except BadRequest as error:
            logger.warning("rejected Slack request: %s", error.reason)
            return reply(error.status, error.reason)

    def _handle_http(self, event: dict[str, Any]) -> Response:
        path = str(event.get("path") or event.get("rawPath") or "")
        if str(event.get("httpMethod", "POST")).upper() != "POST":
            raise BadRequest(405, "Slack requests are POSTs")
        body = raw_body(event)
        headers = headers_of(event)
        why = verify(
            self._secret,
            body,
            headers.get("x-slack-request-timestamp"),
            headers.get("x-slack-signature"),
            self._clock,
        )
        if why:
            raise BadRequest(401, "invalid Slack signature")
        text = body.decode("utf-8")
        if path.endswith("/slack/commands"):
            _check_command(text)
        elif path.endswith("/slack/interactions"):
            _check_interaction(text)
        elif path.endswith("/slack/events"):
            challenge = _check_event(text)
            if challenge is not None:
                return reply(200, challenge)
        else:
            raise BadRequest(404, f"no Slack endpoint at {path}")
        bolt_headers: dict[str, str | Sequence[str]] = dict(headers)
        bolt_response = self.app.dispatch(BoltRequest(body=text, headers=bolt_headers))
        if bolt_response.status == 404:
            # Nothing listens for this (an action or event we do not use): answer, do not fail.
            logger.info("no listener for Slack request on %s", path)
            return reply(200)
        return {
            "statusCode": bolt_response.status,
            "headers": bolt_response.first_headers(),
            "body": bolt_response.body,
        }
