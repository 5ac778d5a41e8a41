"""The process's rules in the sandbox: someone outside the support team is refused, and updates reach the channel.

GIVEN the local stack with the sandbox, WHEN Dave (who reports problems, not on the support team) tries to take
the lead and post an update, THEN one line only he sees says who may, and nothing changes; WHEN Alice (support)
posts an update, THEN it shows in #laa-ops itself, not only in the incident's thread.
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


def test_an_outsider_is_refused_and_an_update_is_broadcast_to_the_channel(
    page: Page, local_stack: LocalStack, shots: Shots
) -> None:
    desk = Sandbox(page, local_stack)
    desk.open(user="U0ALICE")
    desk.send("/incident declare high: Search is down")
    announcement = desk.message_with_header(re.compile(r"INC-\S+: Search is down"))
    incident_id = announcement.locator(".bk.header").inner_text().split(":", 1)[0]

    # Dave is not on the support team: "Take lead" and `/incident update` are refused, to him alone.
    desk.act_as("U0DAVE")
    announcement = desk.message_with_header(re.compile(r"INC-\S+: Search is down"))
    announcement.get_by_role("button", name="Take lead").click()
    refused = desk.message("Only the support team can choose an incident's lead")
    expect(refused).to_contain_text("Only visible to you")
    desk.send(f"/incident update {incident_id} All fixed, log in again at https://example.invalid")
    expect(desk.message("Only the support team can post incident updates")).to_contain_text("Only visible to you")
    expect(announcement.locator(".field", has_text="Lead")).to_contain_text("nobody yet")
    expect(page.locator("#messages")).not_to_contain_text("All fixed, log in again")
    shots.take(page, "an outsider is refused")

    # Alice posts an update: it is in the thread and in the channel, naming the incident.
    desk.act_as("U0ALICE")
    desk.send(f"/incident update {incident_id} Search is back for most users; reindexing the rest")
    broadcast = desk.message(f"Update on {incident_id}")
    expect(broadcast).to_contain_text("replied to a thread")
    expect(broadcast).to_contain_text("Search is back for most users")
    thread = desk.thread_of(desk.message_with_header(re.compile(r"INC-\S+: Search is down")))
    expect(thread.locator("article", has_text=f"Update on {incident_id}")).to_contain_text("Search is back")
    shots.take(page, "an update broadcast to the channel")

    # The stack is shared by the browser tests: leave no incident open behind.
    page.locator(".pane-head .close").click()
    desk.send(f"/incident resolve {incident_id} Reindexed service: Search")
    expect(desk.message(f"Resolved {incident_id}")).to_contain_text("replied to a thread")
