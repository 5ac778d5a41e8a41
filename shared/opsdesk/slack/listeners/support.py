"""`/support`, the request buttons, the done modal, ratings, board triage and `add_to_ticket`."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from opsdesk.domain.errors import InvalidRequest, OpsdeskError
from opsdesk.domain.ports import Posted
from opsdesk.domain.requests import Stage, normalise_request_id
from opsdesk.flows.support import SupportDesk
from opsdesk.flows.tickets import Tickets
from opsdesk.slack.failures import guarded, open_modal
from opsdesk.slack.listeners.incidents import modal_value
from opsdesk.slack.payloads import clicked_in, just_ack
from opsdesk.slack.support_ids import SupportAction, SupportCallback, SupportField
from opsdesk.slack.views.support import HELP, done_modal, request_list

if TYPE_CHECKING:
    from collections.abc import Callable

    from slack_bolt import Ack, App, Respond
    from slack_sdk import WebClient

    from opsdesk.services import Services


def register(app: App, services: Services) -> None:
    """Attach the support desk's command, buttons, modal and shortcut."""
    desk = SupportDesk.from_services(services)
    tickets = Tickets(desk)
    _register_command(app, services, desk, tickets)
    _register_buttons(app, services, desk, tickets)
    _register_board(app, services, desk, tickets)
    _register_done_and_shortcut(app, services, desk, tickets)


def _register_command(app: App, services: Services, desk: SupportDesk, tickets: Tickets) -> None:
    def ack_command(ack: Ack, command: dict[str, Any]) -> None:
        words = command.get("text", "").split()
        if not words or words[0].lower() == "help":
            ack(text=HELP)
        elif words[0].lower() == "ticket" and (len(words) < 2 or normalise_request_id(words[1]) is None):
            ack(text="Say which request, e.g. `/support ticket REQ-7K3QF` (the id is in the request's thread).")
        else:
            ack()

    def run_command(command: dict[str, Any], respond: Respond) -> None:
        words = command.get("text", "").split()
        if not words or words[0].lower() == "help":
            return
        user = command["user_id"]
        try:
            if words[0].lower() == "list":
                open_requests = desk.repository.list_stage(Stage.TODO) + desk.repository.list_stage(Stage.IN_PROGRESS)
                respond(text=request_list(open_requests))
            elif words[0].lower() == "ticket":
                request_id = normalise_request_id(words[1]) if len(words) > 1 else None
                if request_id is None:
                    return
                request = tickets.raise_ticket(desk.repository.by_id(request_id), user)
                outcome = f"filed as {request.ticket_key}" if request.ticket_key else "pending: Jira will be retried"
                respond(text=f"Ticket for {request.id}: {outcome}.")
            else:
                raise_request(command, respond)
        except OpsdeskError as error:
            respond(text=str(error), response_type="ephemeral")

    def raise_request(command: dict[str, Any], respond: Respond) -> None:
        text = command.get("text", "").strip()
        if len(text) < 3:
            raise InvalidRequest("Say what you need, e.g. `/support I cannot reach the staging bastion`.")
        trigger = str(command.get("trigger_id") or "")
        request = desk.raise_from_command(trigger, command["user_id"], text, services.now())
        if request is not None:
            respond(text=f"Raised {request.id} in <#{request.channel}>; the conversation continues in its thread.")

    app.command("/support")(ack=ack_command, lazy=[run_command])


def _tell(desk: SupportDesk, body: dict[str, Any], text: str) -> None:
    thread = (body.get("message") or {}).get("thread_ts")
    desk.tell(body["user"]["id"], text, channel=clicked_in(body), thread_ts=thread)


def _guarded(desk: SupportDesk, work: Callable[[dict[str, Any]], None]) -> Callable[..., None]:
    return guarded(work, lambda body, text: _tell(desk, body, text))


def _value(body: dict[str, Any]) -> str:
    return str(body["actions"][0]["value"])


