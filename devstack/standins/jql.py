"""Enough JQL for the Jira stand-in: AND/OR/NOT, parentheses, = != ~ !~ IN, NOT IN, IS [NOT] EMPTY, ORDER BY."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

Issue = dict[str, Any]
Predicate = Callable[[Issue], bool]

_TOKEN = re.compile(r"""\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|(!=|!~|>=|<=|[=~<>(),])|([^\s()",=!~<>']+))""")
_EMPTY = ("empty", "null")
_CATEGORY_KEYS = {"new": "to do", "indeterminate": "in progress", "done": "done"}


class JqlError(ValueError):
    """A query the stand-in cannot run; answered as Jira's 400 with errorMessages."""


def _tokens(jql: str) -> list[tuple[str, str]]:
    """Split JQL into (kind, text) tokens: kind is "str" (quoted), "op" or "word"."""
    tokens, position = [], 0
    jql = jql.strip()
    while position < len(jql):
        match = _TOKEN.match(jql, position)
        if not match or match.end() == position:
            raise JqlError(f"Error in the JQL Query: unexpected character at position {position}.")
        quoted = match.group(1) if match.group(1) is not None else match.group(2)
        if quoted is not None:
            tokens.append(("str", quoted.replace('\\"', '"').replace("\\'", "'")))
        elif match.group(3):
            tokens.append(("op", match.group(3)))
        elif match.group(4):
            tokens.append(("word", match.group(4)))
        position = match.end()
    return tokens


def _person(value: dict[str, Any] | None) -> list[Any]:
    return [value[key] for key in ("accountId", "displayName", "emailAddress") if value.get(key)] if value else []


def field_values(issue: Issue, field: str) -> list[str]:
    """Return an issue's values for a JQL field, lower-cased ([] when empty)."""
    fields = issue["fields"]
    status = fields["status"]
    values: dict[str, list[Any]] = {
        "project": [fields["project"]["key"], fields["project"]["id"], fields["project"]["name"]],
        "key": [issue["key"], issue["id"]],
        "labels": list(fields.get("labels") or []),
        "status": [status["name"], status["id"]],
        "statuscategory": [status["statusCategory"]["name"], status["statusCategory"]["key"]],
        "assignee": _person(fields.get("assignee")),
        "reporter": _person(fields.get("reporter")),
        "issuetype": [fields["issuetype"]["name"], fields["issuetype"]["id"]],
        "priority": [fields["priority"]["name"]] if fields.get("priority") else [],
        "summary": [fields.get("summary") or ""],
        "description": [str(fields.get("description") or "")],
        "resolution": [fields["resolution"]["name"]] if fields.get("resolution") else [],
        "created": [fields["created"]],
        "updated": [fields["updated"]],
    }
    aliases = {"issuekey": "key", "id": "key", "type": "issuetype", "category": "statuscategory"}
    name = aliases.get(field.lower(), field.lower())
    if name == "text":
        comments = [comment["body"] for comment in fields["comment"]["comments"]]
        return [" ".join(str(part) for part in (fields.get("summary"), fields.get("description"), *comments)).lower()]
    if name not in values:
        raise JqlError(f"Field '{field}' does not exist or you do not have permission to view it.")
    return [str(value).lower() for value in values[name]]


class _Parser:
    def __init__(self, jql: str, current_user: str) -> None:
        self.tokens = _tokens(jql)
        self.position = 0
        self.current_user = current_user.lower()

    def peek(self, offset: int = 0) -> str:
        index = self.position + offset
        return self.tokens[index][1].lower() if index < len(self.tokens) else ""

    def take(self) -> tuple[str, str]:
        if self.position >= len(self.tokens):
            raise JqlError("Error in the JQL Query: the query ended unexpectedly.")
        self.position += 1
        return self.tokens[self.position - 1]

    def expect(self, text: str) -> None:
        if self.take()[1].lower() != text:
            raise JqlError(f"Error in the JQL Query: expecting '{text}'.")

    def parse(self) -> tuple[Predicate, list[tuple[str, bool]]]:
        predicate: Predicate = (lambda issue: True) if self.peek() in ("", "order") else self.any_of()
        order: list[tuple[str, bool]] = []
        if self.peek() == "order":
            self.take()
            self.expect("by")
            while self.position < len(self.tokens):
                field = self.take()[1]
                descending = self.peek() == "desc"
                if self.peek() in ("asc", "desc"):
                    self.take()
                order.append((field, descending))
                if self.peek() == ",":
                    self.take()
        if self.position != len(self.tokens):
            raise JqlError(f"Error in the JQL Query: unexpected '{self.tokens[self.position][1]}'.")
        return predicate, order

    def any_of(self) -> Predicate:
        parts = [self.all_of()]
        while self.peek() == "or":
            self.take()
            parts.append(self.all_of())
        return lambda issue: any(part(issue) for part in parts)

    def all_of(self) -> Predicate:
        parts = [self.negation()]
        while self.peek() == "and":
            self.take()
            parts.append(self.negation())
        return lambda issue: all(part(issue) for part in parts)

    def negation(self) -> Predicate:
        if self.peek() == "not":
            self.take()
            inner = self.negation()
            return lambda issue: not inner(issue)
        if self.peek() == "(":
            self.take()
            inner = self.any_of()
            self.expect(")")
            return inner
        return self.clause()

    def value(self) -> str:
        kind, text = self.take()
        if kind == "word" and self.peek() == "(":  # a function: currentUser(), now(), ...
            self.take()
            self.expect(")")
            return self.current_user if text.lower() == "currentuser" else text.lower()
        return text.lower()

    def clause(self) -> Predicate:
        field = self.take()[1]
        operator = self.take()[1].lower()
        if operator in ("not", "is") and self.peek() in ("in", "not"):
            operator = f"{operator} {self.take()[1].lower()}"
        if operator in ("is", "is not"):
            if self.take()[1].lower() not in _EMPTY:
                raise JqlError("Error in the JQL Query: IS takes only EMPTY or NULL.")
            empty = operator == "is"
            return lambda issue: (not self.values(issue, field)) == empty
        if operator in ("in", "not in"):
            self.expect("(")
            wanted = [self.value()]
            while self.peek() == ",":
                self.take()
                wanted.append(self.value())
            self.expect(")")
            negate = operator == "not in"
            return lambda issue: self.compare(issue, field, wanted, negate)
        wanted_one = self.value()
        if operator in ("~", "!~"):
            negate = operator == "!~"
            return lambda issue: any(wanted_one in value for value in self.values(issue, field)) != negate
        if operator in ("=", "!="):
            return lambda issue: self.compare(issue, field, [wanted_one], operator == "!=")
        raise JqlError(f"Error in the JQL Query: the operator '{operator}' is not supported by the stand-in.")

    def values(self, issue: Issue, field: str) -> list[str]:
        values = field_values(issue, field)
        if field.lower() == "statuscategory":
            values += [_CATEGORY_KEYS.get(value, value) for value in values]
        return values

    def compare(self, issue: Issue, field: str, wanted: list[str], negate: bool) -> bool:
        values = self.values(issue, field)
        if field.lower() == "resolution" and "unresolved" in wanted:
            return bool(values) == negate
        if any(item in _EMPTY for item in wanted):
            return bool(values) == negate
        found = any(value in wanted for value in values)
        # Jira: `!=` and NOT IN never match an empty field.
        return (bool(values) and not found) if negate else found


def search(issues: list[Issue], jql: str, current_user: str = "") -> list[Issue]:
    """Return the issues a JQL query selects, in its ORDER BY (by creation otherwise)."""
    predicate, order = _Parser(jql, current_user).parse()
    selected = [issue for issue in issues if predicate(issue)]
    for field, descending in reversed(order or [("created", False)]):
        selected.sort(key=_sort_key(field.lower()), reverse=descending)
    return selected


def _sort_key(field: str) -> Callable[[Issue], Any]:
    if field in ("key", "id", "issuekey"):
        return lambda issue: int(issue["id"])
    return lambda issue: str(issue["fields"].get(field) or "")
