"""The reliability suite's stack (canary credentials, every stand-in), its ledger, leak watch and report.

Each case runs through the real handlers against a fresh table on a moto server and local
stand-ins for Slack, Jira and PagerDuty that can be told to fail. Every case is marked
`@pytest.mark.reliability("<category>")`; the report hook tallies per category and writes
tests/reliability/last-report.md (printed at the end of the run).
"""

from __future__ import annotations

import logging
import os
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, settings

from devstack.runtime import FunctionError, Runtime
from devstack.settings import local_environment
from devstack.standins.jira import JiraStandIn
from devstack.standins.pagerduty import PagerDutyStandIn
from devstack.standins.slack import SlackStandIn
from opsdesk import entrypoints
from opsdesk.store import dynamodb as store_dynamodb
from tests.harness import SlackClientSimulator, StackActions
from tests.integration.conftest import FakeClock, fresh_table, local_aws, template
from tests.reliability.faults import DynamoFaults, Sleeps
from tests.reliability.kit import CANARIES, JIRA_EMAIL, SIGNING_SECRET, Ledger, find_leaks

if TYPE_CHECKING:
    from collections.abc import Iterator

    from devstack.aws import LocalAws
    from devstack.template import Template

__all__ = ["fresh_table", "local_aws", "template"]  # fixtures shared with the integration suite

REPORT_PATH = Path(__file__).resolve().parent / "last-report.md"
PAGING_SATURDAY = datetime(2026, 12, 5, 14, 0, tzinfo=UTC)  # out of hours: the weekend paging trial pages
CATEGORIES = (
    "forgery",
    "injection",
    "bad input",
    "duplicates",
    "races",
    "failing neighbours",
    "crash in the middle",
    "owed messages",
    "ids",
    "secrets",
    "public exposure",
    "infrastructure",
)

settings.register_profile(
    "reliability",
    max_examples=int(os.environ.get("OPSDESK_FUZZ_EXAMPLES", "60")),
    deadline=None,
    derandomize=True,  # the same examples every run: a failure here is reproducible, never flaky
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "reliability(category): a reliability case, tallied under `category`")


# ---------------------------------------------------------------- the stack


@dataclass
class Stack(StackActions):
    """The system under test, wired like `make run`, with canary credentials and every stand-in."""

    runtime: Runtime
    slack: SlackClientSimulator
    slack_api: SlackStandIn
    jira: JiraStandIn
    pagerduty: PagerDutyStandIn
    clock: FakeClock
    table_name: str
    endpoint_url: str
    environment: dict[str, str]
    responses: list[Any] = field(default_factory=list)

    def invoke(self, logical_id: str, event: Any) -> Any:
        """Invoke a function; its answer (or Lambda's error payload) is kept for the leak watch."""
        try:
            result = self.runtime.invoke(logical_id, event)
        except FunctionError as error:
            self.responses.append(error.payload)
            raise
        self.responses.append(result)
        return result

    def reconfigure(self, **environment: str) -> None:
        """Change settings as a redeploy would: new environment, fresh containers, same clock."""
        self.runtime.local_environment.update(environment)
        self.environment.update(environment)
        for name, value in environment.items():
            os.environ[name] = value
        entrypoints.reset()
        entrypoints.wiring().now = self.clock

    def wait_for_lazy_work(self) -> None:
        runner = entrypoints.slack_ingress().app.listener_runner.lazy_listener_runner
        wait = getattr(runner, "wait", None)
        if wait is not None:
            wait(10.0)


class _RecordingRuntime(Runtime):
    """A Runtime whose own `invoke` (used by the Slack simulator) records answers too."""

    responses: list[Any]

    def invoke(self, logical_id: str, event: Any) -> Any:
        try:
            result = super().invoke(logical_id, event)
        except FunctionError as error:
            self.responses.append(error.payload)
            raise
        self.responses.append(result)
        return result


@pytest.fixture(scope="package", autouse=True)
def canary_credentials() -> Iterator[None]:
    """Every credential is a canary for the whole suite (local_environment lets os.environ win).

    Package-scoped, so the canaries end with this suite and never reach the tests that run after it.
    """
    with pytest.MonkeyPatch.context() as patch:
        for name, value in CANARIES.items():
            patch.setenv(name, value)
        patch.setenv("JIRA_EMAIL", JIRA_EMAIL)
        yield


@pytest.fixture(scope="package")
def slack_api(canary_credentials: None) -> Iterator[SlackStandIn]:
    with SlackStandIn(token=CANARIES["SLACK_BOT_TOKEN"]) as stand_in:
        yield stand_in


@pytest.fixture(scope="package")
def jira_api(canary_credentials: None) -> Iterator[JiraStandIn]:
    with JiraStandIn(credentials=(JIRA_EMAIL, CANARIES["JIRA_API_TOKEN"])) as stand_in:
        yield stand_in


