"""`/incident` and the declare modal: ack within 3 s, do the work lazily."""

from __future__ import annotations

import json
from collections.abc import Callable
from enum import Enum
from typing import TYPE_CHECKING, Any

from opsdesk.domain.incidents import Priority
from opsdesk.flows.incidents import MIN_TITLE, REFUSAL, Declaration
from opsdesk.slack.commands import ParsedCommand, parse, split_priority
from opsdesk.slack.failures import open_modal, tell_or_raise
from opsdesk.slack.ids import Callback, Field
from opsdesk.slack.views.incidents import as_dicts, declare_modal, help_blocks

if TYPE_CHECKING:
    from slack_bolt import Ack, App, Respond
    from slack_sdk import WebClient

    from opsdesk.services import Services

LazyHandler = Callable[..., None]
DECLARE_REFUSAL = REFUSAL.format(action="declare an incident")


class Route(Enum):
    """What a `/incident` request turns into; the ack and the lazy part decide alike."""

    OPEN_MODAL = "open_modal"
    HELP = "help"
    REFUSE = "refuse"
    WORK = "work"


def modal_value(view: dict[str, Any], field: Field) -> str:
    state = view.get("state", {}).get("values", {}).get(field, {}).get(field, {})
    if "selected_option" in state:
        return str((state.get("selected_option") or {}).get("value", ""))
    return str(state.get("value") or "").strip()


def register(app: App, services: Services, subcommands: dict[str, LazyHandler]) -> None:
    """Attach `/incident` and the declare modal; other modules add subcommands to `subcommands`."""

    def route(parsed: ParsedCommand, user: str) -> Route:
        if parsed.subcommand == "declare" and not parsed.rest:
            return Route.OPEN_MODAL
        if parsed.subcommand == "help" or parsed.subcommand not in subcommands:
            return Route.HELP
        team = services.team
        # Membership is checked here only when it needs no Slack call; otherwise the flow checks it.
        if parsed.subcommand == "declare" and team.resolves_without_slack and not team.is_member(user):
            return Route.REFUSE
        return Route.WORK

    def ack_command(ack: Ack, command: dict[str, Any], client: WebClient) -> None:
        parsed = parse(command.get("text", ""))
        decided = route(parsed, command["user_id"])
        if decided is Route.OPEN_MODAL:
            metadata = json.dumps({"channel": command.get("channel_id")})
            open_modal(client, ack, command["trigger_id"], declare_modal(private_metadata=metadata))
        elif decided is Route.HELP:
            note = "" if parsed.subcommand == "help" else f"I don't know `/incident {parsed.subcommand}`."
            ack(blocks=as_dicts(help_blocks(note)), text="/incident help")
        elif decided is Route.REFUSE:
            ack(text=DECLARE_REFUSAL)
        else:
            ack()

    def run_command(command: dict[str, Any], respond: Respond) -> None:
        parsed = parse(command.get("text", ""))
        if route(parsed, command["user_id"]) is not Route.WORK:
            return
        try:
            subcommands[parsed.subcommand](command=command, respond=respond)
        except Exception as error:
            tell_or_raise(error, lambda text: respond(text=text, response_type="ephemeral"))

    def declare(command: dict[str, Any], respond: Respond) -> None:
        title, high = split_priority(parse(command["text"]).rest)
        incident = services.incidents.declare(
            Declaration(
                title=title,
                priority=Priority.HIGH if high else Priority.NORMAL,
                declared_by=command["user_id"],
                at=services.now(),
                source_key=f"slack-command:{command['trigger_id']}",
            )
        )
        channel = services.settings.ops_channel_id
        respond(text=f"Declared *{incident.id}*: {incident.title}. It is announced in <#{channel}>.")

    subcommands["declare"] = declare
    app.command("/incident")(ack=ack_command, lazy=[run_command])
    _register_declare_modal(app, services)


def _register_declare_modal(app: App, services: Services) -> None:
    def modal_problem(view: dict[str, Any], user: str) -> str | None:
        if len(modal_value(view, Field.TITLE)) < MIN_TITLE:
            return "Say in a few words what is happening."
        if services.team.resolves_without_slack and not services.team.is_member(user):
            return DECLARE_REFUSAL
        return None

    def ack_declare_modal(ack: Ack, view: dict[str, Any], body: dict[str, Any]) -> None:
        problem = modal_problem(view, body["user"]["id"])
        if problem:
            ack(response_action="errors", errors={Field.TITLE: problem})
            return
        ack()

    def declare_from_modal(view: dict[str, Any], body: dict[str, Any], client: WebClient) -> None:
        user = body["user"]["id"]
        if modal_problem(view, user):
            return  # Bolt runs lazy listeners even after an "errors" ack; the modal already said why.
        try:
            incident = services.incidents.declare(
                Declaration(
                    title=modal_value(view, Field.TITLE),
                    priority=Priority(modal_value(view, Field.PRIORITY) or Priority.NORMAL),
                    service=modal_value(view, Field.SERVICE),
                    user_impact=modal_value(view, Field.USER_IMPACT),
                    declared_by=user,
                    at=services.now(),
                    source_key=f"slack-view:{view['id']}",
                )
            )
        except Exception as error:
            tell_or_raise(error, lambda text: client.chat_postMessage(channel=user, text=text))
            return
        client.chat_postMessage(channel=user, text=f"Declared *{incident.id}*: {incident.title}.")

    app.view(Callback.DECLARE)(ack=ack_declare_modal, lazy=[declare_from_modal])
