"""Flat sweeps: the same open work with 0 and with N closed items in the table; time and calls compared."""

from __future__ import annotations

import random
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config

from bench.calls import tick
from bench.env import median
from bench.stack import MONDAY, stack
from devstack.settings import FAKE_AWS_CREDENTIALS, REGION
from opsdesk import entrypoints
from opsdesk.store import dynamodb as store_dynamodb

if TYPE_CHECKING:
    from collections.abc import Iterator

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
    for number, text in enumerate(("high: Database down", "high: Payments failing", "Slow search")):
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
    items = dynamodb.scan(TableName=table, Limit=500)["Items"]  # the bench's own look at its own small table
    found = []
    for prefix, closed in (("INCIDENTS#open", "INCIDENTS#closed#2025-06"), ("REQUESTS#", "REQUESTS#done#2025-06")):
        match = next((item for item in items if item.get("gsi1pk", {}).get("S", "").startswith(prefix)), None)
        if match is not None:
            # Closed history leaves every open-work index (gsi2 holds pending tickets, for one).
            kept = {key: value for key, value in match.items() if not key.startswith("gsi2")}
            found.append({**kept, "gsi1pk": {"S": closed}})
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
    entrypoints.wiring()
    calls.reset()
    work = [0]

    def count(frame: Any, event: str, arg: Any) -> None:
        if event in ("call", "c_call"):
            work[0] += 1

    # The work is counted (Python calls in the handler's thread): deterministic, unlike CPU time,
    # which rises after every multi-second wait on moto as caches go cold (the same code, measured
    # after a 0.8 s sleep, takes about 1.5x the CPU time).
    started, cpu_started = time.perf_counter(), time.thread_time()
    sys.setprofile(count)
    try:
        bench.invoke("SchedulesFunction", tick(job, _job_time(job, round_number)))
    finally:
        sys.setprofile(None)
    return {
        "wall_ms": (time.perf_counter() - started) * 1000,
        "cpu_ms": (time.thread_time() - cpu_started) * 1000,
        "work": work[0],
        "ddb_ms": calls.seconds * 1000,
        "calls": calls.snapshot(),
        "items": calls.items_read,
    }


@contextmanager
def patient_dynamodb() -> Iterator[None]:
    """Give opsdesk's DynamoDB client a long read timeout and no retries while sweeps run.

    moto copies the whole table inside every TransactWriteItems, so with thousands of closed
    items a write can outlast opsdesk's 5 s timeout and be retried, which changes the call count
    for reasons that are moto's, not opsdesk's. Without retries, a timeout fails loudly instead.
    """
    default = store_dynamodb._CONFIG
    store_dynamodb._CONFIG = default.merge(Config(read_timeout=120, retries={"mode": "standard", "max_attempts": 1}))
    store_dynamodb.client.cache_clear()
    try:
        yield
    finally:
        store_dynamodb._CONFIG = default
        store_dynamodb.client.cache_clear()


def flat_sweeps(world: World, calls: DynamoDBCalls, closed: int, rounds: int, seed_seconds: float) -> dict[str, Any]:
    with patient_dynamodb():
        return _flat_sweeps(world, calls, closed, rounds, seed_seconds)


def _flat_sweeps(world: World, calls: DynamoDBCalls, closed: int, rounds: int, seed_seconds: float) -> dict[str, Any]:
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
    """Per job: medians after the warm-up round; opsdesk's own cost is the work its handler's thread does.

    Wall time minus time in DynamoDB calls was tried first, but moto runs beside us on the same
    two cores and stays busy for seconds after each call against a big table: that noise is moto's.

    moto's Query walks and sorts every item in the table (moto/dynamodb/models/table.py, Table.query),
    while DynamoDB reads only the items under the queried key; so the wall time against moto grows with
    history whatever the code does. Equal calls and equal items read are what make DynamoDB's own time equal.
    """
    jobs: dict[str, Any] = {}
    for job, sides in runs.items():
        measured = {label: values[1:] for label, values in sides.items()}
        opsdesk = {label: median([run["work"] for run in values]) for label, values in measured.items()}
        cpu = {label: median([run["cpu_ms"] for run in values]) for label, values in measured.items()}
        wall = {label: median([run["wall_ms"] for run in values]) for label, values in measured.items()}
        jobs[job] = {
            "calls_equal": [run["calls"] for run in sides["empty"]] == [run["calls"] for run in sides["full"]],
            "items_read_equal": [run["items"] for run in sides["empty"]] == [run["items"] for run in sides["full"]],
            "calls_per_run": sides["empty"][-1]["calls"],
            "opsdesk_work_calls": {label: round(value) for label, value in opsdesk.items()},
            "opsdesk_cpu_ms": {label: round(value, 2) for label, value in cpu.items()},
            "wall_ms": {label: round(value, 2) for label, value in wall.items()},
            "time_ratio": round(opsdesk["full"] / opsdesk["empty"], 2),
            "wall_ratio_moto": round(wall["full"] / wall["empty"], 2),
        }
    return {"jobs": jobs}
