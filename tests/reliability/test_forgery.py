"""Forgery and replay: nothing unsigned, mis-signed, altered or stale gets past the front door, or changes anything."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import pytest

from opsdesk import entrypoints
from opsdesk.domain.ids import short_id
from opsdesk.slack.ids import Action, Callback, Field
from opsdesk.slack.ingress import SlackIngress
from tests.harness import fixture
from tests.reliability.kit import (
    OTHER_SECRET,
    SIGNING_SECRET,
    SLACK_ROUTES,
    side_effect_calls,
    slack_headers,
    slack_request,
    table_items,
)

if TYPE_CHECKING:
    from tests.reliability.conftest import Stack
    from tests.reliability.kit import Ledger

pytestmark = pytest.mark.reliability("forgery")

FORGERIES = (
    "unsigned",
    "wrong",
    "other-secret",
    "one-byte-changed",
    "6min-old",
    "6min-ahead",
    "non-numeric-timestamp",
    "unicode-digit-timestamp",
)


def genuine_body(path: str) -> str:
    """A body that, correctly signed, would change something (declare, take lead, open a request)."""
    if path == "/slack/commands":
        return urlencode(
            {
                "team_id": "T111",
                "channel_id": "C0OPS",
                "user_id": "U0ALICE",
                "command": "/incident",
                "text": "declare high: Database down",
                "response_url": "http://127.0.0.1:9/response/x",
                "trigger_id": "111.222.forged",
            }
        )
    if path == "/slack/interactions":
        payload = copy.deepcopy(fixture("slack/block_actions_payload.json"))
        payload["user"]["id"] = "U0ALICE"
        payload["actions"][0].update(action_id=Action.TAKE_LEAD, value="INC-22222")
        return urlencode({"payload": json.dumps(payload)})
    envelope = copy.deepcopy(fixture("slack/event_callback_message_channel.json"))
    envelope["event"] = {"type": "message", "channel": "C0OPS", "user": "U0DAVE", "text": "help!", "ts": "1.000001"}
    return json.dumps(envelope)


def forged(kind: str, body: str) -> tuple[str, dict[str, str]]:  # noqa: PLR0911  # one branch per forgery
    """The (body, headers) an attacker sends; timestamps are computed now, never at collection."""
    now = int(time.time())
    if kind == "unsigned":
        return body, {"Content-Type": "application/x-www-form-urlencoded"}
    if kind == "wrong":
        return body, {"X-Slack-Request-Timestamp": str(now), "X-Slack-Signature": "v0=" + "0" * 64}
    if kind == "other-secret":
        return body, slack_headers(body, secret=OTHER_SECRET)
    if kind == "one-byte-changed":
        headers = slack_headers(body)
        index = len(body) // 2
        changed = body[:index] + ("A" if body[index] != "A" else "B") + body[index + 1 :]
        return changed, headers
    # A minute past the window, not a second: the handler reads the wall clock later than this line, and
    # a cold start on a loaded machine would carry a 301-second "ahead" back inside the window. The exact
    # boundary is tested under a frozen clock in tests/unit/test_signature.py.
    if kind == "6min-old":
        return body, slack_headers(body, timestamp=now - 360)
    if kind == "6min-ahead":
        return body, slack_headers(body, timestamp=now + 360)
    if kind == "non-numeric-timestamp":
        headers = slack_headers(body)
        headers["X-Slack-Request-Timestamp"] = "soon"
        return body, headers
    if kind == "unicode-digit-timestamp":
        # Superscript digits pass str.isdigit() and break int(): an unguarded check answers 500, not 401.
        headers = slack_headers(body)
        headers["X-Slack-Request-Timestamp"] = str(now).translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"))
        return body, headers
    raise AssertionError(kind)


def assert_nothing_happened(stack: Stack, ledger: Ledger) -> None:
    ledger.leak("table items", len(table_items(stack)))
    ledger.leak("stand-in calls", len(side_effect_calls(stack)) + len(stack.slack_api.calls()))


@pytest.mark.parametrize("path", SLACK_ROUTES)
@pytest.mark.parametrize("kind", FORGERIES)
def test_forged_slack_requests_get_401_and_change_nothing(stack: Stack, ledger: Ledger, path: str, kind: str) -> None:
    body, headers = forged(kind, genuine_body(path))
    response = stack.invoke("SlackFunction", slack_request(path, body, headers))
    assert response["statusCode"] == 401, response
    assert response["body"], "a 401 says why"
    assert_nothing_happened(stack, ledger)


@pytest.mark.parametrize("path", SLACK_ROUTES)
def test_a_replayed_request_after_the_window_is_refused(stack: Stack, ledger: Ledger, path: str) -> None:
    """A genuine request captured and replayed five minutes and a second later."""
    body = genuine_body(path)
    headers = slack_headers(body, timestamp=int(time.time()) - 301)
    response = stack.invoke("SlackFunction", slack_request(path, body, headers))
    assert response["statusCode"] == 401
    assert_nothing_happened(stack, ledger)


@pytest.mark.parametrize("path", SLACK_ROUTES)
def test_the_genuine_body_is_accepted_so_the_forgeries_prove_something(stack: Stack, path: str) -> None:
    body = genuine_body(path)
    response = stack.invoke("SlackFunction", slack_request(path, body, slack_headers(body)))
    assert response["statusCode"] == 200, response


# A signature proves who Slack says acted; the payload's own fields do not. A submission signed for someone
# outside the support team whose private_metadata (or a field) names a team member is theirs, and refused.
FORGED_METADATA = (
    (Callback.UPDATE, {Field.UPDATE_TEXT: "All fixed, log in at <https://evil.example|https://myapps.amazon.com>"}),
    (Callback.RESOLVE, {Field.SUMMARY: "Fixed", Field.SERVICE: "payments"}),
    (Callback.DECLARE, {Field.TITLE: "Portal down", Field.SERVICE: "U0ALICE"}),
)


@pytest.mark.parametrize(("callback", "values"), FORGED_METADATA, ids=[str(case[0]) for case in FORGED_METADATA])
def test_a_view_submission_acts_as_the_user_slack_signed_not_its_metadata(
    stack: Stack, ledger: Ledger, callback: str, values: dict[str, str]
) -> None:
    assert stack.slack.command("declare high: Database down", trigger_id="700.800.forged")["statusCode"] == 200
    incident_id = short_id("INC", "slack-command:700.800.forged")
    before = table_items(stack)
    metadata = incident_id if callback != Callback.DECLARE else json.dumps({"channel": "C0OPS", "user": "U0ALICE"})
    for forged_metadata in (metadata, json.dumps({"incident": incident_id, "user": "U0ALICE", "by": "U0ALICE"})):
        response = stack.slack.submit(callback, values, private_metadata=forged_metadata, user="U0MALLORY")
        assert response["statusCode"] == 200
    ledger.leak("table items changed", len(table_items(stack)) - len(before))
    refusals = [item for item in stack.slack_api.calls("chat.postEphemeral") if item["params"]["user"] == "U0MALLORY"]
    refused_in_modal = callback == Callback.DECLARE  # refused on the ack, inside the form
    ledger.effects("refusals told", len(refusals), 0 if refused_in_modal else 2)
    leadership = [c for c in stack.slack_api.calls("chat.postMessage") if c["params"]["channel"].startswith("U0LEAD")]
    ledger.effects(
        "leadership DMs after the declaration", len(leadership), len(stack.environment["LEADERSHIP_IDS"].split(","))
    )


class FrozenClock:
    """slack_sdk's Clock interface, stopped at one instant."""

    def __init__(self, at: float) -> None:
        self.at = at

    def now(self) -> float:
        return self.at


