"""results.json's headline keys from the raw sections, and the readable table of targets."""

from __future__ import annotations

import math
from typing import Any

from bench.artifact import LIMIT_MB

# Taking the lead reads, writes the lead with the messages it owes, then clears them once posted: the third call is
# what makes a Slack failure after the write leave them owed for the replay instead of lost (flows/followups.py).
TOTAL_TARGETS = {"declare": 3, "alarm": 3, "take_lead": 3}


def _get(data: dict[str, Any], *path: str) -> Any:
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def headline(raw: dict[str, Any]) -> dict[str, Any]:
    """The keys issue #8 names, flattened from the sections (None where a section could not run)."""
    slack_init = _get(raw, "cold_init", "functions", "SlackFunction") or {}
    warm = raw.get("warm") or {}
    operations = raw.get("operations") or {}
    sweeps = _get(raw, "sweeps", "jobs") or {}
    storm = raw.get("storm") or {}
    artifact = raw.get("artifact") or {}
    before_ack = list((warm.get("ddb_calls_before_ack") or {}).values())
    return {
        "cold_init_ms": {name: value["ms"] for name, value in (_get(raw, "cold_init", "functions") or {}).items()},
        "cold_init_ratio_lean": slack_init.get("ratio_lean"),
        "cold_init_ratio_naive": slack_init.get("ratio_naive"),
        "cold_ack_ratio_lean": _get(raw, "cold_ack", "ratio_lean"),
        "ack_forbidden_modules": _get(raw, "purity", "forbidden_loaded"),
        "warm_p50_ms": warm.get("p50_ms"),
        "warm_p99_ms": warm.get("p99_ms"),
        "overhead_p99_ms": _get(raw, "overhead", "p99_ms"),
        "ddb_calls_before_ack": max(before_ack) if before_ack else None,
        "ddb_calls": {name: value.get("dynamodb", value.get("error")) for name, value in operations.items()},
        "scans": (raw.get("scans_runtime") or 0) + len(raw.get("scans_static") or []),
        "sweep_time_ratio": max((job["time_ratio"] for job in sweeps.values()), default=None),
        "sweep_wall_ratio_moto": max((job["wall_ratio_moto"] for job in sweeps.values()), default=None),
        "sweep_calls_equal": all(job["calls_equal"] for job in sweeps.values()) if sweeps else None,
        "sweep_items_read_equal": all(job["items_read_equal"] for job in sweeps.values()) if sweeps else None,
        "sweep_closed_items": _get(raw, "sweeps", "closed_items"),
        "storm_alert_groups": storm.get("alert_groups"),
        "storm_alert_messages": storm.get("alert_messages"),
        "storm_incidents": storm.get("incidents"),
        "storm_announcements": storm.get("announcements"),
        "storm_wall_s": storm.get("wall_s"),
        "artifact_unzipped_mb": {
            name: value["unzipped_mb"] for name, value in (artifact.get("functions") or {}).items()
        },
        "artifact_zipped_mb": {name: value["zipped_mb"] for name, value in (artifact.get("functions") or {}).items()},
        "artifact_limit_mb": {name: value["limit_mb"] for name, value in (artifact.get("functions") or {}).items()},
        "hash_pyc": artifact.get("hash_pyc"),
        "dev_deps_in_artifacts": artifact.get("dev_deps_in_artifacts"),
    }


