"""What slack-app-manifest.yaml subscribes to and advertises is handled: no event Bolt leaves unhandled (Slack
would retry it and may disable the subscription), no usage hint for a subcommand that does not exist."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pytest
import yaml

from devstack.settings import PROJECT_ROOT
from tests.integration.support_fixtures import body_of

if TYPE_CHECKING:
    from tests.integration.conftest import Stack

pytestmark = pytest.mark.integration
MANIFEST = yaml.safe_load((PROJECT_ROOT / "slack-app-manifest.yaml").read_text(encoding="utf-8"))
# https://docs.slack.dev/reference/events: message.channels, .groups and .im all arrive as `message`.
EVENT_TYPE = {"message.channels": "message", "message.groups": "message", "message.im": "message"}
SAMPLE: dict[str, dict[str, Any]] = {
    "message": {"channel": "C0OPS", "channel_type": "channel", "user": "U0DAVE", "text": "hi", "ts": "1764496800.1"},
    "reaction_added": {
        "user": "U0BOB",
        "reaction": "eyes",
        "item": {"type": "message", "channel": "C0OPS", "ts": "1.2"},
    },
    "pin_added": {"user": "U0BOB", "channel_id": "C0OPS", "item": {"type": "message", "channel": "C0OPS"}},
    "app_home_opened": {"user": "U0DAVE", "channel": "D0DAVE", "tab": "home"},
}


def alternatives(hint: str) -> list[str]:
    """Split "a | b [x | y] | c" at the top level only (an outer [ ] around the whole hint is optional)."""
    if hint.startswith("[") and hint.endswith("]"):
        hint = hint[1:-1]
    parts, depth, current = [], 0, ""
    for char in hint:
        depth += {"[": 1, "]": -1}.get(char, 0)
        if char == "|" and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    return [*parts, current]


def hinted_subcommands() -> list[tuple[str, str]]:
    """Each `/command word` a usage hint advertises (placeholders like <what you need> are not words)."""
    found = []
    for command in MANIFEST["features"]["slash_commands"]:
        for alternative in alternatives(command["usage_hint"]):
            word = alternative.strip().split(" ")[0]
            if re.fullmatch(r"[a-z]+", word):
                found.append((command["command"], word))
    return found


@pytest.mark.parametrize("subscribed", MANIFEST["settings"]["event_subscriptions"]["bot_events"])
def test_every_subscribed_event_has_a_listener(stack: Stack, subscribed: str) -> None:
    kind = EVENT_TYPE.get(subscribed, subscribed)
    assert kind in SAMPLE, f"{subscribed} is subscribed but no listener handles it: handle it or drop it"
    answer = stack.slack.event({"type": kind, **SAMPLE[kind]})
    assert answer["statusCode"] == 200, f"{subscribed}: {answer}"


@pytest.mark.parametrize(("command", "word"), hinted_subcommands())
def test_every_hinted_subcommand_exists(stack: Stack, command: str, word: str) -> None:
    answer = stack.slack.command(word, command=command)
    said = [str(body_of(answer).get("text") or "")] + [str(entry.get("text")) for entry in stack.slack_api.responses()]
    assert answer["statusCode"] == 200
    assert not any("I don't know" in text or text.startswith("Try `") for text in said), said
