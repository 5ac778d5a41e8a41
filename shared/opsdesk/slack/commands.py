"""Parsing slash-command text: subcommands, incident ids and user mentions."""

from __future__ import annotations

import re
from dataclasses import dataclass

from opsdesk.domain.ids import LONGEST, SHORTEST, normalise_incident_id

_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_ID_TOKEN = re.compile(rf"^#?(?:inc-)?[0-9a-z]{{{SHORTEST},{LONGEST}}}$", re.IGNORECASE)


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


def split_priority(text: str) -> tuple[str, bool]:
    """Take a leading or trailing `high` off a declared title: "high Database down"."""
    words = text.split()
    lowered = [word.lower().strip("()[]:,") for word in words]
    for index in (0, len(words) - 1):
        if words and lowered[index] in {"high", "p1"}:
            return " ".join(words[:index] + words[index + 1 :]), True
    return text, False