def _check(value: Any, test: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "N/A"
    try:
        return "PASS" if test(value) else "FAIL"
    except (TypeError, ValueError):
        return "N/A"


def targets(head: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(what, measured, target, verdict) rows."""
    ddb = head["ddb_calls"] or {}
    unzipped = head["artifact_unzipped_mb"] or {}
    p99 = head["warm_p99_ms"] or {}
    rows = [
        ("Slack cold init / lean", head["cold_init_ratio_lean"], "<= 1.6x", lambda v: v <= 1.6),
        ("Slack cold init / naive", head["cold_init_ratio_naive"], "<= 0.6x", lambda v: v <= 0.6),
        ("Cold ack / lean cold ack", head["cold_ack_ratio_lean"], "<= 2.2x", lambda v: v <= 2.2),
        ("Ack path: forbidden modules", head["ack_forbidden_modules"], "none", lambda v: not v),
        *((f"Warm p99 {kind} (ms)", value, "<= 15", lambda v: v <= 15) for kind, value in (p99 or {"": None}).items()),
        ("Framework overhead p99 (ms)", head["overhead_p99_ms"], "<= 0.5", lambda v: v <= 0.5),
        ("DynamoDB calls before the ack", head["ddb_calls_before_ack"], "<= 2", lambda v: v <= 2),
        *(
            (f"DynamoDB calls: {op}", ddb.get(op), f"<= {limit}", lambda v, n=limit: v <= n)
            for op, limit in TOTAL_TARGETS.items()
        ),
        ("Scans (code + runtime)", head["scans"], "0", lambda v: v == 0),
        ("Sweep work, full / empty (opsdesk)", head["sweep_time_ratio"], "<= 1.2x", lambda v: v <= 1.2),
        ("Sweep calls equal", head["sweep_calls_equal"], "True", lambda v: v is True),
        ("Sweep items read equal", head["sweep_items_read_equal"], "True", lambda v: v is True),
        ("Storm alert groups", head["storm_alert_groups"], "1", lambda v: v == 1),
        ("Storm alert messages (team channel)", head["storm_alert_messages"], "1", lambda v: v == 1),
        ("Storm incidents", head["storm_incidents"], "0", lambda v: v == 0),
        ("Storm announcements (ops channel)", head["storm_announcements"], "0", lambda v: v == 0),
        *(
            (f"Unzipped {name} + layers (MB)", value, f"<= {limit}", lambda v, n=limit: v <= n)
            for name, value in unzipped.items()
            for limit in [(head.get("artifact_limit_mb") or {}).get(name, LIMIT_MB)]
        ),
        ("Hash-based .pyc for the runtime", head["hash_pyc"], "True", lambda v: v is True),
        ("Dev deps in artifacts", head["dev_deps_in_artifacts"], "none", lambda v: not v),
    ]
    return [(what, str(value), target, _check(value, test)) for what, value, target, test in rows]


def table(head: dict[str, Any], raw: dict[str, Any]) -> str:
    rows = targets(head)
    width = max(len(row[0]) for row in rows)
    lines = [f"{'measure'.ljust(width)}  {'value':>24}  {'target':>8}  verdict", "-" * (width + 46)]
    lines += [f"{what.ljust(width)}  {value[:24]:>24}  {target:>8}  {verdict}" for what, value, target, verdict in rows]
    lines.append("")
    references = f"lean {_get(raw, 'cold_init', 'lean_ms')}  naive {_get(raw, 'cold_init', 'naive_ms')}"
    lines.append(f"cold init ms: {head['cold_init_ms']}  {references}")
    lines.append(f"cold ack ms: slack {_get(raw, 'cold_ack', 'slack_ms')}  lean {_get(raw, 'cold_ack', 'lean_ms')}")
    lines.append(f"warm p50 ms: {head['warm_p50_ms']}")
    lines.append(f"heaviest imports beyond lean (ms): {_get(raw, 'purity', 'heaviest_beyond_lean_ms')}")
    lines.append(f"ack path also loads: {_get(raw, 'purity', 'watched_loaded')}")
    for name, value in (raw.get("operations") or {}).items():
        lines.append(f"calls {name}: {value}")
    lines.append(
        f"sweeps with {head['sweep_closed_items']} closed items; wall ratio against moto "
        f"{head['sweep_wall_ratio_moto']} (moto's Query reads every item; DynamoDB reads only the key's)"
    )
    lines.append(f"artifact zipped MB: {head['artifact_zipped_mb']}")
    for name, value in raw.items():
        if isinstance(value, dict) and "error" in value:
            lines.append(f"section {name} could not run: {value['error']}")
    for note in raw.get("notes") or []:
        lines.append(f"note: {note}")
    failed = [row[0] for row in rows if row[3] == "FAIL"]
    lines.append(f"{len(rows) - len(failed)} of {len(rows)} checks not failing; FAIL: {', '.join(failed) or 'none'}")
    return "\n".join(lines)
