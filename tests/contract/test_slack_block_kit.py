"""Slack refuses Block Kit it cannot render: the stand-in answers as Slack's documentation says, to a real WebClient."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
import requests
from slack_sdk.errors import SlackApiError

from tests.contract.slack_standin import OPS, slack_fixture, stand_in_fixture, web_fixture

if TYPE_CHECKING:
    from slack_sdk import WebClient

    from devstack.standins.slack import SlackStandIn

__all__ = ["slack_fixture", "stand_in_fixture", "web_fixture"]


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def button(text: str = "Take it", value: str = "REQ-1") -> dict[str, Any]:
    return {"type": "button", "text": {"type": "plain_text", "text": text}, "action_id": "take", "value": value}


def refused(call: Any) -> dict[str, Any]:
    with pytest.raises(SlackApiError) as raised:
        call()
    return dict(raised.value.response.data)


def modal(blocks: list[dict[str, Any]], title: str = "Declare") -> dict[str, Any]:
    return {"type": "modal", "title": {"type": "plain_text", "text": title}, "blocks": blocks}


def test_refused_blocks_answer_invalid_blocks_with_each_problem_and_its_pointer(web: WebClient) -> None:
    """https://docs.slack.dev/reference/methods/chat.postMessage#errors: `invalid_blocks`, "Blocks submitted
    with this message are not valid"; a real answer lists `errors` and the same with "[ERROR] " in
    `response_metadata.messages`, each ending in its JSON pointer."""
    answer = refused(lambda: web.chat_postMessage(channel=OPS, text="x", blocks=[section("x" * 3001)]))
    assert answer["ok"] is False and answer["error"] == "invalid_blocks"
    assert answer["errors"] and all("[json-pointer:/blocks/0" in problem for problem in answer["errors"])
    assert answer["response_metadata"]["messages"] == [f"[ERROR] {problem}" for problem in answer["errors"]]


@pytest.mark.parametrize(
    ("blocks", "pointer"),
    [
        # Header text: "Maximum length for the text in this field is 150 characters." (header block page)
        ([{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}], "/blocks/0"),
        # Section text: "Maximum length for the text in this field is 3000 characters." (section block page)
        ([section("s" * 3001)], "/blocks/0"),
        # Section fields: "Maximum number of items is 10. Maximum length for the text in each item is 2000."
        ([{"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}] * 11}], "/blocks/0"),
        ([{"type": "section", "fields": [{"type": "mrkdwn", "text": "f" * 2001}]}], "/blocks/0/fields/0/text"),
        # Button text 75 characters, value 2000 characters (button element page).
        ([{"type": "actions", "elements": [button(text="b" * 76)]}], "/blocks/0/elements/0"),
        ([{"type": "actions", "elements": [button(value="v" * 2001)]}], "/blocks/0/elements/0"),
        # "You can include up to 50 blocks in each message" (blocks reference).
        ([{"type": "divider"}] * 51, "/blocks"),
        # Text objects: "The minimum length is 1" (text object page).
        ([section("")], "/blocks/0/text/text"),
        ([{"type": "context", "elements": [{"type": "mrkdwn", "text": ""}]}], "/blocks/0/elements/0/text"),
        # block_id: "should be unique for each message" (blocks reference).
        ([{**section("a"), "block_id": "same"}, {**section("b"), "block_id": "same"}], "/blocks/1/block_id"),
    ],
)
def test_each_documented_limit_is_refused_with_its_pointer(web: WebClient, blocks: list[Any], pointer: str) -> None:
    """https://docs.slack.dev/reference/block-kit/blocks and each block's and element's reference page."""
    answer = refused(lambda: web.chat_postMessage(channel=OPS, text="fallback", blocks=blocks))
    assert answer["error"] == "invalid_blocks"
    assert any(f"[json-pointer:{pointer}]" in problem for problem in answer["errors"]), answer["errors"]


def test_what_is_within_every_limit_is_posted(web: WebClient, slack: SlackStandIn) -> None:
    """The same limits, met exactly, are accepted (the section and header pages, the button element page)."""
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "h" * 150}},
        section("s" * 3000),
        {"type": "section", "fields": [{"type": "mrkdwn", "text": "f" * 200}] * 10},
        {"type": "actions", "elements": [button(text="b" * 75, value="v" * 2000)]},
        *[{"type": "divider"}] * 46,
    ]
    posted = web.chat_postMessage(channel=OPS, text="fallback", blocks=blocks)
    assert posted["ok"] and len(slack.messages(OPS)[-1]["blocks"]) == 50


