"""What Slack sends, checked before Bolt sees it: a malformed body is a 400 with a reason, never a 500."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from opsdesk.apigw import BadRequest

if TYPE_CHECKING:
    from collections.abc import Callable

COMMAND_FIELDS = ("command", "user_id", "channel_id", "trigger_id")
EVENT_ENVELOPES = {"url_verification", "event_callback", "app_rate_limited"}
_TS = re.compile(r"^\d{1,12}\.\d{1,9}$")


def _form(text: str) -> dict[str, str]:
    try:
        parsed = parse_qs(text, keep_blank_values=True, strict_parsing=bool(text), max_num_fields=200)
    except ValueError as error:
        raise BadRequest(400, "the body is not form-encoded as Slack sends it") from error
    return {key: values[0] for key, values in parsed.items()}


def _require(condition: bool, reason: str) -> None:
    if not condition:
        raise BadRequest(400, reason)


def _is_text(value: object) -> bool:
    return isinstance(value, str) and bool(value)


def check_command(text: str) -> dict[str, str]:
    form = _form(text)
    missing = [name for name in COMMAND_FIELDS if not form.get(name)]
    _require(not missing, f"a slash command needs {', '.join(missing)}")
    _require(form["command"].startswith("/"), "the command must start with /")
    return form


def _check_actions(payload: dict[str, Any]) -> None:
    actions = payload.get("actions")
    if not isinstance(actions, list) or not actions:
        raise BadRequest(400, "block_actions needs a non-empty actions list")
    for action in actions:
        _require(isinstance(action, dict) and _is_text(action.get("action_id")), "each action needs an action_id")


def _check_view(payload: dict[str, Any]) -> None:
    view = payload.get("view")
    if not isinstance(view, dict):
        raise BadRequest(400, f"{payload['type']} needs a view object")
    for name in ("id", "type", "callback_id"):
        _require(isinstance(view.get(name), str), f"the view needs a string {name}")
    _require(isinstance(view.get("private_metadata", ""), str), "the view's private_metadata must be a string")
    state = view.get("state", {"values": {}})
    _require(isinstance(state, dict) and isinstance(state.get("values", {}), dict), "the view's state is malformed")


def _check_shortcut(payload: dict[str, Any]) -> None:
    _require(_is_text(payload.get("callback_id")), f"{payload['type']} needs a callback_id")
    if payload["type"] == "message_action":
        _require(isinstance(payload.get("message"), dict), "a message shortcut needs the message")
        _require(isinstance(payload.get("channel"), dict), "a message shortcut needs the channel")


_INTERACTION_CHECKS: dict[str, Callable[[dict[str, Any]], None]] = {
    "block_actions": _check_actions,
    "view_submission": _check_view,
    "view_closed": _check_view,
    "shortcut": _check_shortcut,
    "message_action": _check_shortcut,
    "block_suggestion": lambda payload: _require(_is_text(payload.get("action_id")), "needs an action_id"),
}
INTERACTION_TYPES = frozenset(_INTERACTION_CHECKS)


def check_interaction(text: str) -> dict[str, Any]:
    form = _form(text)
    _require("payload" in form, "an interaction is a form field named payload holding JSON")
    try:
        payload = json.loads(form["payload"])
    except (ValueError, RecursionError) as error:  # nested past the parser's depth is junk too
        raise BadRequest(400, "the payload field is not JSON") from error
    _require(
        isinstance(payload, dict) and payload.get("type") in INTERACTION_TYPES, "not a Slack interaction (unknown type)"
    )
    user = payload.get("user")
    _require(isinstance(user, dict) and _is_text(user.get("id")), "the interaction payload has no user")
    _INTERACTION_CHECKS[payload["type"]](payload)
    return payload  # type: ignore[no-any-return]


def check_event(text: str) -> dict[str, Any] | None:
    """Validate an Events API body; return the url_verification answer if it is one."""
    try:
        envelope = json.loads(text)
    except (ValueError, RecursionError) as error:  # nested past the parser's depth is junk too
        raise BadRequest(400, "an Events API body must be JSON") from error
    _require(isinstance(envelope, dict) and envelope.get("type") in EVENT_ENVELOPES, "not an Events API envelope")
    if envelope["type"] == "url_verification":
        _require(isinstance(envelope.get("challenge"), str), "url_verification needs a challenge string")
        return {"challenge": envelope["challenge"]}
    if envelope["type"] == "event_callback":
        event = envelope.get("event")
        if not isinstance(event, dict) or not _is_text(envelope.get("event_id")):
            raise BadRequest(400, "event_callback needs an event object and an event_id")
        _require(_is_text(event.get("type")), "the event needs a type")
        for name in ("ts", "event_ts", "thread_ts"):
            _require(name not in event or bool(_TS.match(str(event[name]))), f"the event's {name} is not a Slack ts")
    return None
