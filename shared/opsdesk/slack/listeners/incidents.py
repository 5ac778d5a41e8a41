"""`/incident` and the declare modal: ack within 3 s, do the work lazily."""

from __future__ import annotations

import json
from enum import Enum
from typing import TYPE_CHECKING

from opsdesk.domain.incidents import Priority
from opsdesk.flows.incidents import MIN_TITLE, Change, Declaration
from opsdesk.flows.permissions import Permission, refusal
from opsdesk.slack.commands import ParsedCommand, parse
from opsdesk.slack.failures import open_modal, tell_or_raise
from opsdesk.slack.ids import Callback, Field
from opsdesk.slack.listeners.incident_commands import SUBCOMMANDS, IncidentCommand, Reply
from opsdesk.slack.routing import Listener
from opsdesk.slack.views.incidents import as_dicts, declare_modal, help_blocks
from opsdesk.slack.views.mrkdwn import literal

if TYPE_CHECKING:
    from slack_bolt import Ack, Respond

    from opsdesk.domain.clock import Clock
    from opsdesk.flows.incidents import IncidentFlows, IncidentRunner
    from opsdesk.flows.paging import Paging
    from opsdesk.flows.public_status import PublicStatus
    from opsdesk.flows.support import SupportDesk
    from opsdesk.settings import Settings
    from opsdesk.slack.notifier import SlackIncidentNotifier
    from opsdesk.slack.payloads import Client, Payload
    from opsdesk.slack.team import SlackTeam

DECLARE_REFUSAL = refusal(Permission.DECLARE)
# The subcommands that change something, and the permission each needs; the others only read.
CHANGING = {
    "declare": Permission.DECLARE,
    "lead": Permission.LEAD,
    "comms": Permission.COMMS,
    "update": Permission.UPDATE,
    "priority": Permission.PRIORITY,
    "resolve": Permission.RESOLVE,
    "reopen": Permission.REOPEN,
    "page": Permission.PAGE,
}


class Route(Enum):
    """What a `/incident` request turns into; the ack and the lazy part decide alike."""

    OPEN_MODAL = "open_modal"
    HELP = "help"
    REFUSE = "refuse"
    WORK = "work"


def modal_value(view: Payload, field: Field) -> str:
    state = view.get("state", {}).get("values", {}).get(field, {}).get(field, {})
    if "selected_option" in state:
        return str((state.get("selected_option") or {}).get("value", ""))
    return str(state.get("value") or "").strip()


def route(parsed: ParsedCommand, user: str, team: SlackTeam) -> Route:
    if parsed.subcommand == "declare" and not parsed.rest:
        return Route.OPEN_MODAL
    if parsed.subcommand == "help" or parsed.subcommand not in SUBCOMMANDS:
        return Route.HELP
    # Said on the ack path when membership needs no Slack call; the flow checks it whatever the path.
    if parsed.subcommand in CHANGING and team.known_outsider(user):
        return Route.REFUSE
    return Route.WORK


def ack_incident_command(ack: Ack, command: Payload, client: Client, *, team: SlackTeam) -> None:
    parsed = parse(command.get("text", ""))
    decided = route(parsed, command["user_id"], team)
    if decided is Route.OPEN_MODAL:
        metadata = json.dumps({"channel": command.get("channel_id")})
        open_modal(client, ack, command, declare_modal(private_metadata=metadata))
    elif decided is Route.HELP:
        note = "" if parsed.subcommand == "help" else f"I don't know `/incident {parsed.subcommand}`."
        ack(blocks=as_dicts(help_blocks(note)), text="/incident help")
    elif decided is Route.REFUSE:
        ack(text=refusal(CHANGING[parsed.subcommand]))
    else:
        ack()


def run_incident_command(
    command: Payload,
    respond: Respond,
    *,
    team: SlackTeam,
    incidents: IncidentFlows,
    changes: IncidentRunner,
    paging: Paging,
    public_status: PublicStatus,
    settings: Settings,
    now: Clock,
) -> None:
    parsed = parse(command.get("text", ""))
    if route(parsed, command["user_id"], team) is not Route.WORK:
        return
    change = Change(by=command["user_id"], at=now(), source_key=f"slack-command:{command['trigger_id']}")
    request = IncidentCommand(parsed, change, incidents, changes, paging, public_status, settings.ops_channel_id)
    try:
        answer = SUBCOMMANDS[parsed.subcommand](request)
        reply = answer if isinstance(answer, Reply) else Reply(answer)
        respond(text=reply.text, blocks=reply.blocks)
    except Exception as error:
        tell_or_raise(error, lambda text: respond(text=text, response_type="ephemeral"))


def declare_problem(view: Payload, user: str, team: SlackTeam) -> str | None:
    if len(modal_value(view, Field.TITLE)) < MIN_TITLE:
        return "Say in a few words what is happening."
    if team.known_outsider(user):
        return DECLARE_REFUSAL
    return None


def ack_declare_modal(ack: Ack, view: Payload, body: Payload, *, team: SlackTeam) -> None:
    problem = declare_problem(view, body["user"]["id"], team)
    if problem:
        ack(response_action="errors", errors={Field.TITLE: problem})
        return
    ack()


def declared_from(view: Payload, desk: SupportDesk) -> str | None:
    """The open support request whose message (or thread) "Declare incident" was used on, if any."""
    try:
        metadata = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return None
    if not isinstance(metadata, dict) or not metadata.get("message_ts"):
        return None
    root = str(metadata.get("thread_ts") or metadata["message_ts"])
    request = desk.request_at(str(metadata.get("channel")), root)
    return request.id if request is not None and request.is_open else None


def declare_from_modal(
    view: Payload,
    body: Payload,
    *,
    team: SlackTeam,
    incidents: IncidentFlows,
    desk: SupportDesk,
    incident_notifier: SlackIncidentNotifier,
    now: Clock,
) -> None:
    user = body["user"]["id"]
    if declare_problem(view, user, team):
        return  # Bolt runs lazy listeners even after an "errors" ack; the modal already said why.
    try:
        incident = incidents.declare(
            Declaration(
                title=modal_value(view, Field.TITLE),
                priority=Priority(modal_value(view, Field.PRIORITY) or Priority.NORMAL),
                service=modal_value(view, Field.SERVICE),
                user_impact=modal_value(view, Field.USER_IMPACT),
                declared_by=user,
                at=now(),
                source_key=f"slack-view:{view['id']}",
                request_id=declared_from(view, desk),
            )
        )
    except Exception as error:
        tell_or_raise(error, lambda text: incident_notifier.tell_user(user, text))
        return
    incident_notifier.tell_user(user, f"Declared *{incident.id}*: {literal(incident.title)}.")


LISTENERS = (
    Listener("command", "/incident", ack_incident_command, (run_incident_command,)),
    Listener("view", Callback.DECLARE, ack_declare_modal, (declare_from_modal,)),
)
