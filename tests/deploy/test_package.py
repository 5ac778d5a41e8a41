"""The deps layer ships only what runs: pruned per layers/deps/prune.txt, still importable, each function under 25 MB.

The pruning is proven on a replica of the layer made from this machine's own installs of the same pinned packages
(the built layer holds arm64 binaries this x86 machine cannot load): copied file by file from their RECORDs,
pruned with the same list, then imported in a fresh interpreter that sees nothing else (`-S`: no site-packages),
with only the runtime's own boto3 beside it, as on Lambda. The built artifact itself is measured when `make build`
has run: its size, and England and Wales bank holidays read from its CoreLayer by the runtime's Python.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
from bench.artifact import CHART_LAYER, LIMIT_MB, measure
from scripts import prune_layer

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / ".aws-sam" / "build"
# What the python3.13 Lambda runtime provides itself (boto3 and its dependencies): never in the layer.
CHART_PRUNE_LIST = ROOT / "layers/chart/prune.txt"
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "six")

IMPORT_EVERYTHING = """
import importlib, json, os, pkgutil, sys
import opsdesk
for module in pkgutil.walk_packages(opsdesk.__path__, "opsdesk."):
    importlib.import_module(module.name)
for name in ("slack", "alarms", "schedules", "webhooks", "pages"):
    spec = importlib.util.spec_from_file_location(f"fn_{name}", os.path.join(sys.argv[1], name, "app.py"))
    spec.loader.exec_module(importlib.util.module_from_spec(spec))
from opsdesk import entrypoints
built = entrypoints.wiring()
# One signed slash command through the front door and Bolt, as Slack sends it.
import time
from urllib.parse import urlencode
from slack_sdk.signature import SignatureVerifier
body = urlencode({"command": "/incident", "text": "help", "user_id": "U0ALICE", "channel_id": "C0OPS",
                  "trigger_id": "1.2", "team_id": "T1", "response_url": "https://hooks.slack.invalid/x"})
stamp = str(int(time.time()))
signature = SignatureVerifier(os.environ["SLACK_SIGNING_SECRET"]).generate_signature(timestamp=stamp, body=body)
headers = {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature}
answer = entrypoints.slack_ingress().handle(
    {"path": "/slack/commands", "httpMethod": "POST", "headers": headers, "body": body, "isBase64Encoded": False}
)
assert answer["statusCode"] == 200, answer
built.integrations.jira, built.integrations.pagerduty, built.integrations.confluence, built.slack
from opsdesk.secrets import ParameterStoreSource
ParameterStoreSource("/opsdesk")._ssm()
import jira, requests, requests_oauthlib
# The resolvers answer through their middleware and not-found handlers; an alarm envelope is validated.
from opsdesk.pages.routes import app as pages
from opsdesk.webhooks.routes import app as webhooks
refused = pages.resolve({"path": "/status", "httpMethod": "POST", "headers": {}, "body": None}, None)
assert refused["statusCode"] == 405 and refused["multiValueHeaders"]["Content-Security-Policy"], refused
assert webhooks.resolve({"path": "/nope", "httpMethod": "POST", "headers": {}, "body": None}, None)["statusCode"] == 404
from opsdesk.alarms.models import Rejected, parse_event
assert all(isinstance(item, Rejected) for item in parse_event({"Records": [{"EventSource": "aws:sns"}]}))
from opsdesk.store.job_runs import _records
_records(None, "t", "start-of-day")
from opsdesk.pages.chart import Bar, Panel, comparison_chart
assert comparison_chart("t", [Panel("p", [Bar("a", 1, 2)])], "now", "before").startswith(b"\\x89PNG")
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""


def requirement_closure(requirements: Path) -> set[str]:
    """The distributions the layer's requirements pull in, as installed here (same pins)."""
    pending = [re.split(r"[=<>~! ;\[]", line.strip(), maxsplit=1)[0] for line in requirements.read_text().splitlines()]
    pending = [name for name in pending if name and not name.startswith("#")]
    found: set[str] = set()
    while pending:
        name = pending.pop()
        distribution = metadata.distribution(name)
        key = distribution.metadata["Name"].lower()
        if key in found:
            continue
        found.add(key)
        for requirement in distribution.requires or []:
            if "extra ==" not in requirement:
                pending.append(re.split(r"[=<>~! ;\[(]", requirement, maxsplit=1)[0])
    return found


def replicate(distributions: set[str], target: Path) -> None:
    """Copy each distribution's installed files (its RECORD) under `target`, as pip would install them."""
    for name in distributions:
        distribution = metadata.distribution(name)
        for file in distribution.files or []:
            source = Path(str(distribution.locate_file(file)))
            if file.parts[0] in ("..", "__pycache__") or "__pycache__" in file.parts or not source.is_file():
                continue
            destination = target / file
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination)