def test_the_official_slack_signing_vector_validates_under_a_frozen_clock(stack: Stack) -> None:
    vector = fixture("slack/signing_example_vector.json")
    body = fixture(f"slack/{vector['body_file']}")
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": vector["x_slack_request_timestamp"],
        "X-Slack-Signature": vector["x_slack_signature"],
    }
    app = entrypoints.slack_ingress().app
    frozen = SlackIngress(app, vector["signing_secret"], FrozenClock(float(vector["x_slack_request_timestamp"]) + 10))
    accepted = frozen.handle(slack_request("/slack/commands", body, headers))
    assert accepted["statusCode"] == 200, accepted  # an unknown command: answered, not refused
    # The same bytes today are a replay; one byte changed is a forgery; another secret is another app.
    assert (
        SlackIngress(app, vector["signing_secret"]).handle(slack_request("/slack/commands", body, headers))[
            "statusCode"
        ]
        == 401
    )
    tampered = body.replace("roadrunner", "roadrunnex")
    assert frozen.handle(slack_request("/slack/commands", tampered, headers))["statusCode"] == 401
    other = SlackIngress(app, SIGNING_SECRET, FrozenClock(float(vector["x_slack_request_timestamp"])))
    assert other.handle(slack_request("/slack/commands", body, headers))["statusCode"] == 401


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_other_methods_are_refused_before_anything(stack: Stack, ledger: Ledger, method: str) -> None:
    event: dict[str, Any] = slack_request("/slack/commands", "", {})
    event["httpMethod"] = method
    response = stack.invoke("SlackFunction", event)
    assert response["statusCode"] == 405 and response["body"]
    assert_nothing_happened(stack, ledger)


# ---------------------------------------------------------------- webhooks

WEBHOOK_BODY = json.dumps({"webhookEvent": "jira:issue_updated", "issue": {"key": "OPS-1", "fields": {}}})
PD_BODY = json.dumps({"event": {"event_type": "incident.acknowledged", "data": {"id": "Q1", "type": "incident"}}})


def webhook_event(path: str, body: str, headers: dict[str, str]) -> dict[str, Any]:
    return slack_request(path, body, {"Content-Type": "application/json", **headers})


