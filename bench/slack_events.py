"""Signed API Gateway events of the three kinds Slack sends, each with fresh Slack ids."""

from __future__ import annotations

import copy
import json
import time
import uuid
from typing import Any
from urllib.parse import urlencode

from tests.harness import api_event, fixture, signed_headers

from opsdesk.slack.ids import Action

USER = "U0ALICE"


def command(
    secret: str, channel: str, text: str = "declare Database down", command: str = "/incident"
) -> dict[str, Any]:
    form = {
        "token": "verification_token",
        "team_id": "T111",
        "team_domain": "opsdesk",
        "channel_id": channel,
        "channel_name": "laa-ops",
        "user_id": USER,
        "user_name": "alice",
        "command": command,
        "text": text,
        "response_url": "http://127.0.0.1:9/response",
        "trigger_id": f"{time.time():.6f}.{uuid.uuid4().hex[:8]}",
    }
    body = urlencode(form)
    return api_event("POST", "/slack/commands", body, signed_headers(body, secret))


def click(secret: str, channel: str, value: str, action_id: str = Action.TAKE_LEAD) -> dict[str, Any]:
    payload = copy.deepcopy(fixture("slack/block_actions_payload.json"))
    payload["user"]["id"] = USER
    payload["channel"]["id"] = channel
    payload["container"].update(channel_id=channel, message_ts="1.0", is_ephemeral=False)
    payload["trigger_id"] = f"{time.time():.6f}.{uuid.uuid4().hex[:8]}"
    payload["actions"][0].update(action_id=action_id, value=value, block_id="b", action_ts=f"{time.time():.6f}")
    payload["response_url"] = "http://127.0.0.1:9/response"
    body = urlencode({"payload": json.dumps(payload)})
    return api_event("POST", "/slack/interactions", body, signed_headers(body, secret))


def message(
    secret: str, channel: str, text: str = "Can someone look at the VPN?", user: str = "U0REPORTER"
) -> dict[str, Any]:
    envelope = copy.deepcopy(fixture("slack/event_callback_message_channel.json"))
    ts = f"{time.time():.6f}"
    envelope["event"] = {
        "type": "message",
        "channel": channel,
        "user": user,
        "text": text,
        "ts": ts,
        "event_ts": ts,
        "channel_type": "channel",
    }
    envelope["event_id"] = f"Ev{uuid.uuid4().hex[:10].upper()}"
    body = json.dumps(envelope)
    return api_event("POST", "/slack/events", body, signed_headers(body, secret, content_type="application/json"))


def kinds(secret: str, channel: str, incident_id: str) -> dict[str, Any]:
    """Builders for the warm-latency kinds: a slash command, a button click, an Events API message."""
    return {
        "slash_command": lambda: command(secret, channel),
        "button_click": lambda: click(secret, channel, incident_id),
        "event_message": lambda: message(secret, channel),
    }
