"""The layers hold: the domain is pure, and the flows talk to ports, never to Slack.

Every import is checked, including those under `if TYPE_CHECKING:` and inside functions:
a type-only import still couples a module to the thing it names.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "shared" / "opsdesk"
SLACK = ("slack_sdk", "slack_bolt", "opsdesk.slack")
FORBIDDEN = {
    "domain": (*SLACK, "boto3", "botocore", "jira", "requests", "opsdesk.store"),
    "flows": SLACK,
}


def imported_modules(path: Path, root: Path = PACKAGE.parent) -> list[tuple[int, str]]:
    """Every module a file imports, absolute, with its line (`root` holds the top-level package)."""
    package = ".".join(path.relative_to(root).with_suffix("").parts[:-1])
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against the file's own package
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            found.append((node.lineno, base))
            # `from opsdesk import slack` imports the subpackage too.
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return found


def is_within(module: str, root: str) -> bool:
    return module == root or module.startswith(f"{root}.")


def offences(layer: str) -> list[str]:
    return [
        f"{path.relative_to(PACKAGE.parent)}:{line} imports {module}"
        for path in sorted((PACKAGE / layer).glob("*.py"))
        for line, module in imported_modules(path)
        if any(is_within(module, root) for root in FORBIDDEN[layer])
    ]


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_the_layer_imports_nothing_it_must_not(layer: str) -> None:
    assert (PACKAGE / layer).is_dir()
    assert offences(layer) == []


def test_the_check_catches_what_it_looks_for(tmp_path: Path) -> None:
    # GIVEN a flow that imports Slack three ways (plain, type-only, and inside a function)
    flows = tmp_path / "opsdesk" / "flows"
    flows.mkdir(parents=True)
    source = (
        "from typing import TYPE_CHECKING\n"
        "import slack_sdk\n"
        "if TYPE_CHECKING:\n"
        "    from opsdesk.slack.views import support\n"
        "def f():\n"
        "    from ..slack import notifier\n"
        "import opsdesk.domain.requests\n"
    )
    (flows / "bad.py").write_text(source)
    # WHEN its imports are read
    modules = [module for _, module in imported_modules(flows / "bad.py", tmp_path)]
    # THEN each Slack import is seen, and the domain's own `requests` module is not the `requests` library
    assert "slack_sdk" in modules and "opsdesk.slack.views" in modules and "opsdesk.slack" in modules
    assert not any(is_within(module, "requests") for module in modules)
