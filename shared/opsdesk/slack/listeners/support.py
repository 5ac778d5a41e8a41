"""`/support`, the request buttons, the done modal, ratings, board triage, `add_to_ticket` and "Track as request"."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from opsdesk.domain.errors import InvalidRequest, OpsdeskError
from opsdesk.domain.ports import Posted
from opsdesk.domain.requests import TrackedMessage, normalise_request_id
from opsdesk.flows.permissions import Permission, refusal
from opsdesk.slack.failures import answer_on_ack_path, failures_told, open_modal
from opsdesk.slack.listeners.incidents import modal_value
from opsdesk.slack.listeners.messages import request_text
from opsdesk.slack.payloads import clicked_in, slack_time
from opsdesk.slack.routing import Listener
from opsdesk.slack.support_ids import SupportAction, SupportCallback, SupportField
from opsdesk.slack.views.mrkdwn import channel as channel_link
from opsdesk.slack.views.mrkdwn import worded
from opsdesk.slack.views.support import HELP, done_modal, request_list

if TYPE_CHECKING:
    from contextlib import AbstractContextManager
    from datetime import datetime

    from slack_bolt import Ack, Respond

    from opsdesk.domain.clock import Clock
    from opsdesk.flows.support import SupportDesk
    from opsdesk.flows.tickets import Tickets
    from opsdesk.slack.payloads import Client, Payload
    from opsdesk.slack.support_notifier import SlackSupportNotifier
    from opsdesk.slack.team import SlackTeam


FINISH_REFUSAL = refusal(Permission.FINISH_REQUEST)
PENDING = "Jira is not answering; the ticket is pending and will be retried automatically."


# Subcommands that act on one request, by its id.
ON_A_REQUEST = ("ticket", "notrequest")


def ack_support_command(ack: Ack, command: Payload) -> None:
    words = command.get("text", "").split()
    if not words or words[0].lower() == "help":
        ack(text=HELP)
    elif words[0].lower() in ON_A_REQUEST and (len(words) < 2 or normalise_request_id(words[1]) is None):
        example = f"/support {words[0].lower()} REQ-7K3QF"
        ack(text=f"Say which request, e.g. `{example}` (the id is in the request's thread).")
    else:
        ack()


def run_support_command(command: Payload, respond: Respond, *, desk: SupportDesk, tickets: Tickets, now: Clock) -> None:
    words = command.get("text", "").split()
    if not words or words[0].lower() == "help":
        return
    user = command["user_id"]
    try:
        if words[0].lower() == "list":
            respond(text=request_list(desk.open_requests()))
        elif words[0].lower() in ON_A_REQUEST:
            request_id = normalise_request_id(words[1]) if len(words) > 1 else None
            if request_id is None:
                return
            if words[0].lower() == "notrequest":
                closed = desk.close_as_not_a_request(desk.request_by_id(request_id), user, now())
                respond(text=f"{closed.id} is closed as not a request: no rating is asked and it is not counted.")
                return
            request = tickets.raise_ticket(desk.request_by_id(request_id), user)
            outcome = f"filed as {request.ticket_key}" if request.ticket_key else "pending: Jira will be retried"
            respond(text=f"Ticket for {request.id}: {outcome}.")
        elif answer := _raise_request(command, desk, now()):
            respond(text=answer)
    except OpsdeskError as error:
        respond(text=worded(error), response_type="ephemeral")


def _raise_request(command: Payload, desk: SupportDesk, at: datetime) -> str | None:
    text = command.get("text", "").strip()
    if len(text) < 3:
        raise InvalidRequest("Say what you need, e.g. `/support I cannot reach the staging bastion`.")
    request = desk.raise_from_command(str(command.get("trigger_id") or ""), command["user_id"], text, at)
    if request is None:
        return None  # another run holds the command and answers the person
    return f"Raised {request.id} in {channel_link(request.channel)}; the conversation continues in its thread."


def tell(body: Payload, notifier: SlackSupportNotifier, text: str) -> None:
    """Answer the person who clicked, privately, in the thread they clicked in."""
    thread = (body.get("message") or {}).get("thread_ts")
    notifier.tell(body["user"]["id"], text, channel=clicked_in(body), thread_ts=thread)


def answering(body: Payload, notifier: SlackSupportNotifier) -> AbstractContextManager[None]:
    return failures_told(lambda text: tell(body, notifier, text))


def _value(body: Payload) -> str:
    return str(body["actions"][0]["value"])


def take_request(body: Payload, *, desk: SupportDesk, support_notifier: SlackSupportNotifier, now: Clock) -> None:
    with answering(body, support_notifier):
        desk.take(desk.request_by_id(_value(body)), body["user"]["id"], now())


def close_not_a_request(
    body: Payload, *, desk: SupportDesk, support_notifier: SlackSupportNotifier, now: Clock
) -> None:
    with answering(body, support_notifier):
        desk.close_as_not_a_request(desk.request_by_id(_value(body)), body["user"]["id"], now())


def raise_ticket(body: Payload, *, desk: SupportDesk, tickets: Tickets, support_notifier: SlackSupportNotifier) -> None:
    with answering(body, support_notifier):
        request = tickets.raise_ticket(desk.request_by_id(_value(body)), body["user"]["id"])
        if not request.has_ticket:
            tell(body, support_notifier, PENDING)


def rate(body: Payload, *, desk: SupportDesk, support_notifier: SlackSupportNotifier, now: Clock) -> None:
    with answering(body, support_notifier):
        request_id, _, score = _value(body).partition(":")
        said = desk.rate(desk.request_by_id(request_id), body["user"]["id"], int(score), now())
        tell(body, support_notifier, said)


def take_board_issue(body: Payload, *, tickets: Tickets, support_notifier: SlackSupportNotifier, now: Clock) -> None:
    """A ticket raised straight on the board and posted to the team for triage: someone takes it."""
    with answering(body, support_notifier):
        message = body.get("message") or {}
        where = Posted(body["channel"]["id"], message.get("ts") or body["container"]["message_ts"])
        key = _value(body)
        # What the post said before it was taken, kept as the headline of the edited post.
        headline = next((block["text"]["text"] for block in message.get("blocks", []) if block.get("text")), key)
        tickets.take_board_issue(key, body["user"]["id"], where, headline, now())


def set_board_priority(body: Payload, *, tickets: Tickets, support_notifier: SlackSupportNotifier) -> None:
    with answering(body, support_notifier):
        key, _, priority = _value(body).partition(":")
        tell(body, support_notifier, tickets.set_board_priority(key, priority, body["user"]["id"]))


def open_done(ack: Ack, body: Payload, client: Client, *, team: SlackTeam) -> None:
    user = body["user"]["id"]
    if team.known_outsider(user):  # no form to fill in for nothing
        ack()
        answer_on_ack_path(client, clicked_in(body) or "", user, FINISH_REFUSAL)
        return
    open_modal(client, ack, body, done_modal(_value(body)))


def ack_done(ack: Ack, view: Payload, body: Payload, *, team: SlackTeam) -> None:
    if team.known_outsider(body["user"]["id"]):
        ack(response_action="errors", errors={SupportField.RESOLUTION: FINISH_REFUSAL})
    elif not modal_value(view, SupportField.RESOLUTION):  # type: ignore[arg-type]
        ack(response_action="errors", errors={SupportField.RESOLUTION: "Say in one line what resolved it."})
    else:
        ack()


def finish_request(
    body: Payload, *, desk: SupportDesk, support_notifier: SlackSupportNotifier, team: SlackTeam, now: Clock
) -> None:
    """The Done form's lazy half; the user Slack signed finishes it, the metadata only names the request."""
    view, user = body["view"], body["user"]["id"]
    if team.known_outsider(user):
        return  # the form already said why
    request = None
    try:
        request = desk.request_by_id(view["private_metadata"])
        desk.finish(request, user, modal_value(view, SupportField.RESOLUTION), now())  # type: ignore[arg-type]
    except OpsdeskError as error:
        # The form has closed: one private line in the request's thread, else (no request) by DM.
        where = {"channel": request.channel, "thread_ts": request.ts} if request else {}
        support_notifier.tell(user, worded(error), **where)


