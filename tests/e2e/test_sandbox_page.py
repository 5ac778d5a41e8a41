"""The sandbox page itself: usable at phone width, and readable and usable with JavaScript off."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.e2e.conftest import PLAYWRIGHT_MISSING, new_context

expect = pytest.importorskip("playwright.sync_api", reason=PLAYWRIGHT_MISSING).expect
from tests.e2e.sandbox import Sandbox  # noqa: E402  # needs playwright, checked just above

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

    from tests.e2e.conftest import LocalStack, Shots

pytestmark = pytest.mark.e2e


def test_phone_width_has_no_sideways_scrolling(browser: Browser, local_stack: LocalStack, shots: Shots) -> None:
    context = new_context(browser, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    desk = Sandbox(page, local_stack)
    desk.open(user="U0CAROL")
    desk.send("Is the prod deploy frozen today?")
    expect(desk.message("Is the prod deploy frozen today?")).to_be_visible()
    expect(page.get_by_role("button", name="Fire ALARM")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shots.take(page, "phone", full_page=True)
    context.close()


def test_without_javascript_messages_show_and_forms_still_work(
    browser: Browser, local_stack: LocalStack, shots: Shots
) -> None:
    context = new_context(browser, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{local_stack.url}/?u=U0PAM&c={local_stack.environment['TEAM_CHANNEL_ID']}")
    expect(page.get_by_role("heading", name="# laa-aws-webops-team")).to_be_visible()
    page.get_by_label("Message", exact=True).fill("Pam here: is the weekly report out?")
    page.get_by_role("button", name="Send").first.click()
    # A plain form post: the server redirects back, and the page is rendered on the server.
    expect(page.locator("#messages article", has_text="Pam here")).to_be_visible()
    expect(page.locator("#toast")).to_have_text("Sent.")
    # A slash command's ack body shows to the person who typed it, as Slack shows it.
    page.get_by_label("Message", exact=True).fill("/incident help")
    page.get_by_role("button", name="Send").first.click()
    expect(page.locator("#messages article.ephemeral", has_text="/incident commands")).to_be_visible()
    shots.take(page, "no javascript")
    context.close()


def test_app_home_and_direct_messages_with_the_app(page: Page, local_stack: LocalStack, shots: Shots) -> None:
    desk = Sandbox(page, local_stack)
    desk.open(user="U0BOB")
    # Opening Home sends app_home_opened; opsdesk answers with views.publish, which the page picks up live.
    page.get_by_test_id("app-home").click()
    expect(page.locator("#home")).to_contain_text("Waiting on you")
    expect(page.locator("#home")).to_contain_text("Open incidents")
    shots.take(page, "app home")

    page.get_by_test_id("app-messages").click()
    desk.send("hey, can you reset my MFA?")
    expect(desk.message("Please ask in")).to_contain_text("#laa-ops")
    shots.take(page, "a dm is pointed to the ops channel")