def test_too_much_text_across_a_messages_blocks_is_msg_blocks_too_long(web: WebClient) -> None:
    """chat.postMessage answers `msg_blocks_too_long` (no details) for blocks whose text adds up past roughly
    12,000-13,000 characters, though each block is within its own limit (slackapi/bolt-js issues 2509, 2867)."""
    answer = refused(lambda: web.chat_postMessage(channel=OPS, text="x", blocks=[section("s" * 3000)] * 5))
    assert answer == {"ok": False, "error": "msg_blocks_too_long"}


def test_updates_and_ephemeral_messages_are_judged_too(web: WebClient) -> None:
    """chat.update and chat.postEphemeral list `invalid_blocks` among their errors (their reference pages)."""
    posted = web.chat_postMessage(channel=OPS, text="panel")
    too_long = [section("s" * 3001)]
    assert refused(lambda: web.chat_update(channel=OPS, ts=posted["ts"], text="x", blocks=too_long))["error"] == (
        "invalid_blocks"
    )
    assert refused(lambda: web.chat_postEphemeral(channel=OPS, user="U0A", text="x", blocks=too_long))["error"] == (
        "invalid_blocks"
    )


def test_very_long_text_is_truncated_not_refused(web: WebClient, slack: SlackStandIn) -> None:
    """ "Slack will truncate messages containing more than 40,000 characters."
    https://docs.slack.dev/changelog/2018-04-truncating-really-long-messages"""
    web.chat_postMessage(channel=OPS, text="t" * 45_000)
    assert len(slack.messages(OPS)[-1]["text"]) == 40_000


@pytest.mark.parametrize(
    ("view", "pointer"),
    [
        # Modal title: "Maximum length for this field is 24 characters." (view object page)
        (modal([section("a")], title="t" * 25), "/view"),
        # "100 blocks in modals or Home tabs" (blocks reference)
        (modal([section("a")] * 101), "/view"),
        (modal([section("")]), "/view/blocks/0/text/text"),
        (
            modal(
                [
                    {
                        "type": "input",
                        "label": {"type": "plain_text", "text": "Incident"},
                        "element": {
                            "type": "static_select",
                            "action_id": "pick",
                            "options": [{"text": {"type": "plain_text", "text": "o" * 76}, "value": "INC-1"}],
                        },
                    }
                ]
            ),
            "/view/blocks/0/element/options/0",
        ),
    ],
)
def test_views_refuse_with_invalid_arguments_and_messages_only(
    web: WebClient, view: dict[str, Any], pointer: str
) -> None:
    """https://docs.slack.dev/reference/methods/views.open#errors: `invalid_arguments`; a real answer carries the
    problems in `response_metadata.messages` only, e.g. "[ERROR] no more than 100 items allowed
    [json-pointer:/view/blocks]" (grafana/oncall pull request 210)."""
    answer = refused(lambda: web.views_open(trigger_id="1.2.3", view=view))
    assert answer["error"] == "invalid_arguments" and "errors" not in answer
    messages = answer["response_metadata"]["messages"]
    assert all(message.startswith("[ERROR] ") for message in messages)
    assert any(f"[json-pointer:{pointer}]" in message for message in messages), messages


def test_a_home_tab_holds_100_blocks_and_not_101(web: WebClient) -> None:
    """views.publish: "up to ... 100 blocks in modals or Home tabs" (blocks reference)."""
    blocks = [section("incident")] * 100
    assert web.views_publish(user_id="U0ALICE", view={"type": "home", "blocks": blocks})["ok"]
    answer = refused(
        lambda: web.views_publish(user_id="U0ALICE", view={"type": "home", "blocks": [*blocks, section("x")]})
    )
    assert answer["error"] == "invalid_arguments"


def test_a_response_url_refuses_invalid_blocks_with_http_400(slack: SlackStandIn) -> None:
    """Posting to a response_url answers like an incoming webhook: HTTP 400 and `invalid_blocks` as text.
    https://docs.slack.dev/messaging/sending-messages-using-incoming-webhooks#handling_errors"""
    url = slack.response_url(OPS, "U0ALICE", "n1")
    answer = requests.post(url, json={"text": "x", "blocks": [section("s" * 3001)]}, timeout=5)
    assert (answer.status_code, answer.text) == (400, "invalid_blocks")
