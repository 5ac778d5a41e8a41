"""A page object for the sandbox: what a person does (send, click, fill a modal, fire an alarm), found by role."""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING

from playwright.sync_api import expect

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

    from tests.e2e.conftest import LocalStack


class Sandbox:
    """Drive the sandbox page like a person would."""

    def __init__(self, page: Page, stack: LocalStack) -> None:
        self.page = page
        self.stack = stack

    def open(self, user: str = "U0ALICE", channel: str | None = None, **params: str) -> None:
        """Open the sandbox as a person, in a channel (the ops channel by default)."""
        query = {"u": user, "c": channel or self.stack.environment["OPS_CHANNEL_ID"], **params}
        self.page.goto(self.stack.url + "/?" + "&".join(f"{key}={value}" for key, value in query.items()))
        # The live script marks the page; from then on forms post without reloading.
        expect(self.page.locator("html.js")).to_have_count(1)

    def act_as(self, user: str) -> None:
        """Switch the acting person with the picker; the page reloads as them, keeping the channel and thread."""
        self.page.get_by_label("Acting as").select_option(user)
        # The picker submits its form: wait for the reload as them to finish loading, not just for the address.
        self.page.wait_for_url(re.compile(rf"[?&]u={user}(&|$)"), wait_until="load")
        expect(self.page.locator("html.js")).to_have_count(1)

    def send(self, text: str, *, in_thread: bool = False) -> None:
        """Type into the channel's (or the thread's) composer and press Enter."""
        box = self.page.get_by_label("Reply" if in_thread else "Message", exact=True)
        box.fill(text)
        box.press("Enter")
        try:
            expect(box).to_have_value("")
        except AssertionError as error:
            # The composer keeps the text when opsdesk refused it; the toast says why.
            raise AssertionError(f"sending {text!r} failed: {self.page.locator('#toast').text_content()}") from error

    def message_with_header(self, header: str | re.Pattern[str]) -> Locator:
        """Return the channel message whose Block Kit header matches, once it shows."""
        message = self.page.locator("#messages article").filter(has=self.page.locator(".bk.header", has_text=header))
        expect(message).to_have_count(1)
        return message

    def message(self, text: str | re.Pattern[str], where: str = "#messages") -> Locator:
        """Return the last message in the channel (or `#thread`) containing the text, once it shows."""
        message = self.page.locator(f"{where} article", has_text=text).last
        expect(message).to_be_visible()
        return message

    def modal(self, title: str) -> Locator:
        """Return the open modal with this title, once opsdesk has opened it."""
        modal = self.page.get_by_role("dialog", name=title)
        expect(modal).to_be_visible()
        return modal

    def thread_of(self, message: Locator) -> Locator:
        """Open a message's thread (its "N replies" link) and return the thread pane."""
        message.locator("a.replies").click()
        thread = self.page.locator("#thread")
        expect(thread).to_be_visible()
        return thread

    def fire_alarm(self, name: str, state: str) -> None:
        """Fire a CloudWatch alarm state change from the outside-world panel."""
        panel = self.page.locator(".pane")
        panel.get_by_label("Alarm name").fill(name)
        panel.get_by_role("button", name="Fire ALARM" if state == "ALARM" else "Send OK").click()
        expect(panel.locator("#world-log li").first).to_contain_text(f"Alarm {name} {state}")

    def status_page(self) -> Page:
        """Open the public status page in a new tab (bypassing its 30-second cache)."""
        tab = self.page.context.new_page()
        tab.goto(f"{self.stack.url}/status?fresh={time.monotonic_ns()}")
        return tab
