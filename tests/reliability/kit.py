"""What the reliability cases share: canary credentials, signed requests, and side-effect counting."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from slack_sdk.signature import SignatureVerifier

from tests.harness import api_event

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.reliability.conftest import Stack

# Canary values for every credential. They must never reach a log line, a response or a message.
CANARIES: dict[str, str] = {
    "SLACK_SIGNING_SECRET": "canary-slack-signing-secret-3c1e7d",
    "SLACK_BOT_TOKEN": "xoxb-canary-bot-token-5a9f2b",
    "JIRA_API_TOKEN": "canary-jira-api-token-8d4c1a",
    # PagerDuty routing keys are 32 characters; the stand-in refuses any other length.
    "PAGERDUTY_ROUTING_KEY": "canaryPagerDutyRoutingKey0000000",
    "JIRA_WEBHOOK_SECRET": "canary-jira-webhook-secret-2f6b0e",
    "PAGERDUTY_WEBHOOK_SECRET": "canary-pagerduty-webhook-secret-9e3d",
}
JIRA_EMAIL = "opsdesk@example.com"
SIGNING_SECRET = CANARIES["SLACK_SIGNING_SECRET"]
OTHER_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"

# Signatures and tokens in any form: Slack v0, PagerDuty v1, bot tokens, Jira basic auth.
FORBIDDEN_PATTERNS = (
    re.compile(r"xoxb-[A-Za-z0-9-]+"),
    re.compile(r"v0=[0-9a-f]{64}"),
    re.compile(r"v1=[0-9a-f]{64}"),
)

SLACK_ROUTES = ("/slack/commands", "/slack/interactions", "/slack/events")
# Calls that answer the person who asked (their modal, their ephemeral reply): not side effects.
ANSWER_CALLS = ("views.open", "views.push", "views.update", "chat.postEphemeral")


def forbidden_strings() -> list[str]:
    basic = base64.b64encode(f"{JIRA_EMAIL}:{CANARIES['JIRA_API_TOKEN']}".encode()).decode()
    return [*CANARIES.values(), basic]


def find_leaks(text: str) -> list[str]:
    """Return every canary, token or signature that appears in `text`."""
    found = [value for value in forbidden_strings() if value in text]
    found += [match.group(0) for pattern in FORBIDDEN_PATTERNS for match in pattern.finditer(text)]
    return found


def slack_signature(body: str, timestamp: str, secret: str = SIGNING_SECRET) -> str:
    return SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body)


def slack_headers(
    body: str, *, secret: str = SIGNING_SECRET, timestamp: int | None = None, content_type: str = ""
) -> dict[str, str]:
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    return {
        "Content-Type": content_type or "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": slack_signature(body, stamp, secret),
    }


def pagerduty_signature(body: bytes, secret: str = CANARIES["PAGERDUTY_WEBHOOK_SECRET"]) -> str:
    return "v1=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def slack_request(path: str, body: str, headers: dict[str, str]) -> dict[str, Any]:
    return api_event("POST", path, body, headers)


def table_items(stack: Stack) -> list[dict[str, Any]]:
    """Every item in the test's table (a test-only scan; no code path scans)."""
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"TableName": stack.table_name, "ConsistentRead": True}
    while True:
        page = stack.dynamodb().scan(**kwargs)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def side_effect_calls(stack: Stack) -> list[dict[str, Any]]:
    """Calls to every stand-in that change something (not answers to the requester)."""
    calls = [
        call
        for call in stack.slack_api.calls()
        if call["name"] not in ANSWER_CALLS and not call["path"].startswith("/response/")
    ]
    calls += stack.jira.calls()
    calls += stack.pagerduty.calls()
    return calls


def announcements(stack: Stack) -> list[dict[str, Any]]:
    return [message for message in stack.ops_messages() if not message.get("thread_ts")]


def dms_to(stack: Stack, prefix: str) -> list[dict[str, Any]]:
    return [
        call
        for call in stack.slack_api.calls("chat.postMessage")
        if str(call["params"].get("channel", "")).startswith(prefix) and call["status"] == 200 and not call["injected"]
    ]


def posted(stack: Stack, method: str = "chat.postMessage") -> list[dict[str, Any]]:
    """Calls of `method` that took effect (not the injected failures)."""
    return [call for call in stack.slack_api.calls(method) if not call["injected"] and call["status"] == 200]


def run_concurrently(work: list[Callable[[], Any]], timeout: float = 30.0) -> list[Any]:
    """Start every callable at once (a barrier), join with a bounded wait; re-raise the first error."""
    barrier = threading.Barrier(len(work))
    results: list[Any] = [None] * len(work)
    errors: list[BaseException] = []

    def runner(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout)
            results[index] = call()
        except BaseException as error:  # re-raised in the test's thread below
            errors.append(error)

    threads = [threading.Thread(target=runner, args=(index, call), daemon=True) for index, call in enumerate(work)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "a concurrent delivery did not finish in time"
    if errors:
        raise errors[0]
    return results


@dataclass
class Ledger:
    """What one case observed: side effects seen versus expected, items lost, leaks, extra cases tried."""

    observed: int = 0
    expected: int = 0
    lost: int = 0
    leaked: int = 0
    cases: int = 1
    notes: list[str] = field(default_factory=list)

    def effects(self, what: str, observed: int, expected: int) -> None:
        """Record one kind of side effect (announcements, tickets, alerts...) and assert it happened once."""
        self.observed += observed
        self.expected += expected
        self.notes.append(f"{what}: {observed}/{expected}")
        assert observed == expected, f"{what}: observed {observed}, expected {expected}"

    def lose(self, what: str, count: int) -> None:
        self.lost += count
        self.notes.append(f"lost {what}: {count}")
        assert count == 0, f"{count} {what} lost"

    def leak(self, what: str, count: int) -> None:
        """Record what must never happen (private words reaching people or the public, markup or forgery obeyed)."""
        self.leaked += count
        self.notes.append(f"leaked {what}: {count}")
        assert count == 0, f"{count} {what} leaked"

    def tried(self, count: int) -> None:
        """Say this case tried `count` inputs (fuzzing) rather than one."""
        self.cases = count


def json_body(response: dict[str, Any]) -> Any:
    try:
        return json.loads(response.get("body") or "null")
    except ValueError:
        return response.get("body")


# botocore's standard mode with Config(retries={"max_attempts": 4}) makes 5 attempts (4 retries).
DYNAMODB_ATTEMPTS = 5


def click_payload(
    channel: str, action_id: str, value: str, *, user: str, action_ts: str, response_url: str, message_ts: str = "1.0"
) -> dict[str, Any]:
    """One button click, exactly as Slack would deliver (and redeliver) it."""
    from tests.harness import fixture

    payload: dict[str, Any] = json.loads(json.dumps(fixture("slack/block_actions_payload.json")))
    payload["user"]["id"] = user
    payload["channel"]["id"] = channel
    payload["container"].update(channel_id=channel, message_ts=message_ts, is_ephemeral=False)
    payload["trigger_id"] = f"{action_ts}.trigger"
    payload["actions"][0].update(action_id=action_id, value=value, block_id="b", action_ts=action_ts)
    payload["response_url"] = response_url
    return payload


def message_event(channel: str, user: str, text: str, ts: str) -> dict[str, Any]:
    return {"type": "message", "channel": channel, "channel_type": "channel", "user": user, "text": text, "ts": ts}
