"""Messages and reactions: a person's new message in the ops channel is a support request."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from opsdesk.domain.errors import OpsdeskError
from opsdesk.flows.support import SupportDesk
from opsdesk.slack.payloads import just_ack, slack_time
from opsdesk.slack.views.support import TAKE_REACTION

if TYPE_CHECKING:
    from slack_bolt import App

    from opsdesk.services import Services


def is_new_request(event: dict[str, Any], ops_channel: str) -> bool:
    """Top-level, by a person, in the ops channel: edits, joins, bots and thread replies are not requests."""
    return (
        event.get("channel") == ops_channel
        and not event.get("subtype")
        and not event.get("bot_id")
        and bool(event.get("user"))
        and event.get("thread_ts") in (None, event.get("ts"))
    )


def register(app: App, services: Services) -> None:
    """Attach the `message` and `reaction_added` listeners."""
    desk = SupportDesk.from_services(services)
    ops_channel = services.settings.ops_channel_id

    def on_message(event: dict[str, Any]) -> None:
        if event.get("channel_type") == "im":
            if not event.get("bot_id") and not event.get("subtype") and event.get("user"):
                desk.answer_direct_message(event["channel"])
            return
        if not is_new_request(event, ops_channel):
            return
        # The message's own ts is when it was asked: the event carries the time.
        desk.open(event["channel"], event["ts"], event["user"], event.get("text", ""), slack_time(event["ts"]))

    def on_reaction(event: dict[str, Any]) -> None:
        item = event.get("item") or {}
        if (
            event.get("reaction") != TAKE_REACTION
            or item.get("type") != "message"
            or item.get("channel") != ops_channel
        ):
            return
        request = desk.repository.find(item["channel"], item["ts"])
        if request is None or not services.team.is_member(event["user"]):
            return
        try:
            desk.take(request, event["user"], services.now())
        except OpsdeskError as error:
            desk.tell(event["user"], str(error), channel=request.channel, thread_ts=request.ts)

    app.event("message")(ack=just_ack, lazy=[on_message])
    app.event("reaction_added")(ack=just_ack, lazy=[on_reaction])
