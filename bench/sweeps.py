"""Flat sweeps: the same open work with 0 and with N closed items in the table; time and calls compared."""

from __future__ import annotations

import random
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import boto3

from bench.calls import tick
from bench.env import median
from bench.stack import MONDAY, stack
from devstack.settings import FAKE_AWS_CREDENTIALS, REGION
from opsdesk import entrypoints

if TYPE_CHECKING:
    from bench.counting import DynamoDBCalls
    from bench.stack import Stack, World

SWEEP_JOBS = ("triage-sweep", "incident-checkins", "start-of-day")
SEED_THREADS = 4
BATCH = 25  # BatchWriteItem's maximum


def _private_client(endpoint_url: str) -> Any:
    """A client outside boto3's default session, so seeding is neither counted nor sharing its locks."""
    session = boto3.session.Session(
        aws_access_key_id=FAKE_AWS_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=FAKE_AWS_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        region_name=REGION,
    )
    return session.client("dynamodb", endpoint_url=endpoint_url)


def open_work(bench: Stack) -> None:
    """Two high-priority incidents, one normal, three support requests: what every sweep reads."""
    for number, text in enumerate(("Database down high", "Payments failing high", "Slow search")):
        bench.slack.command(f"declare {text}", trigger_id=f"bench.sweep.{number}")
    for number in range(3):
        ts = f"{MONDAY.timestamp() + 60 + number:.6f}"
        with bench.world.slack.lock:
            bench.world.slack.workspace.post(bench.channel, {"text": f"Help {number}"}, user="U0REPORTER", ts=ts)
        event = {"type": "message", "channel": bench.channel, "user": "U0REPORTER", "text": f"Help {number}"}
        bench.slack.event({**event, "ts": ts, "event_ts": ts, "channel_type": "channel"})


def _closed_templates(endpoint_url: str, table: str) -> list[dict[str, Any]]:
    """Real stored items (an incident, a request) to copy as closed history: the shapes opsdesk writes."""
    dynamodb = _private_client(endpoint_url)
    found = []
    for key, closed in (("INCIDENTS#open", "INCIDENTS#closed#2025-06"), ("REQUESTS#", "REQUESTS#done#2025-06")):
        items = dynamodb.scan(TableName=table, Limit=200)["Items"]  # the bench's own look, not opsdesk's
        for item in items:
            if item.get("sk", {}).get("S") == "META" and item.get("gsi1pk", {}).get("S", "").startswith(key):
                found.append({**item, "gsi1pk": {"S": closed}})
                break
    return found


def seed_closed(endpoint_url: str, table: str, count: int, deadline: float) -> int:
    """Write `count` closed incidents and requests with parallel BatchWriteItem; stop early at `deadline`."""
    templates = _closed_templates(endpoint_url, table) or [{"pk": {"S": "X"}, "sk": {"S": "META"}}]
    clients = [_private_client(endpoint_url) for _ in range(SEED_THREADS)]

    def write(start: int) -> int:
        if time.monotonic() > deadline:
            return 0
        items = []
        for index in range(start, min(start + BATCH, count)):
            template = templates[index % len(templates)]
            prefix = template["pk"]["S"].split("#", 1)[0]
            item = {**template, "pk": {"S": f"{prefix}#OLD{index:06d}"}}
            items.append({"PutRequest": {"Item": item}})
        pending: dict[str, Any] = {table: items}
        while pending:
            pending = clients[start // BATCH % SEED_THREADS].batch_write_item(RequestItems=pending)["UnprocessedItems"]
        return len(items)

    with ThreadPoolExecutor(SEED_THREADS) as pool:
        return sum(pool.map(write, range(0, count, BATCH)))


def _job_time(job: str, round_number: int) -> Any:
    if job == "start-of-day":  # a new working day each round (its slot is the day)
        day = MONDAY.replace(hour=8, minute=0)
        for _ in range(round_number):
            day += timedelta(days=3 if day.weekday() == 4 else 1)
        return day
    if job == "incident-checkins":  # one check-in boundary per round for each high-priority incident
        return MONDAY + timedelta(hours=round_number + 1, minutes=5)
    return MONDAY + timedelta(minutes=20 + 5 * round_number)


def _run(bench: Stack, calls: DynamoDBCalls, job: str, round_number: int) -> dict[str, Any]:
    bench.activate()
    entrypoints.services()
    calls.reset()
    started = time.perf_counter()
    bench.invoke("SchedulesFunction", tick(job, _job_time(job, round_number)))
    wall = (time.perf_counter() - started) * 1000
    return {"wall_ms": wall, "ddb_ms": calls.seconds * 1000, "calls": calls.snapshot(), "items": calls.items_read}


def flat_sweeps(world: World, calls: DynamoDBCalls, closed: int, rounds: int, seed_seconds: float) -> dict[str, Any]:
    world.reset_stand_ins()
    empty, full = stack(world, lazy="inline"), stack(world, lazy="inline")
    for bench in (empty, full):
        bench.activate()
        open_work(bench)
    started = time.monotonic()
    seeded = seed_closed(world.moto.endpoint_url, full.table, closed, started + seed_seconds)
    seed_time = time.monotonic() - started
    order = random.Random(6)
    runs: dict[str, dict[str, list[dict[str, Any]]]] = {job: {"empty": [], "full": []} for job in SWEEP_JOBS}
    for round_number in range(rounds + 1):
        for job in SWEEP_JOBS:
            pair = [("empty", empty), ("full", full)]
            order.shuffle(pair)
            for label, bench in pair:
                runs[job][label].append(_run(bench, calls, job, round_number))
    return {"closed_items": seeded, "seed_seconds": round(seed_time, 1), "rounds": rounds, **_summarise(runs)}


def _summarise(runs: dict[str, dict[str, list[dict[str, Any]]]]) -> dict[str, Any]:
    jobs: dict[str, Any] = {}
    for job, sides in runs.items():
        measured = {label: values[1:] for label, values in sides.items()}  # round 0 warms up and does first writes

        def med(label: str, key: str, side: dict[str, list[dict[str, Any]]] = measured) -> float:
            return median([run[key] - (run["ddb_ms"] if key == "opsdesk_ms" else 0) for run in side[label]])

        for side in measured.values():
            for run in side:
                run["opsdesk_ms"] = run["wall_ms"]
        jobs[job] = {
            "calls_equal": [run["calls"] for run in sides["empty"]] == [run["calls"] for run in sides["full"]],
            "items_read_equal": [run["items"] for run in sides["empty"]] == [run["items"] for run in sides["full"]],
            "calls_per_run": sides["empty"][-1]["calls"],
            "opsdesk_ms": {label: round(med(label, "opsdesk_ms"), 2) for label in measured},
            "wall_ms": {label: round(med(label, "wall_ms"), 2) for label in measured},
            "time_ratio": round(med("full", "opsdesk_ms") / med("empty", "opsdesk_ms"), 2),
            "wall_ratio_moto": round(med("full", "wall_ms") / med("empty", "wall_ms"), 2),
        }
    return {"jobs": jobs}
