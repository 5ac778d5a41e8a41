"""`/support list` fits one Slack message: whole lines, and a count of what did not fit."""

from __future__ import annotations

from datetime import UTC, datetime

from opsdesk.domain.requests import SupportRequest
from opsdesk.slack.views.support import request_list

AT = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


def requests(count: int) -> list[SupportRequest]:
    return [
        SupportRequest("C0OPS", f"1764496800.{n:06d}", "U0REQ", f"Request number {n} " * 8, AT) for n in range(count)
    ]


def test_a_long_list_keeps_whole_lines_and_says_how_many_more() -> None:
    text = request_list(requests(100), limit=3900)
    lines = text.splitlines()
    assert len(text) <= 3900
    assert lines[-1].startswith("…and ") and lines[-1].endswith(" more.")
    assert all(line.startswith("• *REQ-") for line in lines[:-1])
    assert len(lines) - 1 + int(lines[-1].split()[1]) == 100


def test_a_short_list_is_all_there_and_an_empty_one_says_so() -> None:
    assert len(request_list(requests(3)).splitlines()) == 3
    assert "No open support requests" in request_list([])
