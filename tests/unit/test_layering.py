"""The layers hold in fact: a pure domain, flows that talk to ports, listeners that call flows, no cycles.

Every import is checked, including those under `if TYPE_CHECKING:` and inside functions: a type-only
import still couples a module to the thing it names, and a function-level import only delays the
coupling (the service locator this replaced hid its import cycle behind both). So the import graph
below has an edge for every import statement, wherever it stands, and must have no cycle.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "shared" / "opsdesk"
SLACK_SDKS = ("slack_sdk", "slack_bolt")
SLACK = (*SLACK_SDKS, "opsdesk.slack")
# The composition root and its entry points: only functions/*/app.py and the tests reach for them.
WIRING = ("opsdesk.wiring", "opsdesk.entrypoints")
FORBIDDEN = {
    "domain": (*SLACK, *WIRING, "boto3", "botocore", "jira", "requests", "opsdesk.store", "opsdesk.flows"),
    "flows": (*SLACK, *WIRING),
    "slack/listeners": (*WIRING, "slack_sdk", "opsdesk.store"),
}
# Slack's markup: mentions, channels and specials (<@U1>, <#C1>, <!here>), links (<url|text>), :emoji:,
# *bold* and _italic_. In a string the core writes, any of these means the core decided how Slack shows it.
MARKUP = {
    "a mention, channel or special": re.compile(r"<[@#!]"),
    "a link": re.compile(r"<[^<>\s|]+\|[^<>]*>"),
    "an emoji": re.compile(r"(?<![\w:]):[a-z][a-z0-9_+-]*:(?![\w:])"),
    "bold": re.compile(r"(?<![\w*])\*[^\s*][^*\n]*?(?<=\S)\*(?![\w*])"),
    "italics": re.compile(r"(?<![\w_])_[^\s_][^_\n]*?(?<=\S)_(?![\w_])"),
}
HOLE = "\x00"  # where an f-string's value goes


def imported_modules(path: Path, root: Path = PACKAGE.parent) -> list[tuple[int, str]]:
    """Every module a file imports, absolute, with its line (`root` holds the top-level package)."""
    parts = path.relative_to(root).with_suffix("").parts
    package = ".".join(parts if path.name == "__init__.py" else parts[:-1])
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


def offences(folder: Path, forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{path.relative_to(PACKAGE.parent)}:{line} imports {module}"
        for path in sorted(folder.rglob("*.py"))
        for line, module in imported_modules(path)
        if any(is_within(module, root) for root in forbidden)
    ]


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_the_layer_imports_nothing_it_must_not(layer: str) -> None:
    assert (PACKAGE / layer).is_dir()
    assert offences(PACKAGE / layer, FORBIDDEN[layer]) == []


def test_only_the_slack_adapter_imports_slack_sdk_or_bolt() -> None:
    outside = [path for path in sorted(PACKAGE.rglob("*.py")) if not is_within(_module_of(path), "opsdesk.slack")]
    found = [
        f"{path.relative_to(PACKAGE.parent)}:{line} imports {module}"
        for path in outside
        for line, module in imported_modules(path)
        if any(is_within(module, root) for root in SLACK_SDKS)
    ]
    assert found == []


# ---- Slack markup is written in slack/ only: the domain and the flows hand over data
def written_strings(path: Path) -> list[tuple[int, str]]:
    """The strings a module writes: literals and f-strings (values as holes), not docstrings or regex patterns."""
    tree = ast.parse(path.read_text(), filename=str(path))
    skipped: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            skipped.add(id(body[0].value))  # a docstring says what the code does, in any notation
        if _is_re_call(node):
            skipped.add(id(node.args[0]))  # a pattern reads Slack's markup in what people wrote
    strings: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.JoinedStr):
            text = "".join(part.value if isinstance(part, ast.Constant) else HOLE for part in node.values)
            strings.append((node.lineno, str(text)))
            skipped.update(id(part) for part in node.values)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            strings.append((node.lineno, node.value))
    return strings


def _is_re_call(node: ast.AST) -> bool:
    """`re.compile(pattern)`, `re.sub(pattern, ...)` and the like."""
    return (
        isinstance(node, ast.Call)
        and bool(node.args)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "re"
    )


def markup_in(path: Path, root: Path = PACKAGE.parent) -> list[str]:
    return [
        f"{path.relative_to(root)}:{line} writes {kind}: {text!r}"
        for line, text in written_strings(path)
        for kind, pattern in MARKUP.items()
        if pattern.search(text)
    ]


@pytest.mark.parametrize("layer", ["domain", "flows"])
def test_the_core_writes_no_slack_markup(layer: str) -> None:
    assert [found for path in sorted((PACKAGE / layer).rglob("*.py")) for found in markup_in(path)] == []


# ---- no import cycle in shared/opsdesk
def _module_of(path: Path, root: Path = PACKAGE.parent) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if path.name == "__init__.py" else parts)


def import_graph(package: Path) -> dict[str, set[str]]:
    """Module -> the package's modules it imports (any import statement, wherever it stands)."""
    root = package.parent
    modules = {_module_of(path, root): path for path in package.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        graph[name] = {
            found
            for _, imported in imported_modules(path, root)
            if (found := _within(imported, modules)) not in ("", name)
        }
    return graph


def _within(imported: str, modules: dict[str, Path]) -> str:
    """The package's module an import names (`opsdesk.flows.day.WorkingDay` -> `opsdesk.flows.day`), or ""."""
    while imported and imported not in modules:
        imported = imported.rpartition(".")[0]
    return imported


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The graph's cycles, one path each (a depth-first search that reports every back edge it finds)."""
    found: list[list[str]] = []
    state: dict[str, str] = {}
    path: list[str] = []

    def visit(module: str) -> None:
        state[module] = "open"
        path.append(module)
        for target in sorted(graph[module]):
            if state.get(target) == "open":
                found.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target)
        path.pop()
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module)
    return found


