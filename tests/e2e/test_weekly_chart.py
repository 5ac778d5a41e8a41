"""The weekly report's chart, seen in the sandbox as the team channel shows it in Slack: the PNG itself, inline."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.e2e.conftest import PLAYWRIGHT_MISSING

expect = pytest.importorskip("playwright.sync_api", reason=PLAYWRIGHT_MISSING).expect
from tests.e2e.sandbox import Sandbox  # noqa: E402  # needs playwright, checked just above

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from tests.e2e.conftest import LocalStack, Shots

pytestmark = pytest.mark.e2e

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_the_weekly_reports_chart_shows_in_the_team_channel(page: Page, local_stack: LocalStack, shots: Shots) -> None:
    # GIVEN the team channel open in the sandbox
    desk = Sandbox(page, local_stack)
    desk.open(user="U0PAM", channel=local_stack.environment["TEAM_CHANNEL_ID"])
    # WHEN Monday's weekly-report tick fires from the outside-world panel
    panel = page.locator(".pane")
    panel.get_by_label("Job").select_option("weekly-report")
    panel.get_by_label("At (London)").fill("2026-12-07T09:00")
    panel.get_by_role("button", name="Run tick").click()
    expect(panel.locator("#world-log li").first).to_contain_text("Tick weekly-report")
    # THEN the report's message carries the chart as an image the browser loaded from the sandbox
    report = desk.message("Numbers for the week of 30 November 2026")
    chart = report.get_by_role("img", name="Incidents, requests and hours to resolve")
    expect(chart).to_be_visible()
    expect(chart).to_have_js_property("complete", True)
    assert chart.evaluate("image => [image.naturalWidth, image.naturalHeight]") == [960, 440]
    source = chart.get_attribute("src") or ""
    assert source.startswith("/sandbox/files/F")
    served = page.request.get(local_stack.url + source)
    assert served.status == 200 and served.headers["content-type"] == "image/png"
    # ... the very bytes opsdesk uploaded through files_upload_v2
    assert served.body().startswith(PNG_SIGNATURE)
    assert local_stack.slack.file_content(source.rsplit("/", 1)[-1]) == ("image/png", served.body())
    shots.take(page, "weekly report chart")
