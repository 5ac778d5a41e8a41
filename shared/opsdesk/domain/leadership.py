"""Who among incidents the leadership contacts hear about: high priority by default, the weekly report has the rest."""

from __future__ import annotations

from typing import Literal

from opsdesk.domain.incidents import Incident, Priority

LeadershipNotify = Literal["high", "all"]


def leadership_hears(incident: Incident, notify: LeadershipNotify) -> bool:
    """Whether leadership is told of this incident's declaration, major updates and resolution."""
    return notify == "all" or incident.priority is Priority.HIGH
