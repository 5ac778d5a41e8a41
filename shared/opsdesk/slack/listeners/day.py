"""The day's interactions: ticks on the start-of-day checklist, and "Handover done"."""

from __future__ import annotations

from typing import TYPE_CHECKING

from opsdesk.slack.failures import failures_told
from opsdesk.slack.payloads import clicked_in
from opsdesk.slack.routing import Listener
from opsdesk.slack.support_ids import SupportAction

if TYPE_CHECKING:
    from opsdesk.domain.clock import Clock
    from opsdesk.flows.day import WorkingDay
    from opsdesk.slack.payloads import Payload
    from opsdesk.slack.support_notifier import SlackSupportNotifier


def shown_ticks(message: Payload | None, block_id: str) -> list[str] | None:
    """What the clicked checklist showed ticked before the click (None when Slack did not send it)."""
    for block in (message or {}).get("blocks") or []:
        if block.get("block_id") == block_id:
            for element in block.get("elements") or []:
                if element.get("action_id") == SupportAction.CHECKLIST:
                    return [str(option["value"]) for option in element.get("initial_options") or []]
    return None


def ticked(body: Payload, *, day: WorkingDay, support_notifier: SlackSupportNotifier, now: Clock) -> None:
    """Record who ticked what, and show it on the checklist."""
    action, user = body["actions"][0], body["user"]["id"]
    block = str(action.get("block_id", ""))
    when = block.partition(":")[2] or day.day_of(now())
    selected = [str(option["value"]) for option in action.get("selected_options") or []]
    with failures_told(lambda text: support_notifier.tell(user, text, channel=clicked_in(body))):
        day.record_ticks(when, selected, user, now(), shown=shown_ticks(body.get("message"), block))


def handed_over(body: Payload, *, day: WorkingDay, support_notifier: SlackSupportNotifier, now: Clock) -> None:
    """Record who handed over to on call (the first one counts)."""
    user = body["user"]["id"]
    with failures_told(lambda text: support_notifier.tell(user, text, channel=clicked_in(body))):
        if not day.record_handover(str(body["actions"][0]["value"]), user, now()):
            support_notifier.tell(user, "Thanks, the handover was already recorded.", channel=clicked_in(body))


LISTENERS = (
    Listener("action", SupportAction.CHECKLIST, lazy=(ticked,)),
    Listener("action", SupportAction.HANDOVER_DONE, lazy=(handed_over,)),
)