@pytest.fixture(scope="package")
def pagerduty_api(canary_credentials: None) -> Iterator[PagerDutyStandIn]:
    with PagerDutyStandIn() as stand_in:
        yield stand_in


@pytest.fixture
def stack(
    local_aws: LocalAws,
    template: Template,
    slack_api: SlackStandIn,
    jira_api: JiraStandIn,
    pagerduty_api: PagerDutyStandIn,
    fresh_table: str,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Stack]:
    for stand_in in (slack_api, jira_api, pagerduty_api):
        stand_in.reset()
    urls = {"slack": slack_api.url, "jira": jira_api.url, "pagerduty": pagerduty_api.url}
    environment = local_environment(urls, table_name=fresh_table, aws_endpoint_url=local_aws.endpoint_url)
    environment.update(OPSDESK_LAZY_MODE="inline", POWERTOOLS_METRICS_NAMESPACE="Opsdesk", **CANARIES)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("SECRETS_ARN", raising=False)
    slack_api.invite(environment["OPS_CHANNEL_ID"], environment["TEAM_CHANNEL_ID"])
    # opsdesk's DynamoDB client is cached per process: point it at this session's moto server.
    store_dynamodb.client.cache_clear()
    entrypoints.reset()
    clock = FakeClock()
    entrypoints.wiring().now = clock
    jira_api.clock = clock  # Jira Cloud's search index catches up as the case's time passes
    runtime = _RecordingRuntime(template, environment)
    responses: list[Any] = []
    runtime.responses = responses
    simulator = SlackClientSimulator(runtime, SIGNING_SECRET, slack_api, channel=environment["OPS_CHANNEL_ID"])
    built = Stack(
        runtime,
        simulator,
        slack_api,
        jira_api,
        pagerduty_api,
        clock,
        fresh_table,
        local_aws.endpoint_url,
        environment,
        responses,
    )
    yield built
    try:
        built.wait_for_lazy_work()
    finally:
        entrypoints.reset()
        store_dynamodb.client.cache_clear()


@pytest.fixture
def dynamo_faults(stack: Stack) -> Iterator[DynamoFaults]:
    """Faults on opsdesk's own DynamoDB client (the one every repository uses)."""
    faults = DynamoFaults(store_dynamodb.client())
    yield faults
    faults.close()


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> Sleeps:
    """Retry back-offs (Slack SDK, botocore) are recorded instead of slept: no wall-clock waits."""
    import botocore.endpoint
    import slack_sdk.http_retry.builtin_handlers
    import slack_sdk.http_retry.handler

    recorder = Sleeps()
    monkeypatch.setattr(slack_sdk.http_retry.builtin_handlers, "time", recorder.module("slack"))
    monkeypatch.setattr(slack_sdk.http_retry.handler, "time", recorder.module("slack"))
    monkeypatch.setattr(botocore.endpoint, "time", recorder.module("dynamodb"))
    return recorder


@pytest.fixture
def paging(stack: Stack, sleeps: Sleeps) -> Stack:
    """The weekend paging trial on, a Saturday afternoon, PagerDuty's back-offs recorded rather than slept."""
    stack.reconfigure(PAGING_ENABLED="true")
    # The container's one PagerDuty client, built now so every page this test sends uses this sleep.
    entrypoints.wiring().integrations.pagerduty.sleep = sleeps.module("pagerduty").sleep
    stack.clock.now = PAGING_SATURDAY
    return stack


# ---------------------------------------------------------------- leak watch


