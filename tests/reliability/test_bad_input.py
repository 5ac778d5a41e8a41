"""Bad input: correctly signed junk of every content type, size and shape never causes a 5xx or a side effect.

Budget: the `reliability` hypothesis profile, `OPSDESK_FUZZ_EXAMPLES` examples per route
(60 in `make test`, 1000 in `make reliability`), derandomised so a run is reproducible.
"""

from __future__ import annotations

import base64
import json
import string
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devstack.runtime import FunctionError
from opsdesk.apigw import MAX_BODY_BYTES
from opsdesk.slack.ids import Action, Callback
from opsdesk.slack.shapes import EVENT_ENVELOPES, INTERACTION_TYPES
from tests.reliability.kit import (
    SLACK_ROUTES,
    json_body,
    side_effect_calls,
    slack_headers,
    slack_request,
    table_items,
)

if TYPE_CHECKING:
    from tests.reliability.conftest import Stack
    from tests.reliability.faults import DynamoFaults
    from tests.reliability.kit import Ledger

pytestmark = pytest.mark.reliability("bad input")

CONTENT_TYPES = (
    "application/x-www-form-urlencoded",
    "application/json",
    "text/plain; charset=utf-8",
    "multipart/form-data; boundary=xyz",
    "application/octet-stream",
    "",
)
# Nobody on the support team: junk from them must change nothing (the team's own valid commands would).
USERS = st.one_of(st.just(""), st.from_regex(r"\A[UW]0FUZZ[A-Z0-9]{0,6}\Z"), st.text(max_size=12))
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=40))
JSON = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
KNOWN_ACTIONS = st.sampled_from([*list(Action), "made_up_action", ""])
KNOWN_CALLBACKS = st.sampled_from([*list(Callback), "made_up_callback", ""])


def _command_form(response_url: str) -> st.SearchStrategy[str]:
    fields = st.fixed_dictionaries(
        {},
        optional={
            "command": st.one_of(
                st.sampled_from(["/incident", "/support", "/oncall", "/rota", "/nope", "incident"]),
                st.text(max_size=10),
            ),
            "text": st.one_of(
                st.text(max_size=80), st.sampled_from(["help", "lead", "update", "status INC-ZZZZZ", "resolve", "list"])
            ),
            "user_id": USERS,
            "channel_id": st.one_of(st.just("C0OPS"), st.text(max_size=10)),
            "trigger_id": st.text(max_size=20),
            "team_id": st.text(max_size=10),
            "response_url": st.just(response_url),
            "extra": st.text(max_size=20),
        },
    )
    return fields.map(urlencode)


def _interaction_payload() -> st.SearchStrategy[Any]:
    user = st.one_of(st.fixed_dictionaries({"id": USERS}), JSON)
    action = st.fixed_dictionaries(
        {"action_id": KNOWN_ACTIONS},
        optional={
            "value": st.one_of(st.text(max_size=20), st.just("INC-ZZZZZ:urgent")),
            "action_ts": st.text(max_size=12),
            "block_id": st.text(max_size=5),
        },
    )
    view = st.fixed_dictionaries(
        {"callback_id": KNOWN_CALLBACKS},
        optional={"id": st.text(max_size=10), "private_metadata": st.text(max_size=20), "state": JSON},
    )
    return st.fixed_dictionaries(
        {"type": st.one_of(st.sampled_from(sorted(INTERACTION_TYPES)), st.text(max_size=12))},
        optional={
            "user": user,
            "actions": st.lists(action, max_size=2),
            "view": view,
            "callback_id": KNOWN_CALLBACKS,
            "trigger_id": st.text(max_size=10),
            "channel": st.fixed_dictionaries({"id": st.text(max_size=10)}),
            "container": JSON,
            "message": JSON,
        },
    )


def _event_envelope() -> st.SearchStrategy[Any]:
    event = st.fixed_dictionaries(
        {
            "type": st.one_of(
                st.sampled_from(["message", "app_mention", "app_home_opened", "reaction_added", "pin_added"]),
                st.text(max_size=10),
            )
        },
        optional={
            # Never the ops channel: a person's real message there rightly opens a support request.
            "channel": st.text(alphabet=string.ascii_uppercase + string.digits, max_size=10).filter(
                lambda c: c != "C0OPS"
            ),
            "user": USERS,
            "text": st.text(max_size=40),
            "ts": st.text(max_size=12),
            "subtype": st.text(max_size=10),
            "thread_ts": st.text(max_size=12),
        },
    )
    return st.fixed_dictionaries(
        {"type": st.one_of(st.sampled_from(sorted(EVENT_ENVELOPES)), st.text(max_size=10))},
        optional={
            "event": st.one_of(event, JSON),
            "event_id": st.text(max_size=12),
            "challenge": JSON,
            "team_id": st.text(max_size=5),
        },
    )


def bodies(response_url: str) -> st.SearchStrategy[tuple[bytes, str]]:
    """(raw body, content type): raw junk, forms, JSON, Slack-shaped payloads with junk inside, sizes at the limit."""
    text = st.text(max_size=400).map(str.encode)
    raw = st.binary(max_size=400)
    form = st.dictionaries(st.text(max_size=10), st.text(max_size=30), max_size=6).map(lambda d: urlencode(d).encode())
    any_json = JSON.map(lambda value: json.dumps(value).encode())
    payload = st.one_of(_interaction_payload(), JSON, st.text(max_size=30)).map(
        lambda value: urlencode({"payload": value if isinstance(value, str) else json.dumps(value)}).encode()
    )
    envelope = _event_envelope().map(lambda value: json.dumps(value).encode())
    sized = st.integers(min_value=MAX_BODY_BYTES - 2, max_value=MAX_BODY_BYTES + 2).map(lambda n: b"x" * n)
    body = st.one_of(text, raw, form, any_json, payload, envelope, _command_form(response_url).map(str.encode), sized)
    return st.tuples(body, st.sampled_from(CONTENT_TYPES))


