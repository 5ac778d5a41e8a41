"""Drive the real handlers the way Slack and AWS would: signed bodies in API Gateway events."""

from __future__ import annotations

import copy
import json
import time
import uuid
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

if TYPE_CHECKING:
    from datetime import datetime

    from devstack.runtime import Runtime
    from devstack.standins.slack import SlackStandIn

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def fixture(name: str) -> Any:
    path = FIXTURES / name
    return json.loads(path.read_text()) if path.suffix == ".json" else path.read_text()


def api_event(method: str, path: str, body: str, headers: dict[str, str]) -> dict[str, Any]:
    """An API Gateway REST (v1) proxy event, built from the documented Powertools example."""
    event = copy.deepcopy(fixture("aws/apigw_rest_v1_proxy_event.json"))
    event.update(
        resource=path,
        path=path,
        httpMethod=method,
        headers=headers,
        multiValueHeaders={key: [value] for key, value in headers.items()},
        queryStringParameters=None,
        multiValueQueryStringParameters=None,
        body=body,
        isBase64Encoded=False,
    )
    event["requestContext"].update(httpMethod=method, path=f"/prod{path}", resourcePath=path)
    return event


def header(response: dict[str, Any], name: str) -> str | None:
    """A response header as the client sees it: API Gateway merges `headers` and `multiValueHeaders`."""
    found: dict[str, str] = {}
    for key, values in (response.get("multiValueHeaders") or {}).items():
        found[key.lower()] = ", ".join(str(value) for value in values)
    found.update({key.lower(): str(value) for key, value in (response.get("headers") or {}).items()})
    return found.get(name.lower())


def signed_headers(body: str, secret: str, timestamp: int | None = None, content_type: str = "") -> dict[str, str]:
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    return {
        "Content-Type": content_type or "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body),
    }


class SlackClientSimulator:
    """Sends what Slack sends (commands, clicks, modal submissions, events) to SlackFunction."""

    def __init__(self, runtime: Runtime, secret: str, slack_api: SlackStandIn, channel: str = "C0OPS") -> None:
        self.runtime = runtime
        self.secret = secret
        self.slack_api = slack_api
        self.channel = channel

    def response_url(self, user: str) -> str:
        return self.slack_api.response_url(self.channel, user, uuid.uuid4().hex[:8])

    def post(self, path: str, body: str, *, content_type: str = "", headers: dict[str, str] | None = None) -> Any:
        signed = signed_headers(body, self.secret, content_type=content_type)
        signed.update(headers or {})
        return self.runtime.invoke("SlackFunction", api_event("POST", path, body, signed))

    def command(self, text: str, user: str = "U0ALICE", command: str = "/incident", **extra: str) -> Any:
        form = dict(
            token="verification_token",
            team_id="T111",
            team_domain="opsdesk",
            channel_id=extra.pop("channel_id", self.channel),
            channel_name="laa-ops",
            user_id=user,
            user_name=user.lower(),
            command=command,
            text=text,
            response_url=self.response_url(user),
            trigger_id=extra.pop("trigger_id", f"{time.time():.6f}.{uuid.uuid4().hex[:8]}"),
        )
        form.update(extra)
        return self.post("/slack/commands", urlencode(form))

    def interaction(self, payload: dict[str, Any]) -> Any:
        return self.post("/slack/interactions", urlencode({"payload": json.dumps(payload)}))

    def message_shortcut(
        self, callback_id: str, message: dict[str, Any], user: str = "U0ALICE", channel: str = ""
    ) -> Any:
        """A message shortcut used on `message` (in the ops channel unless `channel` says otherwise)."""
        channel = channel or self.channel
        return self.interaction(
            {
                "type": "message_action",
                "callback_id": callback_id,
                "trigger_id": f"{time.time():.6f}.{uuid.uuid4().hex[:8]}",
                "action_ts": f"{time.time():.6f}",
                "team": {"id": "T111", "domain": "opsdesk"},
                "user": {"id": user, "name": user.lower()},
                "channel": {"id": channel, "name": "laa-ops" if channel == self.channel else channel.lower()},
                "message": message,
                "response_url": self.response_url(user),
            }
        )

    def click(self, action_id: str, value: str, user: str = "U0ALICE", message_ts: str = "1.0") -> Any:
        payload = copy.deepcopy(fixture("slack/block_actions_payload.json"))
        payload["user"]["id"] = user
        payload["channel"]["id"] = self.channel
        payload["container"].update(channel_id=self.channel, message_ts=message_ts, is_ephemeral=False)
        payload["trigger_id"] = f"{time.time():.6f}.{uuid.uuid4().hex[:8]}"
        payload["actions"][0].update(action_id=action_id, value=value, block_id="b", action_ts=f"{time.time():.6f}")
        payload["response_url"] = self.response_url(user)
        return self.interaction(payload)

    def submit(
        self,
        callback_id: str,
        values: dict[str, Any],
        private_metadata: str = "",
        user: str = "U0ALICE",
        view_id: str = "",
    ) -> Any:
        payload = copy.deepcopy(fixture("slack/view_submission_payload.json"))
        payload["user"]["id"] = user
        view = payload["view"]
        view.update(
            id=view_id or f"V{uuid.uuid4().hex[:10].upper()}",
            callback_id=callback_id,
            private_metadata=private_metadata,
        )
        view["state"]["values"] = {
            field: {field: {"type": "static_select", "selected_option": {"value": value[1]}}}
            if isinstance(value, tuple)
            else {field: {"type": "plain_text_input", "value": value}}
            for field, value in values.items()
        }
        return self.interaction(payload)

    def deliver(self, event: dict[str, Any], event_id: str = "", headers: dict[str, str] | None = None) -> Any:
        """Send an event only as Slack would: conversation events only where the app is a member (else None)."""
        if not self.slack_api.delivers(event):
            return None
        return self.event(event, event_id, headers)

    def event(self, event: dict[str, Any], event_id: str = "", headers: dict[str, str] | None = None) -> Any:
        envelope = copy.deepcopy(fixture("slack/event_callback_message_channel.json"))
        envelope["event"] = event
        envelope["event_id"] = event_id or f"Ev{uuid.uuid4().hex[:10].upper()}"
        return self.post("/slack/events", json.dumps(envelope), content_type="application/json", headers=headers)


class StackActions:
    """What tests do to a running stack, whichever suite built it."""

    slack_api: SlackStandIn
    endpoint_url: str
    environment: dict[str, str]

    def invoke(self, logical_id: str, event: Any) -> Any:
        raise NotImplementedError

    def tick(self, job: str, at: datetime) -> Any:
        """Fire a schedule as EventBridge Scheduler would: its Input, with a fresh execution id."""
        event = {
            "job": job,
            "time": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "schedule_arn": f"arn:aws:scheduler:::schedule/default/{job}",
            "execution_id": str(uuid.uuid4()),
            "attempt_number": "1",
        }
        return self.invoke("SchedulesFunction", event)

    def dynamodb(self) -> Any:
        from devstack.aws import client

        return client("dynamodb", self.endpoint_url)

    def ops_messages(self) -> list[dict[str, Any]]:
        return self.slack_api.messages(self.environment["OPS_CHANNEL_ID"])
