"""The JQL the Jira stand-in answers: exactly the queries opsdesk's Jira adapter sends, nothing more.

opsdesk sends two shapes (`opsdesk.integrations.jira`):

    project = "OPS" AND labels = "opsdesk-req-7k3qf" ORDER BY created ASC
    project = "OPS" AND assignee is EMPTY AND statusCategory != Done ORDER BY created ASC

Anything else is answered as Jira answers JQL it cannot run: HTTP 400 with `errorMessages`.
A general JQL engine here would let a new query pass against the stand-in while nobody has
checked what real Jira does with it; adding a shape is a deliberate change, with its test.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

Issue = dict[str, Any]
Predicate = Callable[[Issue], bool]

_TOKEN = re.compile(r"""\s*(?:"((?:[^"\\]|\\.)*)"|(!=|=)|([^\s"=!]+))""")
# The clauses opsdesk writes, as (field, operator, value or None for "any quoted or bare value").
_CLAUSES: dict[str, tuple[str, str, str | None]] = {
    "project": ("project", "=", None),
    "labels": ("labels", "=", None),
    "assignee": ("assignee", "is", "empty"),
    "statuscategory": ("statuscategory", "!=", "done"),
}
SHAPES = (("project", "labels"), ("project", "assignee", "statuscategory"))
_ORDERS: tuple[list[str], ...] = (
    [],
    ["order", "by", "created"],
    ["order", "by", "created", "asc"],
    ["order", "by", "created", "desc"],
)


class JqlError(ValueError):
    """A query the stand-in does not run; answered as Jira's 400 with errorMessages."""


def _tokens(jql: str) -> list[tuple[str, str]]:
    """Split JQL into (kind, text) tokens: "str" (double-quoted), "op" (= or !=) or "word"."""
    tokens, position, text = [], 0, jql.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise JqlError(f"Error in the JQL Query: The character '{text[position]}' is a reserved JQL character.")
        if match.group(1) is not None:
            tokens.append(("str", match.group(1).replace('\\"', '"')))
        elif match.group(2):
            tokens.append(("op", match.group(2)))
        else:
            tokens.append(("word", match.group(3)))
        position = match.end()
    return tokens


def _unsupported(jql: str) -> JqlError:
    shapes = " | ".join(" AND ".join(shape) for shape in SHAPES)
    return JqlError(
        f"Error in the JQL Query: the opsdesk Jira stand-in runs only the queries opsdesk sends ({shapes}, "
        f"optionally ORDER BY created ASC|DESC); not: {jql[:200]}"
    )


def _clauses(tokens: list[tuple[str, str]], jql: str) -> tuple[dict[str, str], bool]:
    """Read `clause AND clause ... [ORDER BY created ASC|DESC]`; return ({field: value}, descending)."""
    found: dict[str, str] = {}
    position = 0
    while position < len(tokens):
        field = tokens[position][1].lower()
        if field == "order":
            break
        if field not in _CLAUSES:
            raise JqlError(f"Field '{tokens[position][1]}' does not exist or you do not have permission to view it.")
        _, operator, fixed = _CLAUSES[field]
        if position + 2 >= len(tokens) or tokens[position + 1][1].lower() != operator:
            raise _unsupported(jql)
        value = tokens[position + 2]
        if fixed is not None and (value[0] != "word" or value[1].lower() != fixed):
            raise _unsupported(jql)
        found[field] = value[1]
        position += 3
        if position < len(tokens) and tokens[position][1].lower() == "and":
            position += 1
            if position == len(tokens):
                raise JqlError("Error in the JQL Query: Expecting a field name but reached the end of the query.")
        elif position < len(tokens) and tokens[position][1].lower() != "order":
            raise _unsupported(jql)
    order = [text.lower() for _, text in tokens[position:]]
    if order not in _ORDERS:
        raise _unsupported(jql)
    return found, order[-1:] == ["desc"]


def _matches(issue: Issue, clauses: dict[str, str]) -> bool:
    fields = issue["fields"]
    project = fields["project"]
    checks: dict[str, Callable[[str], bool]] = {
        # JQL's `project` takes a key, an id or a name; values compare case-insensitively.
        "project": lambda wanted: wanted.lower() in {str(project[k]).lower() for k in ("key", "id", "name")},
        "labels": lambda wanted: wanted.lower() in {str(label).lower() for label in fields.get("labels") or []},
        "assignee": lambda _: not fields.get("assignee"),
        "statuscategory": lambda _: fields["status"]["statusCategory"]["key"] != "done",
    }
    return all(checks[field](value) for field, value in clauses.items())


def search(issues: list[Issue], jql: str) -> list[Issue]:
    """Return the issues one of opsdesk's queries selects, by creation (oldest first unless DESC)."""
    clauses, descending = _clauses(_tokens(jql), jql)
    if tuple(clauses) not in SHAPES:
        if "project" not in clauses:
            # Jira Cloud's enhanced search refuses unbounded queries.
            raise JqlError("Unbounded JQL queries are not allowed here. Please add a search restriction to your query.")
        raise _unsupported(jql)
    selected = [issue for issue in issues if _matches(issue, clauses)]
    return sorted(selected, key=lambda issue: int(issue["id"]), reverse=descending)
