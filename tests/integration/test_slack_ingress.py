"""The Slack front door: signatures, windows, shapes; nothing happens unless Slack sent it."""

from __future__ import annotations

import json
import time
from urllib.parse import urlencode

import pytest

from tests.harness import api_event, fixture, signed_headers

pytestmark = pytest.mark.integration


def _table_items(stack) -> list[dict]:  # type: ignore[no-untyped-def]
    return stack.dynamodb().scan(TableName=stack.table_name)["Items"]  # test-only look at everything


def _command_body(text: str = "declare Database down") -> str:
    body = fixture("slack/slash_command_form_body.txt").strip()
    form = dict(pair.split("=", 1) for pair in body.split("&"))
    form.update(command="%2Fincident", text=text.replace(" ", "+"), user_id="U0ALICE", channel_id="C0OPS")
    return "&".join(f"{key}={value}" for key, value in form.items())


def _forged(kind: str) -> dict[str, str]:
    # Built at run time: a timestamp computed at collection would drift into the window. A minute past the
    # window, not a second, so a slow cold start cannot carry "ahead" back in (tests/unit/test_signature.py
    # tests the exact boundary under a frozen clock).
    now = int(time.time())
    return {
        "unsigned": {},
        "wrong": {"X-Slack-Request-Timestamp": str(now), "X-Slack-Signature": "v0=" + "0" * 64},
        "other-secret": signed_headers(_command_body(), "another-secret"),
        "6min-old": signed_headers(_command_body(), "local-signing-secret", timestamp=now - 360),
        "6min-ahead": signed_headers(_command_body(), "local-signing-secret", timestamp=now + 360),
        "junk-timestamp": {"X-Slack-Request-Timestamp": "soon", "X-Slack-Signature": "v0=abc"},
    }[kind]


@pytest.mark.parametrize("kind", ["unsigned", "wrong", "other-secret", "6min-old", "6min-ahead", "junk-timestamp"])
def test_unsigned_forged_or_stale_requests_get_401_and_change_nothing(stack, kind) -> None:  # type: ignore[no-untyped-def]
    headers = _forged(kind)
    response = stack.invoke("SlackFunction", api_event("POST", "/slack/commands", _command_body(), headers))
    assert response["statusCode"] == 401
    assert _table_items(stack) == []
    assert stack.slack_api.calls() == []


def test_a_body_changed_after_signing_is_refused(stack) -> None:  # type: ignore[no-untyped-def]
    headers = signed_headers(_command_body(), "local-signing-secret")
    tampered = _command_body("declare Database down!")
    response = stack.invoke("SlackFunction", api_event("POST", "/slack/commands", tampered, headers))
    assert response["statusCode"] == 401


@pytest.mark.parametrize(
    ("path", "body", "reason"),
    [
        ("/slack/commands", "not a form at all", "form-encoded"),
        ("/slack/commands", urlencode({"command": "/incident"}), "needs"),
        ("/slack/interactions", urlencode({"payload": "{nope"}), "not JSON"),
        ("/slack/interactions", urlencode({"payload": json.dumps({"type": "mystery"})}), "unknown type"),
        ("/slack/events", "[]", "Events API"),
        ("/slack/events", json.dumps({"type": "event_callback"}), "event_id"),
    ],
)
def test_signed_but_malformed_bodies_get_400_with_a_reason(stack, path, body, reason) -> None:  # type: ignore[no-untyped-def]
    response = stack.slack.post(path, body)
    assert response["statusCode"] == 400
    assert reason in response["body"]
    assert _table_items(stack) == []


def test_oversized_body_is_413_before_parsing(stack) -> None:  # type: ignore[no-untyped-def]
    response = stack.slack.post("/slack/commands", "text=" + "x" * 300_000)
    assert response["statusCode"] == 413


def test_url_verification_is_answered(stack) -> None:  # type: ignore[no-untyped-def]
    body = json.dumps(fixture("slack/url_verification.json"))
    response = stack.slack.post("/slack/events", body, content_type="application/json")
    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == {"challenge": fixture("slack/url_verification.json")["challenge"]}


def test_unknown_subcommand_gets_help_not_an_error(stack) -> None:  # type: ignore[no-untyped-def]
    response = stack.slack.command("frobnicate now")
    assert response["statusCode"] == 200
    body = json.loads(response["body"])
    assert "I don't know `/incident frobnicate`" in json.dumps(body)
    assert "/incident declare" in json.dumps(body)


def test_help_lists_the_commands(stack) -> None:  # type: ignore[no-untyped-def]
    body = json.loads(stack.slack.command("help")["body"])
    text = json.dumps(body)
    for subcommand in ("declare", "lead", "comms", "update", "priority", "status", "list", "timeline", "resolve"):
        assert f"/incident {subcommand}" in text