def test_the_package_has_no_import_cycle() -> None:
    assert [" -> ".join(cycle) for cycle in cycles(import_graph(PACKAGE))] == []


# ---- each check catches what it looks for
def test_the_import_check_sees_every_kind_of_import(tmp_path: Path) -> None:
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


def test_the_markup_check_finds_markup_written_and_passes_markup_read(tmp_path: Path) -> None:
    # GIVEN a module that writes each kind of markup, and one that only documents and reads it
    writes = tmp_path / "opsdesk" / "flows" / "writes.py"
    reads = tmp_path / "opsdesk" / "flows" / "reads.py"
    writes.parent.mkdir(parents=True)
    writes.write_text(
        "def f(user, url, key, n):\n"
        "    a = f'<@{user}> is leading'\n"
        "    b = f':pager: Paged {user}.'\n"
        "    c = f'Priority is now *{n}*.'\n"
        "    d = f'Ticket <{url}|{key}>'\n"
        "    e = '_nobody yet_'\n"
        "    return a, b, c, d, e\n"
    )
    reads.write_text(
        '"""Reads `<@U1>` and :emoji: in what people wrote."""\n'
        "import re\n"
        "MENTION = re.compile(r'<@([UW][A-Z0-9]+)>')\n"
        "def key(kind, at, n):\n"
        "    return f'page:auto:{kind}', f'{at:%H:%M}', f'slack-action:{n}:{kind}', 2 * n\n"
    )
    # WHEN each is checked, THEN every kind is found where written, and nothing where it is only read
    found = markup_in(writes, tmp_path)
    kinds = {kind for kind in MARKUP if any(f"writes {kind}:" in line for line in found)}
    assert kinds == set(MARKUP)
    assert markup_in(reads, tmp_path) == []


def test_the_cycle_check_finds_a_cycle_hidden_behind_a_function_level_import(tmp_path: Path) -> None:
    # GIVEN a container that imports a flow, and the flow that fetches the container inside a function
    package = tmp_path / "opsdesk"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "container.py").write_text("from opsdesk.flow import Flow\n")
    (package / "flow.py").write_text("class Flow:\n    def run(self):\n        from opsdesk import container\n")
    (package / "domain.py").write_text("import re\n")
    # WHEN the graph is searched, THEN the cycle is reported
    assert cycles(import_graph(package)) == [["opsdesk.container", "opsdesk.flow", "opsdesk.container"]]
