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

    def worded(self, person: Callable[[str], str]) -> str:
        """The message with each person it names shown as `person` shows them."""
        if not self.people:
            return self.message
        people = self.people
        return _PLACEHOLDER.sub(
            lambda found: person(people[found[1]]) if found[1] in people else found[0], self.message
        )

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
