"""Which service and priority an alarm means, how its alerts group and whether it declares itself: ALARM_ROUTES."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from opsdesk.domain.incidents import Priority, parse_priority

if TYPE_CHECKING:
    from collections.abc import Sequence

_URL = re.compile(r"https?://[^\s<>|\"')\]]+")


class AlarmRoute(BaseModel):
    """One rule: alarms whose name matches `pattern` belong to `service`.

    `group` names the conversation its alerts join (routes sharing a key share groups; routes without one share
    the default group), so unrelated services do not merge. `declare: auto` is for alarms the team agreed are
    always incidents: their alert declares one by itself. Anything else waits for a person.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    pattern: str = Field(min_length=1)
    service: str = ""
    priority: Priority | None = None
    user_facing: bool = False
    runbook: str = ""
    group: str = Field(default="", max_length=200)
    declare: Literal["auto", "manual"] = "manual"

    @field_validator("priority", mode="before")
    @classmethod
    def _priority(cls, value: object) -> Priority | None:
        # People write P1/P2 as often as high/normal.
        return parse_priority(str(value)) if value not in (None, "") else None


@dataclass(frozen=True)
class Routing:
    """What an alarm's alert suggests (an incident for `service` at `priority`), where it groups, and who declares."""

    service: str
    priority: Priority
    runbook_url: str | None
    group_key: str = ""
    auto_declare: bool = False
    routed: bool = False  # a route matched: only routed alarms are ever high priority


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
    return Routing(
        service=route.service or name,
        priority=priority,
        runbook_url=runbook or route.runbook or None,
        group_key=route.group,
        auto_declare=route.declare == "auto",
        routed=True,
    )
