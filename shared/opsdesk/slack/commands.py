"""Parsing slash-command text: subcommands, incident ids, user mentions and a declared priority."""

from __future__ import annotations

import re
from dataclasses import dataclass

from opsdesk.domain.ids import LONGEST, SHORTEST, normalise_incident_id
from opsdesk.domain.incidents import Priority

_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_ID_TOKEN = re.compile(rf"^#?(?:inc-)?[0-9a-z]{{{SHORTEST},{LONGEST}}}$", re.IGNORECASE)
# `service: <name>` ends a resolve's text: everything after it is the service's name.
_SERVICE = re.compile(r"(?:^|\s)service:\s*(?P<service>.*)$", re.IGNORECASE | re.DOTALL)
# The words that say a priority before a declared title, and what each means.
_PRIORITY_WORDS = {"high": "high", "p1": "high", "normal": "normal", "p2": "normal"}
_MARKED_PRIORITY = re.compile(
    r"\s*(?:\[(?P<bracketed>high|p1|normal|p2)\]|(?P<colon>high|p1|normal|p2):)(?P<title>.*)", re.IGNORECASE | re.DOTALL
)


@dataclass(frozen=True)
class ParsedCommand:
    """`/incident lead INC-7K3QF <@U123>` as subcommand, incident id, mentions and rest."""

    subcommand: str
    incident_id: str | None
    mentions: tuple[str, ...]
    rest: str


def parse(text: str) -> ParsedCommand:
    words = text.strip().split()
    if not words:
        return ParsedCommand("help", None, (), "")
    subcommand, tail = words[0].lower(), words[1:]
    incident_id = None
    if tail and tail[0].upper().startswith(("INC-", "#INC-")) and _ID_TOKEN.match(tail[0]):
        incident_id = normalise_incident_id(tail[0])
        tail = tail[1:]
    rest = " ".join(tail)
    mentions = tuple(_MENTION.findall(rest))
    return ParsedCommand(subcommand, incident_id, mentions, _MENTION.sub("", rest).strip())


def split_service(text: str) -> tuple[str, str]:
    """`Restarted the primary service: payments` as the summary and the service named after `service:`."""
    found = _SERVICE.search(text)
    if not found:
        return text.strip(), ""
    return text[: found.start()].strip(), found["service"].strip()


def declared_priority(text: str) -> tuple[str, Priority | None]:
    """The priority said before a declared title, and the title: "high: Database down", "[high] …", "high …".

    Only the start says a priority, and only in these forms: a title that merely ends or begins with the
    word ("Disk usage high", "High CPU on web-1") is a title. A bare leading word counts only as typed in
    lower case (`high Database down`), so a capitalised title keeps its first word.
    """
    marked = _MARKED_PRIORITY.match(text)
    if marked:
        return marked["title"].strip(), Priority(_PRIORITY_WORDS[(marked["bracketed"] or marked["colon"]).lower()])
    first, _, title = text.strip().partition(" ")
    if first in _PRIORITY_WORDS:
        return title.strip(), Priority(_PRIORITY_WORDS[first])
    return text, None
