"""AlarmsFunction's work: parse every change in the event, apply each, reject junk without raising."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from opsdesk.alarms.models import Rejected, parse_event
from opsdesk.observability import logger

if TYPE_CHECKING:
    from opsdesk.flows.alarms import AlarmFlows


def handle(flows: AlarmFlows, event: Any) -> dict[str, Any]:
    """Apply the event's alarm changes; transient AWS or Slack errors raise, so Lambda retries.

    Junk is logged and skipped rather than raised: raising would make SNS and EventBridge
    retry it until it lands in the dead-letter queue, for no gain.
    """
    outcomes: Counter[str] = Counter()
    for parsed in parse_event(event):
        if isinstance(parsed, Rejected):
            logger.warning(
                "rejected: not a CloudWatch alarm state change; no incident",
                extra={"reason": parsed.reason, "source": parsed.source},
            )
            outcomes["rejected"] += 1
            continue
        outcomes[flows.apply(parsed).value] += 1
    return dict(outcomes)