@pytest.fixture(autouse=True)
def leak_watch(
    request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> Iterator[None]:
    """Capture every log record (DEBUG and up, Powertools' own logger included), stdout, stderr and answers.

    After the case, none of them may hold a canary credential, an `xoxb-` token or a request signature.
    """
    caplog.set_level(logging.DEBUG)
    opsdesk_logger = logging.getLogger("opsdesk")
    previous_level = opsdesk_logger.level
    opsdesk_logger.setLevel(logging.DEBUG)
    opsdesk_logger.addHandler(caplog.handler)
    try:
        yield
    finally:
        opsdesk_logger.removeHandler(caplog.handler)
        opsdesk_logger.setLevel(previous_level)
    texts = [caplog.text]
    for phase in ("setup", "call"):
        for record in caplog.get_records(phase):  # type: ignore[arg-type]
            texts.append(record.getMessage())
            texts.append(repr({key: value for key, value in record.__dict__.items() if key != "msg"}))
    captured = capsys.readouterr()
    texts += [captured.out, captured.err]
    stack = request.node.funcargs.get("stack") if hasattr(request.node, "funcargs") else None
    if isinstance(stack, Stack):
        texts.append(repr(stack.responses))
        texts.append(repr(stack.slack_api.calls()))
        texts.append(repr(stack.slack_api.responses()))
    leaks = sorted({leak for text in texts for leak in find_leaks(text)})
    _LEAKS[request.node.nodeid] = len(leaks)
    assert not leaks, f"credentials or signatures leaked into logs or responses: {len(leaks)} distinct values"


@pytest.fixture
def ledger(request: pytest.FixtureRequest) -> Ledger:
    entry = Ledger()
    _LEDGERS[request.node.nodeid] = entry
    return entry


# ---------------------------------------------------------------- the report

_LEDGERS: dict[str, Ledger] = {}
_LEAKS: dict[str, int] = {}
_OUTCOMES: dict[str, tuple[str, bool]] = {}  # nodeid -> (category, passed)


def _category(item: pytest.Item) -> str:
    marker = item.get_closest_marker("reliability")
    if marker is None or not marker.args:
        return "uncategorised"
    return str(marker.args[0])


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()  # type: ignore[attr-defined]
    category = _category(item)
    previous = _OUTCOMES.get(item.nodeid, (category, True))
    if hasattr(report, "wasxfail"):
        _OUTCOMES[item.nodeid] = (category, False)
        (_XFAILED if report.skipped else _XPASSED).add(item.nodeid)
        return
    if report.skipped and report.when in ("setup", "call"):
        _OUTCOMES[item.nodeid] = (category, False)
        _SKIPPED.add(item.nodeid)
        return
    passed = previous[1] and (report.passed or (report.when != "call" and not report.failed))
    _OUTCOMES[item.nodeid] = (category, passed)


_SKIPPED: set[str] = set()
_XFAILED: set[str] = set()  # known bugs, each with its fix in the xfail reason
_XPASSED: set[str] = set()  # a known bug fixed: remove its xfail marker


def _table() -> str:
    rows: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for nodeid, (category, passed) in _OUTCOMES.items():
        if nodeid in _SKIPPED:
            rows[category]["skipped"] += 1
            continue
        entry = _LEDGERS.get(nodeid, Ledger())
        row = rows[category]
        if nodeid in _XFAILED:
            # A known bug still shows what it does: its lost, doubled and leaked items count until it is fixed.
            row["known bugs"] += 1
        else:
            row["cases"] += entry.cases
            row["passed"] += entry.cases if passed else 0
        row["observed"] += entry.observed
        row["expected"] += entry.expected
        row["doubled"] += max(0, entry.observed - entry.expected)
        row["lost"] += entry.lost
        row["leaked"] += entry.leaked
        if nodeid in _XFAILED:
            continue
        secrets = rows["secrets (leak watch)"]
        secrets["cases"] += 1
        secrets["passed"] += 1 if _LEAKS.get(nodeid, 0) == 0 and nodeid in _LEAKS else 0
        secrets["leaked"] += _LEAKS.get(nodeid, 0)
    order = [*CATEGORIES, "secrets (leak watch)"]
    names = sorted(rows, key=lambda name: (order.index(name) if name in order else len(order), name))
    lines = [
        "| Category | Cases tried | Passed | Side effects observed / expected | Doubled | Items lost | Leaked "
        "| Known bugs (strict xfail) | Skipped |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    total: dict[str, int] = defaultdict(int)
    for name in names:
        row = rows[name]
        lines.append(
            f"| {name} | {row['cases']} | {row['passed']} | {row['observed']} / {row['expected']} "
            f"| {row['doubled']} | {row['lost']} | {row['leaked']} | {row['known bugs']} | {row['skipped']} |"
        )
        if name == "secrets (leak watch)":
            continue  # the same cases again, watched for leaks: not added to the total twice
        for key in ("cases", "passed", "observed", "expected", "doubled", "lost", "leaked", "known bugs", "skipped"):
            total[key] += row[key]
    lines.append(
        f"| **total** | {total['cases']} | {total['passed']} | {total['observed']} / {total['expected']} "
        f"| {total['doubled']} | {total['lost']} | {total['leaked']} | {total['known bugs']} | {total['skipped']} |"
    )
    return "\n".join(lines)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    if not _OUTCOMES:
        return
    budget = os.environ.get("OPSDESK_FUZZ_EXAMPLES", "60")
    table = _table()
    text = (
        "# opsdesk reliability report\n\n"
        f"Fuzz budget: {budget} examples per route (`OPSDESK_FUZZ_EXAMPLES`).\n\n"
        f"{table}\n"
    )
    REPORT_PATH.write_text(text, encoding="utf-8")
    terminalreporter.write_sep("=", "reliability report")
    terminalreporter.write_line(table)
    terminalreporter.write_line(f"(written to {REPORT_PATH})")
