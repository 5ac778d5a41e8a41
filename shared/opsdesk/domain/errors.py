"""Errors the core raises when a request breaks a rule of the process."""

from __future__ import annotations


class OpsdeskError(Exception):
    """A request that cannot be done; the message is safe to show to the person."""


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
