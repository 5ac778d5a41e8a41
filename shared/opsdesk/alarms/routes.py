"""Which service and priority an alarm means, from the ALARM_ROUTES setting."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from opsdesk.domain.incidents import Priority, parse_priority

if TYPE_CHECKING:
    from collections.abc import Sequence

_URL = re.compile(r"https?://[^\s<>|\"')\]]+")


class AlarmRoute(BaseModel):
    """One rule: alarms whose name matches `pattern` belong to `service`."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    pattern: str = Field(min_length=1)
    service: str = ""
    priority: Priority | None = None
    user_facing: bool = False
    runbook: str = ""

    @field_validator("priority", mode="before")
    @classmethod
    def _priority(cls, value: object) -> Priority | None:
        # People write P1/P2 as often as high/normal.
        return parse_priority(str(value)) if value not in (None, "") else None


@dataclass(frozen=True)
class Routing:
    """What an alarm opens: an incident for `service` at `priority`, with a runbook if known."""

    service: str
    priority: Priority
    runbook_url: str | None


def parse_routes(text: str) -> tuple[AlarmRoute, ...]:
    """Read ALARM_ROUTES: a JSON list of routes, or an object of pattern -> route; invalid JSON fails loudly."""
    if not text.strip():
        return ()
    loaded: Any = json.loads(text)
    if isinstance(loaded, dict):
        loaded = [{"pattern": pattern, **(route or {})} for pattern, route in loaded.items()]
    if not isinstance(loaded, list):
        raise ValueError("ALARM_ROUTES must be a JSON list of routes or an object of pattern -> route")
    return tuple(AlarmRoute.model_validate(route) for route in loaded)


def first_url(text: str) -> str | None:
    match = _URL.search(text or "")
    return match.group(0).rstrip(".,;") if match else None


def route_alarm(name: str, description: str, routes: Sequence[AlarmRoute]) -> Routing:
    """The first matching route decides; user-facing services are high priority, the rest normal by default."""
    route = next((route for route in routes if fnmatchcase(name, route.pattern)), None)
    runbook = first_url(description)
    if route is None:
        return Routing(service=name, priority=Priority.NORMAL, runbook_url=runbook)
    priority = Priority.HIGH if route.user_facing else (route.priority or Priority.NORMAL)
    return Routing(service=route.service or name, priority=priority, runbook_url=runbook or route.runbook or None)
