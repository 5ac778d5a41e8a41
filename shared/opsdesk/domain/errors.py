"""Errors the core raises when a request breaks a rule of the process."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


class OpsdeskError(Exception):
    """A request that cannot be done; the message is safe to show to the person.

    A message that names people holds a placeholder for each (`{lead} is already leading INC-7K3QF.`)
    and `people` maps it to their Slack user id: how a person is shown is the reader's choice (a mention
    in Slack, the bare id in a log), never the core's.
    """

    def __init__(self, message: str = "", *, people: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.people = dict(people or {})

    def worded(self, person: Callable[[str], str], words: Callable[[str], str] = str) -> str:
        """The message with each person it names shown as `person` shows them, and the rest of it as `words` does."""
        shown, start = [], 0
        for found in _PLACEHOLDER.finditer(self.message):
            if found[1] in self.people:
                shown += [words(self.message[start : found.start()]), person(self.people[found[1]])]
                start = found.end()
        return "".join([*shown, words(self.message[start:])])

    def __str__(self) -> str:
        return self.worded(str)


class NotFound(OpsdeskError):
    """The incident, request or postmortem does not exist."""


class NotAllowed(OpsdeskError):
    """The person is not allowed to do this (e.g. not on the support team)."""


class Conflict(OpsdeskError):
    """Someone else changed it first; the message says what happened."""


class InvalidRequest(OpsdeskError):
    """The request is malformed; the message says how to fix it."""


class NotifierUnavailable(OpsdeskError):
    """Slack (or whatever tells people) could not do it; the message says why, for the log or the person."""
