"""The day's interactions: ticks on the start-of-day checklist, and "Handover done"."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from opsdesk.flows.day import WorkingDay
from opsdesk.slack.payloads import just_ack
from opsdesk.slack.support_ids import SupportAction

if TYPE_CHECKING:
    from slack_bolt import App

    from opsdesk.services import Services


def shown_ticks(message: dict[str, Any] | None, block_id: str) -> list[str] | None:
    """What the clicked checklist showed ticked before the click (None when Slack did not send it)."""
    for block in (message or {}).get("blocks") or []:
        if block.get("block_id") == block_id:
            for element in block.get("elements") or []:
                if element.get("action_id") == SupportAction.CHECKLIST:
                    return [str(option["value"]) for option in element.get("initial_options") or []]
    return None


def register(app: App, services: Services) -> None:
    """Record who ticked what, and who handed over."""
    day = WorkingDay.from_services(services)

    def ticked(body: dict[str, Any]) -> None:
        action = body["actions"][0]
        block = str(action.get("block_id", ""))
        when = block.partition(":")[2] or day.day_of(services.now())
        selected = [str(option["value"]) for option in action.get("selected_options") or []]
        shown = shown_ticks(body.get("message"), block)
        day.record_ticks(when, selected, body["user"]["id"], services.now(), shown=shown)

    def handed_over(body: dict[str, Any]) -> None:
        user = body["user"]["id"]
        when = str(body["actions"][0]["value"])
        if not day.record_handover(when, user, services.now()):
            services.slack.chat_postEphemeral(
                channel=body["channel"]["id"], user=user, text="Thanks, the handover was already recorded."
            )

    app.action(SupportAction.CHECKLIST)(ack=just_ack, lazy=[ticked])
    app.action(SupportAction.HANDOVER_DONE)(ack=just_ack, lazy=[handed_over])
