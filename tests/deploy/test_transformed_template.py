"""What CloudFormation receives (packaged, SAM-expanded) has no circular dependency and passes cfn-lint and checkov."""

from __future__ import annotations

import json
import subprocess
from graphlib import CycleError, TopologicalSorter
from typing import TYPE_CHECKING, Any

import pytest

from tests.deploy.conftest import CFN_LINT, CHECKOV, EVERYTHING_ON, checkov, require_tools, tool_environment

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    Transformed = Callable[..., dict[str, Any]]

pytestmark = pytest.mark.integration

SETS = {"defaults": {}, "everything on": EVERYTHING_ON}


def _references(node: Any) -> Iterator[str]:
    """Logical ids a value depends on: Ref, Fn::GetAtt and the ${...} of Fn::Sub."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref" and isinstance(value, str):
                yield value
            elif key == "Fn::GetAtt":
                yield (value.split(".")[0] if isinstance(value, str) else value[0])
            elif key == "Fn::Sub":
                text = value if isinstance(value, str) else value[0]
                local = set(value[1]) if isinstance(value, list) and len(value) > 1 else set()
                for name in _sub_variables(text):
                    if name.split(".")[0] not in local:
                        yield name.split(".")[0]
                if isinstance(value, list) and len(value) > 1:
                    yield from _references(value[1])
            else:
                yield from _references(value)
    elif isinstance(node, list):
        for item in node:
            yield from _references(item)


def _sub_variables(text: str) -> list[str]:
    found, start = [], text.find("${")
    while start != -1:
        end = text.find("}", start)
        if not text.startswith("${!", start):
            found.append(text[start + 2 : end])
        start = text.find("${", end)
    return found


def dependency_cycle(template: dict[str, Any]) -> list[str]:
    """A cycle among the resources, as CloudFormation would refuse it ([] when there is none)."""
    resources = template["Resources"]
    graph: dict[str, set[str]] = {}
    for name, resource in resources.items():
        depends_on = resource.get("DependsOn", [])
        depends_on = [depends_on] if isinstance(depends_on, str) else depends_on
        graph[name] = {ref for ref in _references(resource) if ref in resources} | set(depends_on)
    try:
        tuple(TopologicalSorter(graph).static_order())
    except CycleError as error:
        return list(error.args[1])
    return []


@pytest.mark.parametrize("name", SETS)
def test_no_circular_dependency(transformed: Transformed, name: str) -> None:
    assert dependency_cycle(transformed(**SETS[name])) == []


def test_the_cycle_check_finds_the_api_url_in_the_environment(transformed: Transformed) -> None:
    # GIVEN the obvious way to give functions the API's URL: an environment variable (what the template avoids)
    template = transformed()
    api_url = {"Fn::Sub": "https://${OpsdeskApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}/prod"}
    template["Resources"]["SlackFunction"]["Properties"]["Environment"]["Variables"]["PUBLIC_BASE_URL"] = api_url
    # THEN it is a cycle: the API's definition refers to the function, the function to the API
    assert set(dependency_cycle(template)) >= {"OpsdeskApi", "SlackFunction"}


@pytest.mark.parametrize("name", SETS)
def test_cfn_lint_passes(transformed: Transformed, tmp_path: Path, name: str) -> None:
    require_tools(CFN_LINT)
    path = tmp_path / "transformed.json"
    path.write_text(json.dumps(transformed(**SETS[name])))
    done = subprocess.run(
        [str(CFN_LINT), "--format", "parseable", str(path)],
        env=tool_environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    # E3004 is cfn-lint's own circular-dependency rule; any error or warning fails.
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-1000:]


@pytest.mark.parametrize("name", SETS)
def test_checkov_passes_on_what_is_deployed(transformed: Transformed, tmp_path: Path, name: str) -> None:
    require_tools(CHECKOV)
    path = tmp_path / "transformed.json"
    path.write_text(json.dumps(transformed(**SETS[name])))
    env = tool_environment(tmp_path)
    env["BC_SKIP_MAPPING"] = "TRUE"  # no guideline download: tests stay on loopback
    run = checkov(str(path), env)
    assert run.failed == [], "\n".join(run.failed)
    assert run.passed > 100, run.stderr
