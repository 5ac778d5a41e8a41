"""Secrets: canary credentials never reach logs, answers or messages, failure paths included.

Every case in this suite runs under the `leak_watch` fixture (conftest.py); these cases drive the
failure paths where a careless log line would print a token, a basic-auth header or a signature.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import pytest

from opsdesk.secrets import secrets
from opsdesk.slack.support_ids import SupportAction
from opsdesk.store.requests import RequestRepository
from tests.reliability.kit import CANARIES, find_leaks, message_event, slack_headers, slack_request

if TYPE_CHECKING:
    from tests.reliability.conftest import Stack
    from tests.reliability.faults import Sleeps

pytestmark = pytest.mark.reliability("secrets")


def test_the_canaries_are_the_credentials_in_use(stack: Stack) -> None:
    loaded = secrets()
    assert set(loaded.values()) == set(CANARIES.values())
    assert find_leaks(repr(loaded)) == [], "the Secrets repr hides every value"


def test_the_leak_watch_would_see_a_leak(caplog: pytest.LogCaptureFixture) -> None:
    text = f"token {CANARIES['SLACK_BOT_TOKEN']} and v0={'a' * 64}"
    assert len(find_leaks(text)) >= 2


def test_a_slack_auth_failure_logs_no_token(stack: Stack, sleeps: Sleeps) -> None:
    stack.slack_api.fail_next("chat.postMessage", 200, times=10, body={"ok": False, "error": "invalid_auth"})
    stack.slack.command("declare Database down", trigger_id="900.1.auth")


def test_forged_and_stale_requests_log_no_signature(stack: Stack, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    body = "command=%2Fincident&text=declare+x&user_id=U0ALICE&channel_id=C0OPS&trigger_id=1"
    for timestamp in (None, 1):
        headers = slack_headers(body, timestamp=timestamp, secret="wrong-secret")
        assert stack.invoke("SlackFunction", slack_request("/slack/commands", body, headers))["statusCode"] == 401


def test_jira_refusing_our_credentials_logs_no_basic_auth(stack: Stack) -> None:
    ts = "1764496800.000900"
    stack.slack_api.add_user_message("C0OPS", "Backups failing", user="U0DAVE")
    stack.slack.event(message_event("C0OPS", "U0DAVE", "Backups failing", ts))
    request = RequestRepository(stack.environment["TABLE_NAME"]).get("C0OPS", ts)
    stack.jira.fail_next("*", 401, times=10)
    stack.slack.click(SupportAction.RAISE_TICKET, request.id, message_ts=ts)


def test_a_crashing_handler_traceback_holds_no_secret(stack: Stack) -> None:
    with pytest.raises(Exception, match="unknown job"):
        stack.tick("no-such-job", stack.clock.now)