def _jira_signature(body: str, secret: str, scheme: str = "sha256") -> str:
    digest = hmac.new(secret.encode(), body.encode(), getattr(hashlib, scheme)).hexdigest()
    return f"{scheme}={digest}"


JIRA_FORGERIES = (
    "unsigned-no-secret",
    "wrong-secret-header",
    "other-secret-header",
    "empty-secret-header",
    "wrong-signature",
    "other-secret-signature",
    "one-byte-changed",
    "sha1-scheme",
    "bare-hex",
    "bad-signature-with-the-right-secret-in-the-query",
)


def jira_forgery(kind: str) -> tuple[str, dict[str, str], dict[str, str] | None]:
    """(body, headers, query) for one forged Jira webhook."""
    from tests.reliability.kit import CANARIES

    secret, body = CANARIES["JIRA_WEBHOOK_SECRET"], WEBHOOK_BODY
    signed = {"X-Hub-Signature": _jira_signature(body, secret)}
    forgeries: dict[str, tuple[str, dict[str, str], dict[str, str] | None]] = {
        "unsigned-no-secret": (body, {}, None),
        "wrong-secret-header": (body, {"X-Opsdesk-Webhook-Secret": "guess"}, None),
        "other-secret-header": (body, {"X-Opsdesk-Webhook-Secret": OTHER_SECRET}, None),
        "empty-secret-header": (body, {"X-Opsdesk-Webhook-Secret": ""}, None),
        "wrong-signature": (body, {"X-Hub-Signature": "sha256=" + "0" * 64}, None),
        "other-secret-signature": (body, {"X-Hub-Signature": _jira_signature(body, OTHER_SECRET)}, None),
        "one-byte-changed": (body.replace("OPS-1", "OPS-2"), signed, None),
        "sha1-scheme": (body, {"X-Hub-Signature": _jira_signature(body, secret, "sha1")}, None),
        "bare-hex": (body, {"X-Hub-Signature": signed["X-Hub-Signature"].removeprefix("sha256=")}, None),
        # A signed request must carry the right signature: the URL secret cannot vouch for a bad one.
        "bad-signature-with-the-right-secret-in-the-query": (
            body,
            {"X-Hub-Signature": "sha256=" + "0" * 64},
            {"secret": secret},
        ),
    }
    return forgeries[kind]


@pytest.mark.parametrize("kind", JIRA_FORGERIES)
def test_forged_jira_webhooks_get_401_and_change_nothing(stack: Stack, ledger: Ledger, kind: str) -> None:
    body, headers, query = jira_forgery(kind)
    event = webhook_event("/jira/webhook", body, headers)
    event["queryStringParameters"] = query
    response = stack.invoke("WebhooksFunction", event)
    assert response["statusCode"] == 401 and response["body"]
    assert_nothing_happened(stack, ledger)


@pytest.mark.parametrize("how", ["signed", "secret-in-query"])
def test_a_genuine_jira_webhook_is_accepted_so_the_forgeries_prove_something(stack: Stack, how: str) -> None:
    from tests.reliability.kit import CANARIES

    secret = CANARIES["JIRA_WEBHOOK_SECRET"]
    signed = how == "signed"
    event = webhook_event(
        "/jira/webhook", WEBHOOK_BODY, {"X-Hub-Signature": _jira_signature(WEBHOOK_BODY, secret)} if signed else {}
    )
    event["queryStringParameters"] = None if signed else {"secret": secret}
    assert stack.invoke("WebhooksFunction", event)["statusCode"] == 200


def _pd(body: str, secret: str) -> str:
    from tests.reliability.kit import pagerduty_signature

    return pagerduty_signature(body.encode(), secret)


@pytest.mark.parametrize("kind", ["unsigned", "wrong", "other-secret", "one-byte-changed", "v0-scheme"])
def test_forged_pagerduty_webhooks_get_401_and_change_nothing(stack: Stack, ledger: Ledger, kind: str) -> None:
    from tests.reliability.kit import CANARIES

    stack.reconfigure(PAGING_ENABLED="true")
    secret = CANARIES["PAGERDUTY_WEBHOOK_SECRET"]
    body, headers = PD_BODY, {"X-PagerDuty-Signature": _pd(PD_BODY, secret)}
    if kind == "unsigned":
        headers = {}
    elif kind == "wrong":
        headers = {"X-PagerDuty-Signature": "v1=" + "0" * 64}
    elif kind == "other-secret":
        headers = {"X-PagerDuty-Signature": _pd(PD_BODY, OTHER_SECRET)}
    elif kind == "one-byte-changed":
        body = PD_BODY.replace("acknowledged", "acknowledgee")
    elif kind == "v0-scheme":
        headers = {"X-PagerDuty-Signature": _pd(PD_BODY, secret).replace("v1=", "v0=")}
    response = stack.invoke("WebhooksFunction", webhook_event("/pagerduty/webhook", body, headers))
    assert response["statusCode"] == 401 and response["body"]
    assert_nothing_happened(stack, ledger)
