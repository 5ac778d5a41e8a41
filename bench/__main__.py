"""`python -m bench`: run every measurement of issue #8, write bench/results.json, print the table."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "shared"), str(ROOT)]

from bench import artifact, calls, cold, report, slack_events, storm, sweeps, warm  # noqa: E402
from bench.counting import DynamoDBCalls  # noqa: E402
from bench.env import FUNCTIONS, Closing, base_environment  # noqa: E402
from bench.stack import World, stack  # noqa: E402


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def quiet_stdout() -> Iterator[None]:
    """Handlers log and print EMF to fd 1; keep it off the table (Powertools binds its stream at import)."""
    sys.stdout.flush()
    saved = os.dup(1)
    with Path(os.devnull).open("w") as sink:
        os.dup2(sink.fileno(), 1)
        try:
            yield
        finally:
            sys.stdout.flush()
            os.dup2(saved, 1)
            os.close(saved)


def section(raw: dict[str, Any], name: str, work: Callable[[], Any]) -> None:
    log(f"{name} ...")
    started = time.monotonic()
    try:
        with quiet_stdout():
            raw[name] = work()
    except Exception as error:  # one broken section must not lose the others
        raw[name] = {"error": f"{type(error).__name__}: {error}"[:300]}
    log(f"{name} done in {time.monotonic() - started:.0f} s")


def cold_sections(raw: dict[str, Any], world: World, runs: int) -> None:
    table = world.table()
    lambda_url = world.lambda_stub.url
    slack_env = base_environment(world.moto.endpoint_url, table, world.slack.url, lambda_url=lambda_url)
    runtime_env = stack(world, lazy="lambda", table=table).runtime
    function_envs = {
        function.logical_id: (str(function.code_uri), {**runtime_env.environment(function.logical_id), **slack_env})
        for function in world.template.functions()
        if (function.code_uri / "app.py").is_file()
    }
    slack_dir = str(FUNCTIONS / "slack")
    secret, channel = slack_env["SLACK_SIGNING_SECRET"], slack_env["OPS_CHANNEL_ID"]
    ack_env = function_envs.get("SlackFunction", ("", slack_env))[1]
    section(raw, "cold_init", lambda: cold.cold_init(function_envs, slack_env, runs))
    section(
        raw,
        "cold_ack",
        lambda: cold.cold_ack(slack_dir, ack_env, slack_env, lambda: slack_events.command(secret, channel), runs),
    )
    section(
        raw, "purity", lambda: cold.ack_purity(slack_dir, ack_env, slack_env, slack_events.command(secret, channel))
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15, help="cold starts per case (median)")
    parser.add_argument("--requests", type=int, default=1000, help="warm requests per kind")
    parser.add_argument(
        "--closed", type=int, default=20_000, help="closed items for the flat-sweep check (see sweeps.py on moto)"
    )
    parser.add_argument("--seed-seconds", type=float, default=90, help="stop seeding closed items after this long")
    parser.add_argument("--sweep-rounds", type=int, default=15)
    parser.add_argument("--skip-build", action="store_true", help="skip sam build (the artifact section)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results.json")
    args = parser.parse_args()
    started = time.monotonic()
    raw: dict[str, Any] = {"notes": []}
    with Closing() as closing:
        world = World.start(closing)
        counter = world.calls = DynamoDBCalls()
        cold_sections(raw, world, args.runs)
        section(raw, "warm", lambda: warm.warm_latency(world, counter, args.requests))
        section(raw, "overhead", lambda: warm.framework_overhead(world, counter, args.requests))
        section(raw, "operations", lambda: calls.operations(world, counter))
        section(raw, "storm", lambda: storm.alarm_storm(world, counter))
        section(
            raw,
            "sweeps",
            lambda: sweeps.flat_sweeps(world, counter, args.closed, args.sweep_rounds, args.seed_seconds),
        )
    raw["scans_runtime"] = counter.scans_seen
    raw["scans_static"] = calls.static_scans()
    if not args.skip_build:
        section(raw, "artifact", artifact.artifact)
    closed = (raw.get("sweeps") or {}).get("closed_items")
    if isinstance(closed, int) and closed < args.closed:
        raw["notes"].append(f"seeded {closed} closed items, not {args.closed}: seeding stopped at the time budget")
    raw["seconds"] = round(time.monotonic() - started)
    head = report.headline(raw)
    args.out.write_text(json.dumps({**head, "details": raw}, indent=2, default=str) + "\n")
    print(report.table(head, raw))
    log(f"wrote {args.out} in {raw['seconds']} s")


if __name__ == "__main__":
    main()