def _register_buttons(app: App, services: Services, desk: SupportDesk, tickets: Tickets) -> None:
    def take(body: dict[str, Any]) -> None:
        desk.take(desk.repository.by_id(_value(body)), body["user"]["id"], services.now())

    def raise_ticket(body: dict[str, Any]) -> None:
        request = tickets.raise_ticket(desk.repository.by_id(_value(body)), body["user"]["id"])
        if not request.has_ticket:
            _tell(desk, body, "Jira is not answering; the ticket is pending and will be retried automatically.")

    def rate(body: dict[str, Any]) -> None:
        request_id, _, score = _value(body).partition(":")
        request = desk.repository.by_id(request_id)
        _tell(desk, body, desk.rate(request, body["user"]["id"], int(score), services.now()))

    for action_id, work in (
        (SupportAction.TAKE, take),
        (SupportAction.RAISE_TICKET, raise_ticket),
        (re.compile(f"^{SupportAction.RATE}_[1-5]$"), rate),
    ):
        app.action(action_id)(ack=just_ack, lazy=[_guarded(desk, work)])


def _register_board(app: App, services: Services, desk: SupportDesk, tickets: Tickets) -> None:
    """Tickets raised straight on the board, posted to the team for triage."""

    def board_take(body: dict[str, Any]) -> None:
        message = body.get("message") or {}
        where = Posted(body["channel"]["id"], message.get("ts") or body["container"]["message_ts"])
        key = _value(body)
        # What the post said before it was taken, kept as the headline of the edited post.
        headline = next((block["text"]["text"] for block in message.get("blocks", []) if block.get("text")), key)
        tickets.take_board_issue(key, body["user"]["id"], where, headline, services.now())

    def board_priority(body: dict[str, Any]) -> None:
        key, _, priority = _value(body).partition(":")
        _tell(desk, body, tickets.set_board_priority(key, priority, body["user"]["id"]))

    app.action(SupportAction.BOARD_TAKE)(ack=just_ack, lazy=[_guarded(desk, board_take)])
    app.action(re.compile(f"^{SupportAction.BOARD_PRIORITY}_"))(ack=just_ack, lazy=[_guarded(desk, board_priority)])


def _register_done_and_shortcut(app: App, services: Services, desk: SupportDesk, tickets: Tickets) -> None:
    def open_done(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        open_modal(client, ack, body["trigger_id"], done_modal(_value(body)))

    app.action(SupportAction.DONE)(open_done)

    def ack_done(ack: Ack, view: dict[str, Any]) -> None:
        if not modal_value(view, SupportField.RESOLUTION):  # type: ignore[arg-type]
            ack(response_action="errors", errors={SupportField.RESOLUTION: "Say in one line what resolved it."})
            return
        ack()

    def finish(body: dict[str, Any]) -> None:
        view, user = body["view"], body["user"]["id"]
        try:
            request = desk.repository.by_id(view["private_metadata"])
            desk.finish(request, user, modal_value(view, SupportField.RESOLUTION), services.now())  # type: ignore[arg-type]
        except OpsdeskError as error:
            desk.tell(user, str(error))

    app.view(SupportCallback.DONE)(ack=ack_done, lazy=[finish])

    def add_to_ticket(body: dict[str, Any]) -> None:
        user, channel = body["user"]["id"], body["channel"]["id"]
        message = body.get("message") or {}
        root = message.get("thread_ts") or message.get("ts")
        request = desk.repository.find(channel, str(root)) if root else None
        try:
            if request is None:
                raise InvalidRequest("That message is not in a support request's thread.")
            author, text = str(message.get("user", "")), str(message.get("text", ""))
            done = tickets.add_comment(request, author, text, str(message["ts"]), services.now())
        except OpsdeskError as error:
            done = str(error)
        desk.tell(user, done, channel=channel, thread_ts=str(root) if root else None)

    app.shortcut(SupportCallback.ADD_TO_TICKET)(ack=just_ack, lazy=[add_to_ticket])
