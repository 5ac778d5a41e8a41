"""The deterministic parts of `make bench` (issue #8), guarded on every test run; nothing here is timed."""

from __future__ import annotations

import re
import shlex
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from bench.calls import static_scans
from bench.cold import FORBIDDEN_ON_ACK, run_probe
from bench.env import LambdaStub, base_environment
from bench.slack_events import command

from opsdesk.slack.ids import Action
from opsdesk.store import dynamodb

if TYPE_CHECKING:
    from collections.abc import Iterator

    from devstack.aws import LocalAws
    from devstack.standins.slack import SlackStandIn
    from tests.integration.conftest import Stack

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
# Unreachable on purpose: answering Slack must not even load their adapters, let alone call them.
EVERY_INTEGRATION = {
    "JIRA_URL": "http://127.0.0.1:9/jira",
    "CONFLUENCE_URL": "http://127.0.0.1:9/confluence",
    "PAGING_ENABLED": "true",
    "PAGERDUTY_EVENTS_URL": "http://127.0.0.1:9/v2/enqueue",
}


@pytest.fixture
def count_dynamodb() -> Iterator[list[str]]:
    """Every DynamoDB request opsdesk's client makes, by operation name."""
    seen: list[str] = []

    def before(model: Any, **_: Any) -> None:
        seen.append(model.name)

    events = dynamodb.client().meta.events
    events.register("before-call.dynamodb", before, unique_id="bench-guard")
    yield seen
    events.unregister("before-call.dynamodb", unique_id="bench-guard")


def test_answering_a_slash_command_loads_no_heavy_integration(
    local_aws: LocalAws, fresh_table: str, slack_api: SlackStandIn
) -> None:
    # GIVEN a fresh interpreter with the Slack handler in Lambda mode (lazy work handed to a stub Invoke),
    # and every integration configured, as in production (nothing on the ack path may call them)
    stub = LambdaStub()
    try:
        env = base_environment(
            local_aws.endpoint_url, fresh_table, slack_api.url, lambda_url=stub.url, extra=EVERY_INTEGRATION
        )
        # WHEN it imports the handler and answers one signed slash command
        result = run_probe(
            "modules", str(ROOT / "functions/slack"), env, _json(command(env["SLACK_SIGNING_SECRET"], "C0OPS"))
        )
    finally:
        stub.stop()
    # THEN it answered, handed the work off, and loaded none of the heavy clients
    assert result["status"] == 200
    assert len(stub.invocations) == 1
    assert [name for name in FORBIDDEN_ON_ACK if name in result["modules"]] == []


def test_declare_and_take_lead_stay_within_their_dynamodb_budget(stack: Stack, count_dynamodb: list[str]) -> None:
    stack.slack.command("declare high: Database down")
    declared = list(count_dynamodb)
    [incident] = _open_incidents()
    count_dynamodb.clear()

    stack.slack.click(Action.TAKE_LEAD, incident.id)

    assert len(declared) <= 3, declared
    # Read, write the lead with the messages it owes, clear them once posted (flows/followups.py): a Slack
    # failure after the write leaves them owed for the replay instead of lost.
    assert count_dynamodb == ["GetItem", "TransactWriteItems", "TransactWriteItems"], count_dynamodb
    assert "Scan" not in declared + count_dynamodb


def test_a_schedule_slot_costs_two_dynamodb_calls_and_a_repeated_tick_one(
    stack: Stack, count_dynamodb: list[str]
) -> None:
    # GIVEN a Monday with no postmortems, so the reminder job itself only queries
    monday = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
    stack.tick("postmortem-reminders", monday)
    slot_calls = [name for name in count_dynamodb if name != "Query"]
    count_dynamodb.clear()
    # WHEN Scheduler fires the same tick again
    repeated = stack.tick("postmortem-reminders", monday)
    # THEN the run wrote its slot and marked it done (as the hand-written claim did), and the repeat read the
    # record from the refused write: one call, no GetItem
    assert slot_calls == ["PutItem", "UpdateItem"], slot_calls
    assert repeated["skipped"] == "already ran"
    assert count_dynamodb == ["PutItem"], count_dynamodb


def test_no_code_scans_the_table() -> None:
    assert static_scans() == []


def test_no_test_or_dev_dependency_ships_in_the_deps_layer() -> None:
    def names(path: Path) -> set[str]:
        lines = (line.split("#")[0].strip() for line in path.read_text().splitlines())
        return {re.split(r"[\[=<>~! ;]", line, maxsplit=1)[0].lower() for line in lines if line and line[0] != "-"}

    dev_only = names(ROOT / "requirements-dev.txt")
    assert names(ROOT / "layers/deps/requirements.txt") & dev_only == set()


def test_the_build_compiles_hash_based_pyc_for_the_lambda_runtime() -> None:
    """SAM zips stamp files 1980-01-01: only hash-based .pyc of the runtime's own version are ever used."""
    dry = subprocess.run(["make", "-n", "build"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    steps = [line for line in dry.splitlines() if "compileall" in line]
    assert steps, "the build step must run compileall over .aws-sam/build"
    step = steps[-1]
    assert "--invalidation-mode unchecked-hash" in step
    assert ".aws-sam/build" in step
    runtime = re.search(r"Runtime:\s*python(\d+\.\d+)", (ROOT / "template.yaml").read_text())
    assert runtime is not None
    interpreter = step.split(" -m compileall")[0]
    version = subprocess.run(
        f"{interpreter} -c {shlex.quote('import sys; print(*sys.version_info[:2], sep=chr(46))')}",
        shell=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    # A .pyc is only read by the interpreter version that wrote it (cpython-311 files are ignored by 3.13).
    assert version == runtime.group(1), f"compileall runs Python {version}; Lambda runs {runtime.group(1)}"


def _open_incidents() -> list[Any]:
    from opsdesk.entrypoints import wiring

    return wiring().incident_repository.list_open()


def _json(event: dict[str, Any]) -> str:
    import json

    return json.dumps(event)
