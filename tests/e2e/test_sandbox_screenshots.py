"""A question with a screenshot is a tracked request on the local stack, and deleting it withdraws it.

GIVEN the local stack with the sandbox (which invites opsdesk to both channels, as a team does first),
WHEN Dave asks in the ops channel with a screenshot attached, THEN the message arrives as Slack's `file_share`
and opsdesk opens a request with its panel; WHEN Dave deletes his question before anyone took it, THEN Slack's
tombstone stays, and the request is withdrawn and says so in its thread.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

from tests.e2e.conftest import PLAYWRIGHT_MISSING

expect = pytest.importorskip("playwright.sync_api", reason=PLAYWRIGHT_MISSING).expect
from tests.e2e.sandbox import Sandbox  # noqa: E402  # needs playwright, checked just above

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from tests.e2e.conftest import LocalStack, Shots

pytestmark = pytest.mark.e2e


def test_a_question_with_a_screenshot_is_tracked_and_withdrawn_when_deleted(
    page: Page, local_stack: LocalStack, shots: Shots
) -> None:
    desk = Sandbox(page, local_stack)
    desk.open(user="U0DAVE")
    question = "The reports export page shows this error since 09:40"
    page.get_by_label("📎 Attach a screenshot").check()
    desk.send(question)

    asked = desk.message(question)
    expect(asked.locator(".file")).to_contain_text("screenshot.png")
    thread = desk.thread_of(asked)
    panel = thread.locator("article", has_text=re.compile(r"REQ-\S+ · To do"))
    expect(panel).to_be_visible()
    shots.take(page, "a question with a screenshot")
    ops = local_stack.environment["OPS_CHANNEL_ID"]
    ts = str(asked.get_attribute("data-ts"))
    (stored,) = [message for message in local_stack.slack.messages(ops) if message["ts"] == ts]
    assert stored["subtype"] == "file_share" and stored["files"][0]["name"] == "screenshot.png"

    asked.hover()
    asked.get_by_role("button", name="Delete message").click()
    expect(desk.message("This message was deleted.")).to_be_visible()
    expect(thread.locator("article", has_text="is withdrawn")).to_be_visible()
    expect(thread.locator("article", has_text=re.compile(r"REQ-\S+ · Done"))).to_contain_text("Withdrawn")
    shots.take(page, "deleted, so withdrawn")
