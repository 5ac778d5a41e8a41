"""Warm latency of the ack through the real handler, and the framework's own overhead with storage stubbed."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from bench import slack_events
from bench.env import percentile
from bench.stack import stack
from opsdesk import entrypoints

if TYPE_CHECKING:
    from slack_bolt import Ack

    from bench.counting import DynamoDBCalls
    from bench.stack import World

WARMUP = 30
# Any id will do: in the Lambda mode the click's work is handed off, so the ack never reads it.
INCIDENT = "INC-BENCH"


def warm_latency(world: World, calls: DynamoDBCalls, requests: int) -> dict[str, Any]:
    """`requests` signed requests of each kind, interleaved, through SlackFunction's lambda_handler."""
    bench = stack(world, lazy="lambda")
    handler = bench.runtime.handler("SlackFunction")
    context = bench.runtime.context("SlackFunction")
    builders = slack_events.kinds(bench.secret, bench.channel, INCIDENT)
    samples: dict[str, list[float]] = {kind: [] for kind in builders}
    ddb_max: dict[str, int] = dict.fromkeys(builders, 0)
    statuses: dict[str, set[int]] = {kind: set() for kind in builders}
    slack_before, invokes_before = len(world.slack.calls()), len(world.lambda_stub.invocations)
    for index in range(WARMUP + requests):
        for kind, build in builders.items():
            event = build()  # signing is Slack's work, not ours: outside the clock
            calls.reset()
            started = time.perf_counter()
            response = handler(event, context)
            elapsed = (time.perf_counter() - started) * 1000
            statuses[kind].add(int(response["statusCode"]))
            ddb_max[kind] = max(ddb_max[kind], calls.total)
            if index >= WARMUP:
                samples[kind].append(elapsed)
    total = (WARMUP + requests) * len(builders)
    return {
        "requests_per_kind": requests,
        "p50_ms": {kind: round(percentile(values, 0.50), 2) for kind, values in samples.items()},
        "p99_ms": {kind: round(percentile(values, 0.99), 2) for kind, values in samples.items()},
        "statuses": {kind: sorted(codes) for kind, codes in statuses.items()},
        "ddb_calls_before_ack": ddb_max,
        "slack_calls_per_ack": round((len(world.slack.calls()) - slack_before) / total, 2),
        "lazy_handoffs_per_ack": round((len(world.lambda_stub.invocations) - invokes_before) / total, 2),
    }


def framework_overhead(world: World, calls: DynamoDBCalls, requests: int) -> dict[str, Any]:
    """Ingress (size, signature, shape) and Bolt's dispatch through every registered listener to a no-op one."""
    from opsdesk.slack.ingress import SlackIngress

    bench = stack(world, lazy="lambda")

    def noop(ack: Ack) -> None:
        ack()

    # The real app, so the middleware and the listener list it walks are the production ones.
    app = entrypoints.slack_app(entrypoints.wiring(), lambda _event: None)
    app.command("/bench-noop")(noop)
    ingress = SlackIngress(app, bench.secret)
    samples: list[float] = []
    calls.stub_storage = True
    try:
        for index in range(WARMUP + requests):
            event = slack_events.command(bench.secret, bench.channel, text="", command="/bench-noop")
            started = time.perf_counter()
            response = ingress.handle(event)
            elapsed = (time.perf_counter() - started) * 1000
            if response["statusCode"] != 200:
                raise RuntimeError(f"the no-op command answered {response['statusCode']}")
            if index >= WARMUP:
                samples.append(elapsed)
    finally:
        calls.stub_storage = False
    return {
        "requests": requests,
        "p50_ms": round(percentile(samples, 0.50), 3),
        "p99_ms": round(percentile(samples, 0.99), 3),
    }
