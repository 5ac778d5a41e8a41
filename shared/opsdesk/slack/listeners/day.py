"""The day's interactions: ticks on the start-of-day checklist, and "Handover done"."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from opsdesk.flows.day import WorkingDay
from opsdesk.slack.support_ids import SupportAction

if TYPE_CHECKING:
    from slack_bolt import Ack, App

    from opsdesk.services import Services


def register(app: App, services: Services) -> None:
    """Record who ticked what, and who handed over."""
    day = WorkingDay.from_services(services)

    def just_ack(ack: Ack) -> None:
        ack()

    def ticked(body: dict[str, Any]) -> None:
        action = body["actions"][0]
        block = str(action.get("block_id", ""))
        when = block.partition(":")[2] or day.day_of(services.now())
        selected = [str(option["value"]) for option in action.get("selected_options") or []]
        day.record_ticks(when, selected, body["user"]["id"], services.now())

    def handed_over(body: dict[str, Any]) -> None:
        user = body["user"]["id"]
        when = str(body["actions"][0]["value"])
        if not day.record_handover(when, user, services.now()):
            services.slack.chat_postEphemeral(
                channel=body["channel"]["id"], user=user, text="Thanks, the handover was already recorded."
            )

    app.action(SupportAction.CHECKLIST)(ack=just_ack, lazy=[ticked])
    app.action(SupportAction.HANDOVER_DONE)(ack=just_ack, lazy=[handed_over])
