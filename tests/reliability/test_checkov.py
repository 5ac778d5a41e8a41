"""checkov's CloudFormation checks run on template.yaml and pass (skips are justified in the template)."""

from __future__ import annotations

import pytest

from tests.deploy.conftest import CHECKOV, ROOT, checkov

pytestmark = pytest.mark.reliability("infrastructure")


def test_checkov_cloudformation_checks_pass() -> None:
    if not CHECKOV.exists():
        pytest.skip(f"checkov is not installed at {CHECKOV.relative_to(ROOT)}: run `make tools` (make test does)")
    run = checkov("template.yaml")
    assert run.failed == [], "\n".join(run.failed)
    assert run.passed > 0 or run.returncode == 0, run.stderr
