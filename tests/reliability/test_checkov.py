"""checkov's CloudFormation checks run on template.yaml and pass (skips are justified in the template)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.reliability("infrastructure")

ROOT = Path(__file__).resolve().parents[2]
CHECKOV = ROOT / ".tools" / "checkov" / "bin" / "checkov"


def checkov(template: str, env: dict[str, str] | None = None) -> tuple[list[str], int, str]:
    """Run checkov's CloudFormation checks on a template: (failed checks, passed count, stderr tail)."""
    command = [str(CHECKOV), "-f", template, "--framework", "cloudformation", "--compact", "--quiet", "-o", "json"]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    report = json.loads(result.stdout or "{}")
    reports = report if isinstance(report, list) else [report]
    failed = [
        f"{check['check_id']} {check.get('resource', '')}: {check.get('check_name', '')}"
        for item in reports
        for check in item.get("results", {}).get("failed_checks", [])
    ]
    passed = sum(item.get("summary", {}).get("passed", 0) for item in reports)
    return failed, passed if passed or result.returncode else -1, result.stderr[-2000:]


def test_checkov_cloudformation_checks_pass() -> None:
    if not CHECKOV.exists():
        pytest.skip(f"checkov is not installed at {CHECKOV.relative_to(ROOT)}: run `make tools` (make test does)")
    failed, passed, stderr = checkov("template.yaml")
    assert failed == [], "\n".join(failed)
    assert passed != 0, stderr
