"""`/incident` and the declare modal: ack within 3 s, do the work lazily."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from opsdesk.domain.errors import OpsdeskError
from opsdesk.domain.incidents import Priority
from opsdesk.flows.incidents import MIN_TITLE, REFUSAL, Declaration
from opsdesk.slack.commands import parse, split_priority
from opsdesk.slack.ids import Callback, Field
from opsdesk.slack.views.incidents import as_dicts, declare_modal, help_blocks

if TYPE_CHECKING:
    from slack_bolt import Ack, App, Respond
    from slack_sdk import WebClient

    from opsdesk.services import Services

LazyHandler = Callable[..., None]


def slack_time(ts: str) -> datetime:
    return datetime.fromtimestamp(float(ts), UTC)


def modal_value(view: dict[str, Any], field: Field) -> str:
    state = view.get("state", {}).get("values", {}).get(field, {}).get(field, {})
    if "selected_option" in state:
        return str((state.get("selected_option") or {}).get("value", ""))
    return str(state.get("value") or "").strip()


def register(app: App, services: Services, subcommands: dict[str, LazyHandler]) -> None:
    """Attach `/incident` and the declare modal; other modules add subcommands to `subcommands`."""

    def ack_command(ack: Ack, command: dict[str, Any], client: WebClient) -> None:
        parsed = parse(command.get("text", ""))
        if parsed.subcommand == "declare" and not parsed.rest:
            client.views_open(
                trigger_id=command["trigger_id"],
                view=declare_modal(private_metadata=json.dumps({"channel": command.get("channel_id")})),
            )
            ack()
            return
        if parsed.subcommand == "help" or parsed.subcommand not in subcommands:
            note = "" if parsed.subcommand == "help" else f"I don't know `/incident {parsed.subcommand}`."
            ack(blocks=as_dicts(help_blocks(note)), text="/incident help")
            return
        team = services.team
        if parsed.subcommand == "declare" and team.resolves_without_slack and not team.is_member(command["user_id"]):
            ack(text=REFUSAL.format(action="declare an incident"))
            return
        ack()

    def run_command(command: dict[str, Any], respond: Respond) -> None:
        parsed = parse(command.get("text", ""))
        handler = subcommands.get(parsed.subcommand)
        if (parsed.subcommand == "declare" and not parsed.rest) or handler is None:
            return
        try:
            handler(command=command, respond=respond)
        except OpsdeskError as error:
            respond(text=str(error), response_type="ephemeral")

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

    def modal_problem(view: dict[str, Any], user: str) -> str | None:
        if len(modal_value(view, Field.TITLE)) < MIN_TITLE:
            return "Say in a few words what is happening."
        if services.team.resolves_without_slack and not services.team.is_member(user):
            return REFUSAL.format(action="declare an incident")
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
        except OpsdeskError as error:
            client.chat_postMessage(channel=user, text=str(error))
            return
        client.chat_postMessage(channel=user, text=f"Declared *{incident.id}*: {incident.title}.")

    app.view(Callback.DECLARE)(ack=ack_declare_modal, lazy=[declare_from_modal])