def add_to_ticket(
    body: Payload,
    *,
    desk: SupportDesk,
    tickets: Tickets,
    support_notifier: SlackSupportNotifier,
    now: Clock,
) -> None:
    """The message shortcut: a message in a request's thread becomes a comment on its ticket."""
    user, channel = body["user"]["id"], body["channel"]["id"]
    message = body.get("message") or {}
    root = message.get("thread_ts") or message.get("ts")
    request = desk.request_at(channel, str(root)) if root else None
    try:
        if request is None:
            raise InvalidRequest("That message is not in a support request's thread.")
        author, text = str(message.get("user", "")), str(message.get("text", ""))
        done = tickets.add_comment(request, author, text, str(message["ts"]), now())
    except OpsdeskError as error:
        done = worded(error)
    support_notifier.tell(user, done, channel=channel, thread_ts=str(root) if root else None)


def track_request(body: Payload, *, desk: SupportDesk, support_notifier: SlackSupportNotifier) -> None:
    """The message shortcut "Track as request": the message becomes a request of its author's."""
    user, channel = body["user"]["id"], body["channel"]["id"]
    message = body.get("message") or {}
    tracked = TrackedMessage(
        ts=str(message.get("ts")),
        author=str(message.get("user") or "") if not message.get("bot_id") else "",
        text=request_text(message),
        at=slack_time(str(message.get("ts"))),
        thread_ts=message.get("thread_ts"),
    )
    try:
        request, new = desk.track(channel, tracked, user)
        said = f"Tracking this as {request.id}" if new else f"That message is already {request.id}"
        said += f" ({request.stage.label}): its thread carries the buttons."
    except OpsdeskError as error:
        said = worded(error)
    support_notifier.tell(user, said, channel=channel, thread_ts=message.get("thread_ts"))


LISTENERS = (
    Listener("command", "/support", ack_support_command, (run_support_command,)),
    Listener("action", SupportAction.TAKE, lazy=(take_request,)),
    Listener("action", SupportAction.RAISE_TICKET, lazy=(raise_ticket,)),
    Listener("action", re.compile(f"^{SupportAction.RATE}_[1-5]$"), lazy=(rate,)),
    Listener("action", SupportAction.BOARD_TAKE, lazy=(take_board_issue,)),
    Listener("action", re.compile(f"^{SupportAction.BOARD_PRIORITY}_"), lazy=(set_board_priority,)),
    Listener("action", SupportAction.DONE, open_done),
    Listener("view", SupportCallback.DONE, ack_done, (finish_request,)),
    Listener("shortcut", SupportCallback.ADD_TO_TICKET, lazy=(add_to_ticket,)),
    Listener("action", SupportAction.NOT_A_REQUEST, lazy=(close_not_a_request,)),
    Listener("shortcut", SupportCallback.TRACK, lazy=(track_request,)),
)
