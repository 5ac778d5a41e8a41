"""One cold start in a fresh interpreter: `python bench/probe.py KIND [ARG]`; prints one JSON line.

Run as a script, not `-m`, so nothing but the standard library is imported before the clock
starts; the event to answer arrives on stdin and is read before the clock starts too.
"""

from __future__ import annotations

import sys
import time

STARTED = time.perf_counter()

import importlib.util  # noqa: E402  # after the clock on purpose: every kind pays for it alike
import json  # noqa: E402
import os  # noqa: E402
from typing import Any  # noqa: E402


class Context:
    """The attributes of Lambda's context that Powertools' inject_lambda_context reads."""

    function_name = "opsdesk-bench"
    function_version = "$LATEST"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:eu-west-2:123456789012:function:opsdesk-bench"
    aws_request_id = "00000000-0000-0000-0000-000000000000"
    log_group_name = "/aws/lambda/opsdesk-bench"
    log_stream_name = "bench"

    def get_remaining_time_in_millis(self) -> int:
        return 20_000


def load_handler(function_dir: str) -> Any:
    """Import functions/<dir>/app.py the way Lambda does (the code directory and layers on sys.path)."""
    sys.path.insert(0, function_dir)
    spec = importlib.util.spec_from_file_location("app", f"{function_dir}/app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["app"] = module
    spec.loader.exec_module(module)
    return module


def init_function(function_dir: str) -> Any:
    module = load_handler(function_dir)
    from opsdesk import entrypoints

    if function_dir.rstrip("/").endswith("slack"):
        entrypoints.slack_ingress()
    elif hasattr(entrypoints, "wiring"):
        entrypoints.wiring()
    return module


def lean_init() -> Any:
    """The least a Slack ack on DynamoDB can import: the signature check and a DynamoDB client."""
    import boto3
    from slack_sdk.signature import SignatureVerifier

    return SignatureVerifier(os.environ["SLACK_SIGNING_SECRET"]), boto3.client("dynamodb")


def naive_init() -> None:
    """What a first Bolt-on-Lambda app often looks like: everything at module scope."""
    import boto3
    import jira  # noqa: F401
    from aws_lambda_powertools import Logger, Metrics, Tracer
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, IdempotencyConfig
    from aws_lambda_powertools.utilities.parser import envelopes, parse  # noqa: F401
    from aws_lambda_powertools.utilities.parser.models import SnsModel  # noqa: F401
    from slack_bolt import App
    from slack_bolt.adapter.aws_lambda import SlackRequestHandler

    Logger(service="naive")
    Metrics(namespace="Naive", service="naive")
    Tracer(service="naive")
    DynamoDBPersistenceLayer(table_name=os.environ["TABLE_NAME"])
    IdempotencyConfig(event_key_jmespath="body")
    boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
    app = App(
        token=os.environ["SLACK_BOT_TOKEN"],
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        process_before_response=True,
        token_verification_enabled=False,
    )
    SlackRequestHandler(app)


def lean_ack(event: dict[str, Any]) -> int:
    verifier, dynamodb = lean_init()
    headers = {key.lower(): value for key, value in event["headers"].items()}
    if not verifier.is_valid_request(event["body"], headers):
        return 401
    dynamodb.get_item(TableName=os.environ["TABLE_NAME"], Key={"pk": {"S": "BENCH"}, "sk": {"S": "META"}})
    return 200


def main() -> None:
    kind, arg = sys.argv[1], (sys.argv[2] if len(sys.argv) > 2 else "")
    event = json.loads(sys.stdin.read() or "null") if kind in {"ack", "lean-ack", "modules"} else None
    began = time.perf_counter()
    status = 200
    if kind == "init":
        init_function(arg)
    elif kind == "lean-init":
        lean_init()
    elif kind == "naive-init":
        naive_init()
    elif kind in {"ack", "modules"}:
        module = init_function(arg)
        status = int(module.lambda_handler(event, Context())["statusCode"])
    elif kind == "lean-ack":
        status = lean_ack(event)
    else:
        raise SystemExit(f"unknown probe {kind}")
    ended = time.perf_counter()
    result: dict[str, Any] = {"ms": (ended - began) * 1000, "since_start_ms": (ended - STARTED) * 1000}
    result["status"] = status
    if kind == "modules":
        result["modules"] = sorted(sys.modules)
    print("BENCH-RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
