"""An alert, from the alarm to the incident, the way the support team handles it in the sandbox.

GIVEN the local stack with the sandbox at /, WHEN an alarm fires from the outside-world panel, THEN the alert shows
in the team's channel (not #laa-ops) with its buttons; WHEN Bob clicks Declare incident and submits the prefilled
form, THEN the incident is announced in #laa-ops and the alert says which incident it became; WHEN the alarm
recovers, THEN the incident's thread offers to resolve it, and resolving closes it.
"""

from __future__ import annotations

import os
import re
import shutil
from typing import TYPE_CHECKING

import pytest

from tests.e2e.conftest import ARTIFACTS, PLAYWRIGHT_MISSING

expect = pytest.importorskip("playwright.sync_api", reason=PLAYWRIGHT_MISSING).expect
from tests.e2e.sandbox import Sandbox  # noqa: E402  # needs playwright, checked just above

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

    from tests.e2e.conftest import LocalStack, Shots

pytestmark = pytest.mark.e2e
README_SHOT = ARTIFACTS.parent.parent / "docs" / "sandbox.png"
ALARM = "prod-checkout-5xx"


def alert_in_team_channel(page: Page, local_stack: LocalStack, user: str, alarm: str) -> tuple[Sandbox, Locator]:
    """Open the team channel as `user`, fire `alarm` from the outside-world panel, and return its alert."""
    if not local_stack.has_function("AlarmsFunction"):
        pytest.skip("AlarmsFunction is not in the template")
    desk = Sandbox(page, local_stack)
    desk.open(user=user, channel=local_stack.environment["TEAM_CHANNEL_ID"])
    desk.fire_alarm(alarm, "ALARM")
    alert = desk.message_with_header(re.compile(rf"ALR-\S+: {alarm}"))
    expect(alert).to_contain_text("Waiting for the support team")
    return desk, alert


def test_alert_journey(page: Page, local_stack: LocalStack, shots: Shots) -> None:
    # The alarm fires: one alert in the team's channel, with what the on-call engineer needs and two buttons.
    desk, alert = alert_in_team_channel(page, local_stack, "U0BOB", ALARM)
    expect(alert.get_by_role("button", name="Not an incident")).to_be_visible()
    shots.take(page, "an alert in the team channel")

    # Declare from the alert: the form opens prefilled with the alarm's title.
    alert.get_by_role("button", name="Declare incident").click()
    modal = desk.modal("Declare an incident")
    expect(modal.get_by_label("What is happening?")).to_have_value(re.compile(ALARM))
    shots.take(page, "declare modal prefilled from the alert")
    modal.get_by_role("button", name="Declare").click()
    expect(modal).to_be_hidden()
    expect(alert).to_contain_text(re.compile(r"Became INC-\S+"))
    expect(alert.get_by_role("button", name="Not an incident")).to_have_count(0)
    shots.take(page, "the alert became an incident")

    # The incident is announced to users in #laa-ops, with the alarm on it.
    desk.open(user="U0BOB")
    announcement = desk.message_with_header(re.compile(rf"INC-\S+: {ALARM}"))
    expect(announcement).to_contain_text(ALARM)

    # The alarm recovers: the incident's thread offers to resolve it (OK never closes it by itself).
    desk.fire_alarm(ALARM, "OK")
    thread = desk.thread_of(announcement)
    recovered = thread.locator("article", has_text="Recovered")
    expect(recovered).to_be_visible()
    picture = shots.take(page, "alarm recovered in the thread")
    # The README's picture (a channel, an announcement, a thread offering to resolve): refreshed only when asked,
    # so running the tests leaves the working tree clean.
    if not README_SHOT.exists() or os.environ.get("OPSDESK_README_SHOT"):
        shutil.copyfile(picture, README_SHOT)
    recovered.get_by_role("button", name=re.compile("Resolve")).click()
    modal = desk.modal("Resolve incident")
    modal.get_by_label("What fixed it?").fill("Rolled back the checkout release.")
    service = modal.get_by_label("Service affected")
    if not service.input_value():  # availability is counted per service: a route may have named it, else say it
        service.fill("Checkout")
    modal.get_by_role("button", name="Resolve").click()
    expect(modal).to_be_hidden()
    expect(thread.locator("article").first).to_contain_text("Resolved")
    shots.take(page, "alert's incident resolved")


NOISY_ALARM = "prod-reports-latency"
DISMISS_REASON = "Load test on reports, agreed in standup"


def test_an_alert_closed_as_not_an_incident_says_why(page: Page, local_stack: LocalStack, shots: Shots) -> None:
    """GIVEN an alert in the team channel, WHEN Alice says it is not an incident and why, THEN the alert shows it."""
    desk, alert = alert_in_team_channel(page, local_stack, "U0ALICE", NOISY_ALARM)
    alert.get_by_role("button", name="Not an incident").click()
    modal = desk.modal("Not an incident")
    modal.get_by_label("Why is it not an incident?").fill(DISMISS_REASON)
    shots.take(page, "not an incident, with the reason")
    modal.get_by_role("button", name="Close the alert").click()
    expect(modal).to_be_hidden()

    # The alert says it was closed, by whom and why.
    expect(alert).to_contain_text("Not an incident")
    expect(alert).to_contain_text(DISMISS_REASON)
    expect(alert).to_contain_text(re.compile(r"Closed by \S+"))
    shots.take(page, "the alert closed as not an incident")