@pytest.fixture(scope="module")
def pruned_replica(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("layer")
    layer, runtime = root / "python", root / "runtime"
    replicate(requirement_closure(ROOT / "layers/deps/requirements.txt"), layer)
    replicate(set(RUNTIME_PROVIDED), runtime)
    prune_layer.prune(layer, prune_layer.patterns())
    # Layers unpack into one /opt/python: the chart layer's Pillow lands beside the deps, pruned by its own list.
    replicate(requirement_closure(ROOT / "layers/chart/requirements.txt"), layer)
    prune_layer.prune(layer, prune_layer.patterns(CHART_PRUNE_LIST))
    return layer, runtime


def test_the_pruned_layer_still_imports_everything_opsdesk_uses(pruned_replica: tuple[Path, Path]) -> None:
    layer, runtime = pruned_replica
    # GIVEN only the pruned layer, opsdesk's core and the runtime's boto3 (no site-packages at all)
    path = os.pathsep.join(str(directory) for directory in (layer, ROOT / "shared", runtime))
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": path, "TABLE_NAME": "t", "OPS_CHANNEL_ID": "C0OPS"}
    env.update(
        TEAM_CHANNEL_ID="C0TEAM", JIRA_URL="https://jira.invalid", PAGING_ENABLED="true", AWS_DEFAULT_REGION="eu-west-2"
    )
    env.update(CONFLUENCE_URL="https://wiki.invalid", OPSDESK_LAZY_MODE="inline", AWS_SAM_LOCAL="true")
    env.update(SLACK_SIGNING_SECRET="replica-signing-secret", SLACK_BOT_TOKEN="xoxb-replica")
    # WHEN every opsdesk module, handler and adapter is imported and built, and a slash command is answered
    done = subprocess.run(
        [sys.executable, "-S", "-c", IMPORT_EVERYTHING, str(ROOT / "functions")],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    # THEN nothing that was pruned was needed
    assert done.returncode == 0, done.stderr[-3000:]
    loaded = set(json.loads(done.stdout.splitlines()[-1]))
    assert {"slack_bolt", "aws_lambda_powertools", "pydantic", "jira", "requests", "PIL"} <= loaded
    assert "holidays" not in loaded


def test_every_entry_of_the_prune_list_still_matches_something(pruned_replica: tuple[Path, Path]) -> None:
    layer, _ = pruned_replica
    for pattern in prune_layer.patterns() + prune_layer.patterns(CHART_PRUNE_LIST):
        assert not list(layer.glob(pattern)), f"{pattern} survived the prune"
    assert (layer / "aws_lambda_powertools/utilities/parameters").is_dir()


def test_the_build_prunes_before_it_compiles() -> None:
    dry = subprocess.run(["make", "-n", "build"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    steps = [line for line in dry.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    prune = next(index for index, line in enumerate(steps) if "prune_layer.py" in line)
    compile_step = next(index for index, line in enumerate(steps) if "compileall" in line)
    assert "sam build" in steps[0] or any("sam build" in line for line in steps[:prune])
    assert prune < compile_step
    assert ".aws-sam/build/DepsLayer/python" in steps[prune]


def built() -> Path:
    if not (BUILD / "template.yaml").is_file():
        pytest.skip("no .aws-sam/build: run `make build` to measure the artifact (make bench does its own build)")
    return BUILD


def test_each_built_function_with_its_layers_stays_under_the_limit() -> None:
    sizes = measure(built())
    assert sizes["functions"], sizes
    for name, function in sizes["functions"].items():
        assert function["unzipped_mb"] <= function["limit_mb"], (name, function)
    # Only the weekly report's function carries Pillow; every function on a request path stays within 25 MB.
    with_chart = [name for name, function in sizes["functions"].items() if CHART_LAYER in function["layers"]]
    assert with_chart == ["SchedulesFunction"]
    assert all(f["limit_mb"] == LIMIT_MB for name, f in sizes["functions"].items() if name not in with_chart)
    assert sizes["dev_deps_in_artifacts"] == []
    assert not (built() / "DepsLayer/python/holidays").exists()


@pytest.mark.parametrize(
    ("day", "holiday"),
    [("2026-12-25", True), ("2026-12-28", True), ("2027-12-27", True), ("2027-12-28", True), ("2028-01-03", True),
     ("2030-04-19", True), ("2031-08-25", True), ("2033-05-02", True), ("2026-12-29", False), ("2031-08-18", False)],
)  # fmt: skip
def test_the_built_core_knows_england_and_wales_bank_holidays(day: str, holiday: bool) -> None:
    # The runtime's Python (3.13), with nothing but the built CoreLayer: the calendar needs no dependency.
    core = built() / "CoreLayer" / "python"
    code = "import sys, datetime; from opsdesk.domain.bank_holidays import is_bank_holiday as h; "
    code += "print(h(datetime.date.fromisoformat(sys.argv[1])))"
    env = {"PATH": os.environ["PATH"], "PYENV_VERSION": "3.13.0", "PYTHONPATH": str(core)}
    done = subprocess.run(["python3.13", "-S", "-c", code, day], env=env, capture_output=True, text=True, check=False)
    if done.returncode and "not found" in done.stderr:
        pytest.skip("python3.13 (the Lambda runtime's version) is not installed")
    assert done.stdout.strip() == str(holiday), done.stderr[-1000:]
