"""Which alarm changes opsdesk takes: the opt-in, checked again where the change lands (defence in depth).

An alarm opts in one of two ways (template.yaml): its actions publish to opsdesk's SNS topic, which
nobody does by accident, or its name starts with one of `AlarmNamePrefixes`, which the EventBridge rule
filters on. A change from EventBridge whose name matches no prefix (a rule widened by hand, a stray
event, prefixes emptied since) is not opted in, whatever delivered it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from opsdesk.alarms.models import AlarmChange


@dataclass(frozen=True)
class AlarmScope:
    """The alarms opted in: every SNS change, and EventBridge changes of alarms named with a prefix."""

    prefixes: tuple[str, ...] = ()

    def admits(self, change: AlarmChange) -> bool:
        if change.via == "sns":
            return True
        return any(change.name.startswith(prefix) for prefix in self.prefixes)