def signed_event(path: str, raw: bytes, content_type: str) -> dict[str, Any]:
    """Sign the exact bytes; bytes that are not UTF-8 travel base64-encoded, as API Gateway sends binary."""
    try:
        text = raw.decode("utf-8")
        base64_encoded = False
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
        base64_encoded = True
    headers = slack_headers(text, content_type=content_type)
    event = slack_request(path, base64.b64encode(raw).decode() if base64_encoded else text, headers)
    event["isBase64Encoded"] = base64_encoded
    return event


def check_answer(response: dict[str, Any]) -> None:
    status = int(response["statusCode"])
    assert status < 500, response
    if status >= 400:
        assert str(response.get("body") or "").strip(), f"a {status} must say why"


@pytest.mark.parametrize("path", SLACK_ROUTES)
def test_signed_junk_never_fails_and_never_changes_anything(
    stack: Stack, ledger: Ledger, dynamo_faults: DynamoFaults, path: str
) -> None:
    tried = 0
    response_url = f"{stack.slack_api.url}/response/C0OPS-UFUZZ-x"

    @settings(settings.get_profile("reliability"))
    @given(bodies(response_url))
    def one(example: tuple[bytes, str]) -> None:
        nonlocal tried
        tried += 1
        raw, content_type = example
        try:
            response = stack.invoke("SlackFunction", signed_event(path, raw, content_type))
        except FunctionError as error:  # the lazy part runs inline here: an escape is a 5xx or a DLQ entry
            raise AssertionError(
                f"the handler raised: {error.payload['errorType']}: {error.payload['errorMessage']}"
            ) from error
        check_answer(response)
        if len(raw) > MAX_BODY_BYTES:
            assert response["statusCode"] == 413
        assert dynamo_faults.writes() == [], "junk wrote to DynamoDB"
        assert side_effect_calls(stack) == [], "junk changed something in Slack, Jira or PagerDuty"

    one()
    ledger.tried(tried)
    ledger.effects("table items after all examples", len(table_items(stack)), 0)


def test_oversized_bodies_get_413_before_any_parsing_or_signature_work(stack: Stack, ledger: Ledger) -> None:
    for path in SLACK_ROUTES:
        body = "payload=" + "{" * (MAX_BODY_BYTES + 1)
        response = stack.invoke("SlackFunction", slack_request(path, body, {}))  # unsigned: size comes first
        assert response["statusCode"] == 413 and "KiB" in response["body"]
    ledger.tried(len(SLACK_ROUTES))
    ledger.effects("table items", len(table_items(stack)), 0)


@pytest.mark.parametrize("command", ["/frobnicate", "/opsdesk-unknown"])
def test_unknown_commands_get_help_not_errors(stack: Stack, command: str) -> None:
    response = stack.slack.command("anything", command=command)
    assert response["statusCode"] == 200
    assert "/incident" in json.dumps(json_body(response)), f"{command} got no help: {response['body']!r}"


def test_unknown_subcommand_gets_help(stack: Stack) -> None:
    response = stack.slack.command("frobnicate now")
    assert response["statusCode"] == 200 and "/incident declare" in response["body"]


def test_unknown_actions_are_answered_not_errors(stack: Stack, ledger: Ledger) -> None:
    response = stack.slack.click("made_up_action", "x")
    assert response["statusCode"] == 200
    ledger.effects("side effects", len(side_effect_calls(stack)), 0)


def test_unknown_callback_ids_are_answered_not_errors(stack: Stack, ledger: Ledger) -> None:
    response = stack.slack.submit("made_up_callback", {"title": "x"})
    assert response["statusCode"] == 200
    ledger.effects("side effects", len(side_effect_calls(stack)), 0)


def _payload(value: dict[str, Any]) -> str:
    return urlencode({"payload": json.dumps(value)})


@pytest.mark.parametrize(
    ("path", "body", "content_type"),
    [
        pytest.param(
            "/slack/commands",
            "channel_id=C1&trigger_id=0&command=%2Fincident&user_id=U0FUZZ",
            "application/json",
            id="form-labelled-json",
        ),
        pytest.param(
            "/slack/interactions",
            _payload({"type": "block_actions", "actions": [], "user": {"id": "U0FUZZ"}}),
            "",
            id="block-actions-without-actions",
        ),
        pytest.param(
            "/slack/interactions",
            _payload({"type": "view_submission", "view": {"callback_id": ""}, "user": {"id": "U0FUZZ"}}),
            "",
            id="view-without-type",
        ),
        pytest.param(
            "/slack/interactions",
            _payload(
                {
                    "type": "block_actions",
                    "user": {"id": "U0ALICE"},
                    # A click on a message always says where it was; the refusal goes back there, ephemerally.
                    "channel": {"id": "C0OPS"},
                    "actions": [{"action_id": Action.CHANGE_PRIORITY, "value": "INC-ZZZZZ:urgent", "action_ts": "1"}],
                }
            ),
            "",
            id="unknown-priority-from-the-team",
        ),
    ],
)
def test_shapes_the_fuzzer_found_answer_4xx_or_200_never_5xx(
    stack: Stack, ledger: Ledger, path: str, body: str, content_type: str
) -> None:
    """Each was a falsifying example at the full budget; kept here so `make test` holds them too."""
    try:
        response = stack.invoke(
            "SlackFunction", slack_request(path, body, slack_headers(body, content_type=content_type))
        )
    except FunctionError as error:
        raise AssertionError(f"the handler raised {error.payload['errorType']}") from error
    check_answer(response)
    ledger.effects("side effects", len(side_effect_calls(stack)), 0)
