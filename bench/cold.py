"""Cold starts in fresh interpreters, interleaved with the lean and naive references; ack-path purity."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

from bench.env import ROOT, child_environment, median

PROBE = Path(__file__).resolve().parent / "probe.py"
# Not needed to answer Slack: their presence after one ack means a heavy import leaked onto the ack path.
FORBIDDEN_ON_ACK = (
    "jira",
    "aws_xray_sdk",
    "requests",
    "requests_oauthlib",
    "oauthlib",
    "requests_toolbelt",
    "defusedxml",
    "opsdesk.integrations.jira",
    "opsdesk.integrations.pagerduty",
    "opsdesk.integrations.confluence",
    # Powertools' REST resolver, parser and idempotency: the pages, webhooks, alarms and schedules use them.
    "aws_lambda_powertools.event_handler",
    "aws_lambda_powertools.utilities.parser",
    "aws_lambda_powertools.utilities.idempotency",
)
# Loaded on the ack path today but not needed to answer: reported, not failed.
WATCHED_ON_ACK = ("holidays", "pydantic", "aws_lambda_powertools.tracing", "aws_lambda_powertools.metrics")


def run_probe(kind: str, arg: str, env: dict[str, str], stdin: str = "", *, importtime: bool = False) -> dict[str, Any]:
    command = [sys.executable, *(["-X", "importtime"] if importtime else []), str(PROBE), kind, arg]
    done = subprocess.run(
        command,
        input=stdin,
        capture_output=True,
        text=True,
        env=child_environment(env),
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("BENCH-RESULT ")]
    if done.returncode or not lines:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise RuntimeError(f"probe {kind} {arg} failed: {' | '.join(tail)}")
    result: dict[str, Any] = json.loads(lines[-1].removeprefix("BENCH-RESULT "))
    if importtime:
        result["importtime"] = done.stderr
    return result


def interleaved(
    cases: dict[str, tuple[str, str, dict[str, str], Any]], runs: int, seed: int = 8
) -> dict[str, list[float]]:
    """Run every case once per round, in a shuffled order, so drift in machine load hits all alike."""
    shuffle = random.Random(seed)
    samples: dict[str, list[float]] = defaultdict(list)
    names = list(cases)
    for round_number in range(runs + 1):
        shuffle.shuffle(names)
        for name in names:
            kind, arg, env, stdin = cases[name]
            result = run_probe(kind, arg, env, stdin() if callable(stdin) else stdin)
            if result["status"] != 200:
                raise RuntimeError(f"{name}: answered {result['status']}, not 200")
            if round_number:  # round 0 warms the OS file cache and writes shared/'s .pyc
                samples[name].append(result["ms"])
    return dict(samples)


def cold_init(
    function_envs: dict[str, tuple[str, dict[str, str]]], slack_env: dict[str, str], runs: int
) -> dict[str, Any]:
    cases: dict[str, tuple[str, str, dict[str, str], Any]] = {
        name: ("init", code_dir, env, "") for name, (code_dir, env) in function_envs.items()
    }
    cases["lean"] = ("lean-init", "", slack_env, "")
    cases["naive"] = ("naive-init", "", slack_env, "")
    samples = interleaved(cases, runs)
    lean, naive = median(samples["lean"]), median(samples["naive"])
    per_function = {
        name: {
            "ms": round(median(samples[name]), 1),
            "ratio_lean": round(median(samples[name]) / lean, 2),
            "ratio_naive": round(median(samples[name]) / naive, 2),
        }
        for name in function_envs
    }
    return {"lean_ms": round(lean, 1), "naive_ms": round(naive, 1), "functions": per_function, "runs": runs}


def cold_ack(slack_dir: str, env: dict[str, str], lean_env: dict[str, str], event: Any, runs: int) -> dict[str, Any]:
    """New interpreter, import, one signed slash command through the real handler, 200; and the lean reference."""
    cases = {
        "slack": ("ack", slack_dir, env, lambda: json.dumps(event())),
        "lean": ("lean-ack", "", lean_env, lambda: json.dumps(event())),
    }
    samples = interleaved(cases, runs, seed=22)
    slack, lean = median(samples["slack"]), median(samples["lean"])
    return {"slack_ms": round(slack, 1), "lean_ms": round(lean, 1), "ratio_lean": round(slack / lean, 2), "runs": runs}


def import_costs(stderr: str) -> dict[str, float]:
    """Self time (ms) of `-X importtime` summed per top-level package."""
    costs: dict[str, float] = defaultdict(float)
    for line in stderr.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if not line.startswith("import time:") or len(parts) != 3 or not parts[0].strip().isdigit():
            continue
        costs[parts[2].strip().split(".")[0]] += int(parts[0]) / 1000
    return dict(costs)


def ack_purity(slack_dir: str, env: dict[str, str], lean_env: dict[str, str], event: dict[str, Any]) -> dict[str, Any]:
    """Which modules one ack loads, and which packages cost the most beyond the lean reference."""
    answered = run_probe("modules", slack_dir, env, json.dumps(event), importtime=True)
    lean = run_probe("lean-init", "", lean_env, importtime=True)
    modules = set(answered["modules"])
    costs, lean_costs = import_costs(answered["importtime"]), import_costs(lean["importtime"])
    beyond_lean = {name: round(ms, 1) for name, ms in costs.items() if name not in lean_costs and ms >= 2}
    heaviest = dict(sorted(beyond_lean.items(), key=lambda item: -item[1])[:12])
    return {
        "status": answered["status"],
        "forbidden_loaded": [name for name in FORBIDDEN_ON_ACK if name in modules],
        "watched_loaded": [name for name in WATCHED_ON_ACK if name in modules],
        "module_count": len(modules),
        "heaviest_beyond_lean_ms": heaviest,
    }
