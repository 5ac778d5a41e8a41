"""The bench's world: a moto server in its own process, stand-ins, a Lambda-invoke stub, tables, environments."""

from __future__ import annotations

import dataclasses
import os
import statistics
import subprocess
import sys
import threading
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from devstack.aws import client, create_table
from devstack.httpserver import LocalHttpServer, Reply, Request
from devstack.settings import TEMPLATE_PATH, local_environment
from devstack.template import Template, load_template

if TYPE_CHECKING:
    from types import TracebackType

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT / "shared"
FUNCTIONS = ROOT / "functions"
SLACK_FUNCTION_NAME = "opsdesk-bench-slack"
# devstack lets values already in os.environ win (local_environment, Runtime), so every stack starts
# from the environment the bench was started with, never from the previous stack's.
_ORIGINAL_ENVIRONMENT = dict(os.environ)

# moto runs in a child process: on 2 cores an in-process server would share the GIL with the code
# being timed, and its CPU would be billed to opsdesk.
_MOTO_SCRIPT = (
    "import sys; sys.path.insert(0, sys.argv[1]); from devstack.aws import start_moto; "
    "aws = start_moto(port=0, use_existing=False); print(aws.endpoint_url, flush=True); sys.stdin.read()"
)


class MotoProcess:
    """A moto server (devstack.aws.start_moto) in a child process; stopped when its stdin closes."""

    def __init__(self) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-c", _MOTO_SCRIPT, str(ROOT)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self._process.stdout is not None
        self.endpoint_url = self._process.stdout.readline().strip()
        if not self.endpoint_url.startswith("http://127.0.0.1"):
            self.stop()
            raise RuntimeError("the moto server did not start")

    def stop(self) -> None:
        if self._process.poll() is None:
            assert self._process.stdin is not None
            self._process.stdin.close()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()


class LambdaStub:
    """Answers Lambda's async Invoke with 202, so the real SelfInvokingRunner hands lazy work off to nowhere."""

    def __init__(self) -> None:
        self.invocations: list[bytes] = []
        self._lock = threading.Lock()
        self._server = LocalHttpServer(self._handle).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.port}"

    def _handle(self, request: Request) -> Reply:
        with self._lock:
            self.invocations.append(request.body)
        return Reply(202, b"")

    def stop(self) -> None:
        self._server.stop()


def template() -> Template:
    return load_template(TEMPLATE_PATH)


def new_table(endpoint_url: str, tmpl: Template, prefix: str = "opsdesk-bench") -> str:
    """Create the template's table under a fresh name (the same key schema and indexes as deployed)."""
    table = tmpl.tables()[0]
    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    create_table(client("dynamodb", endpoint_url), dataclasses.replace(table, name=name))
    return name


def base_environment(
    endpoint_url: str, table: str, slack_url: str, *, lambda_url: str = "", extra: dict[str, str] | None = None
) -> dict[str, str]:
    """The functions' local settings; with `lambda_url`, lazy work goes to the Invoke stub (the Lambda mode)."""
    restore_environment()
    env = local_environment({"slack": slack_url}, table_name=table, aws_endpoint_url=endpoint_url)
    env.update(POWERTOOLS_METRICS_NAMESPACE="Opsdesk", POWERTOOLS_SERVICE_NAME="opsdesk")
    if lambda_url:
        env.update(
            OPSDESK_LAZY_MODE="lambda",
            AWS_ENDPOINT_URL_LAMBDA=lambda_url,
            AWS_LAMBDA_FUNCTION_NAME=SLACK_FUNCTION_NAME,
        )
    env.update(extra or {})
    return env


def restore_environment() -> None:
    os.environ.clear()
    os.environ.update(_ORIGINAL_ENVIRONMENT)


def child_environment(function_env: dict[str, str]) -> dict[str, str]:
    """A child interpreter's environment: the function's settings, shared/ importable, no stray .pyc writes."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTHON", "AWS_"))}
    env.update(function_env)
    env["PYTHONPATH"] = str(SHARED)
    env["PYTHONHASHSEED"] = "0"
    return env


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (p99 of 1,000 samples is the 990th smallest)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, round(fraction * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


class Closing:
    """Stop a group of servers in reverse start order."""

    def __init__(self) -> None:
        self._stoppers: list[Any] = []

    def add(self, thing: Any) -> Any:
        self._stoppers.append(thing)
        return thing

    def __enter__(self) -> Closing:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        for thing in reversed(self._stoppers):
            thing.stop()
