from __future__ import annotations

import json
from pathlib import Path

import pytest
from slack_sdk.signature import Clock

from opsdesk.slack.signature import verify

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "slack"


class FrozenClock(Clock):
    def __init__(self, now: float) -> None:
        self._now = now

    def now(self) -> float:
        return self._now


def official_vector() -> tuple[str, bytes, str, str]:
    vector = json.loads((FIXTURES / "signing_example_vector.json").read_text())
    body = (FIXTURES / vector["body_file"]).read_bytes().rstrip(b"\n")
    return vector["signing_secret"], body, vector["x_slack_request_timestamp"], vector["x_slack_signature"]


def test_official_slack_vector_validates_under_a_frozen_clock() -> None:
    secret, body, timestamp, signature = official_vector()
    assert verify(secret, body, timestamp, signature, FrozenClock(int(timestamp) + 10)) is None


@pytest.mark.parametrize("skew", [-301, 301])
def test_outside_the_window_either_way_is_refused(skew: int) -> None:
    secret, body, timestamp, signature = official_vector()
    assert verify(secret, body, timestamp, signature, FrozenClock(int(timestamp) + skew)) is not None


@pytest.mark.parametrize(
    "mutate",
    [
        lambda s, b, t, g: ("another-secret", b, t, g),
        lambda s, b, t, g: (s, b + b"x", t, g),
        lambda s, b, t, g: (s, b, "12ab", g),
        lambda s, b, t, g: (s, b, t, None),
        lambda s, b, t, g: (s, b"\xff\xfe", t, g),
    ],
)
def test_anything_altered_is_refused(mutate: object) -> None:
    secret, body, timestamp, signature = official_vector()
    args = mutate(secret, body, timestamp, signature)  # type: ignore[operator]
    assert verify(*args, clock=FrozenClock(int(timestamp))) is not None
