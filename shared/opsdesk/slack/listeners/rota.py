"""`/rota`: today's pair, cover periods and on call; set, cover, oncall."""

from __future__ import annotations

from typing import TYPE_CHECKING

from opsdesk.domain.errors import OpsdeskError
from opsdesk.slack.routing import Listener
from opsdesk.slack.views.mrkdwn import mention, worded
from opsdesk.slack.views.rota import HELP, cover_text, describe, pair_set_text

if TYPE_CHECKING:
    from slack_bolt import Ack, Respond

    from opsdesk.flows.rota import Rota
    from opsdesk.slack.payloads import Payload

SUBCOMMANDS = {"set", "cover", "oncall", "on-call"}


def ack_rota_command(ack: Ack, command: Payload) -> None:
    words = command.get("text", "").split()
    if words and words[0].lower() == "help":
        ack(text=HELP)
    elif words and words[0].lower() not in SUBCOMMANDS:
        ack(text=f"I don't know `/rota {words[0]}`.\n{HELP}")
    else:
        ack()


def run_rota_command(command: Payload, respond: Respond, *, rota: Rota) -> None:
    """The work needs the table, so it runs after the ack."""
    sub, _, rest = command.get("text", "").strip().partition(" ")
    sub = sub.lower()
    if sub and sub not in SUBCOMMANDS:
        return
    try:
        if sub == "set":
            respond(text=pair_set_text(rota.set_pair(rest, by=command["user_id"])), response_type="in_channel")
        elif sub == "cover":
            respond(
                text=f"{cover_text(rota.add_cover(rest, by=command['user_id']))} today.", response_type="in_channel"
            )
        elif sub in {"oncall", "on-call"}:
            respond(
                text=f"{mention(rota.set_on_call(rest, by=command['user_id']))} is on call out of hours.",
                response_type="in_channel",
            )
        else:
            respond(text=describe(rota.today()))
    except OpsdeskError as error:
        respond(text=worded(error), response_type="ephemeral")


LISTENERS = (Listener("command", "/rota", ack_rota_command, (run_rota_command,)),)
