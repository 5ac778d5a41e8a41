"""The local stack in this process on ephemeral ports, the sandbox mounted on it, and Debian's Chromium driving it.

Tests skip (with the reason) when /usr/bin/chromium or Playwright is missing; nothing is downloaded.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from devstack.api import LocalApi
from devstack.aws import LocalAws, create_resources, start_moto
from devstack.runtime import Runtime
from devstack.sandbox import Sandbox, mount
from devstack.settings import PROJECT_ROOT, TEMPLATE_PATH, local_environment
from devstack.standins.jira import JiraStandIn
from devstack.standins.pagerduty import PagerDutyStandIn
from devstack.standins.slack import SlackStandIn
from devstack.template import load_template

if TYPE_CHECKING:
    from collections.abc import Iterator

    from playwright.sync_api import Browser, BrowserContext, Page

pytestmark = pytest.mark.e2e

# Debian's package; OPSDESK_CHROMIUM points elsewhere (another machine's Chromium), never a downloaded one.
CHROMIUM = Path(os.environ.get("OPSDESK_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "e2e"
PLAYWRIGHT_MISSING = "playwright is not installed: `pip install playwright==1.65.2` (never `playwright install`)"

# Waits sized for a cold Chromium on a loaded 2-core machine (a fresh clone's first `make test` once ran out of a
# 10-second wait for a page to reload): each wait is for a state (an element, a URL, a load), so a generous
# limit costs nothing when the state comes, and only says how long to wait before calling it broken.
LAUNCH_MS = 120_000  # Chromium's first start on a fresh machine: profile, font and shader caches
NAVIGATION_MS = 60_000  # a page load or reload, including the server rendering it
ACTION_MS = 30_000  # a click, fill or select: Playwright first waits for the element to be actionable
EXPECT_MS = 30_000  # one assertion: opsdesk acks within 3 s and does the rest in threads
JOURNEY_SECONDS = 300  # one browser test, over pytest-timeout's 120 s: a journey makes dozens of waits

try:
    from playwright.sync_api import expect
except ImportError:  # the journeys skip, saying how to install it
    pass
else:
    expect.set_options(timeout=EXPECT_MS)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Give each browser test the time its waits add up to (pytest-timeout counts the stack and browser start)."""
    for item in items:
        if item.get_closest_marker("e2e") and not item.get_closest_marker("timeout"):
            item.add_marker(pytest.mark.timeout(JOURNEY_SECONDS))


@dataclass
class LocalStack:
    """What a browser test reaches: the API (with the sandbox at /) and the stand-ins behind it."""

    url: str
    api: LocalApi
    runtime: Runtime
    slack: SlackStandIn
    jira: JiraStandIn
    sandbox: Sandbox
    environment: dict[str, str]

    def has_function(self, logical_id: str) -> bool:
        """Say whether a function's handler exists yet (others are being written)."""
        function = self.runtime.functions.get(logical_id)
        if function is None:
            return False
        module = function.handler.rpartition(".")[0].replace(".", "/")
        return (function.code_uri / f"{module}.py").is_file()


@pytest.fixture(scope="package")
def local_stack() -> Iterator[LocalStack]:
    """Start moto, the stand-ins, the runtime and the API (all on port 0) with lazy work in threads, as `make run`."""
    running: list[Any] = []
    # The runtime writes each function's environment into os.environ: put it all back for the tests after these.
    saved_environment = dict(os.environ)
    with pytest.MonkeyPatch.context() as patch:
        # The functions read os.environ; lazy listeners run in threads as they do under `make run`.
        for name in ("SLACK_API_URL", "JIRA_URL", "PAGERDUTY_EVENTS_URL", "AWS_ENDPOINT_URL", "SECRETS_ARN"):
            patch.delenv(name, raising=False)
        patch.setenv("OPSDESK_LAZY_MODE", "thread")
        _forget_clients()
        try:
            aws: LocalAws = start_moto(port=0, use_existing=False)
            running.append(aws)
            template = load_template(TEMPLATE_PATH, {}, endpoint_url=aws.endpoint_url)
            create_resources(template, aws.endpoint_url)
            slack, jira, pagerduty = SlackStandIn().start(), JiraStandIn().start(), PagerDutyStandIn().start()
            running += [slack, jira, pagerduty]
            urls = {"slack": slack.url, "jira": jira.url, "pagerduty": pagerduty.url}
            environment = local_environment(urls, table_name=template.table_name(), aws_endpoint_url=aws.endpoint_url)
            environment["OPSDESK_LAZY_MODE"] = "thread"
            runtime = Runtime(template, environment)
            api = LocalApi(runtime, stand_ins={"slack": slack, "jira": jira, "pagerduty": pagerduty}, port=0).start()
            running.append(api)
            # Links opsdesk writes (status page, postmortems) point at this API.
            runtime.local_environment["PUBLIC_BASE_URL"] = api.url
            environment["PUBLIC_BASE_URL"] = api.url
            runtime.prewarm()  # as `make run` does: the first journey step does not wait for handler imports
            sandbox = mount(api, slack)
            assert sandbox is not None
            yield LocalStack(api.url, api, runtime, slack, jira, sandbox, environment)
            sandbox.unmount()
        finally:
            for component in reversed(running):
                component.stop()
            _forget_clients()
            os.environ.clear()
            os.environ.update(saved_environment)


def _forget_clients() -> None:
    """Drop opsdesk's cached wiring and DynamoDB client, so no one keeps talking to a stopped stack."""
    from opsdesk import entrypoints
    from opsdesk.store import dynamodb

    entrypoints.reset()
    # entrypoints.reset() keeps the process-wide DynamoDB client, which remembers this stack's endpoint.
    dynamodb.client.cache_clear()


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """Launch Debian's Chromium headless through Playwright (never a downloaded browser)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: `apt-get install -y chromium` (make test does this)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip(PLAYWRIGHT_MISSING)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=LAUNCH_MS)
        yield launched
        launched.close()


def new_context(browser: Browser, **options: Any) -> BrowserContext:
    """Open a browser context (laptop size unless told) whose actions and navigations wait as long as sized above."""
    context = browser.new_context(**{"viewport": {"width": 1360, "height": 860}, **options})
    context.set_default_timeout(ACTION_MS)
    context.set_default_navigation_timeout(NAVIGATION_MS)
    return context


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh tab at laptop size; failing tests leave a screenshot behind."""
    context = new_context(browser)
    tab = context.new_page()
    yield tab
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(ARTIFACTS / f"{_slug(request.node.name)}-FAILED.png"), full_page=True)
    context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


class Shots:
    """Numbered screenshots of one journey under test-artifacts/e2e/."""

    def __init__(self, journey: str) -> None:
        self.journey = _slug(journey)
        self.count = 0
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for old in ARTIFACTS.glob(f"{self.journey}-*.png"):
            old.unlink()  # a rerun's pictures only, never a mix of two runs

    def take(self, page: Page, step: str, *, full_page: bool = False) -> Path:
        self.count += 1
        path = ARTIFACTS / f"{self.journey}-{self.count:02d}-{_slug(step)}.png"
        page.mouse.move(0, 0)  # no hover toolbar over the picture
        page.screenshot(path=str(path), full_page=full_page)
        return path


@pytest.fixture
def shots(request: pytest.FixtureRequest) -> Shots:
    return Shots(request.node.name)
