"""`/rota`: today's pair, cover periods and on call; set, cover, oncall."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from opsdesk.domain.errors import OpsdeskError
from opsdesk.domain.rota import RotaToday, parse_cover, parse_on_call, parse_set
from opsdesk.store.rota import RotaRepository

if TYPE_CHECKING:
    from slack_bolt import Ack, App, Respond

    from opsdesk.services import Services

HELP = """*`/rota` commands*
• `/rota` today's pair, cover periods and who is on call
• `/rota set @a @b [from YYYY-MM-DD]` the pair on support (from today, or a date)
• `/rota cover @c 12:00-13:00` someone covers a period today (lunch)
• `/rota oncall @d` who is on call out of hours"""


def describe(rota: RotaToday) -> str:
    pair = " and ".join(f"<@{user}>" for user in rota.engineers) or "_nobody_"
    lines = [f"*On support {rota.day:%A %-d %B}:* {pair}"]
    lines += [f"• {cover.describe()}" for cover in rota.covers]
    lines.append(f"*On call out of hours:* {f'<@{rota.on_call}>' if rota.on_call else '_nobody set_'}")
    return "\n".join(lines + rota.warnings())


def register(app: App, services: Services) -> None:
    """Attach `/rota`; the work needs the table, so it runs after the ack."""
    repository = RotaRepository(services.settings.table_name)

    def ack_command(ack: Ack, command: dict[str, Any]) -> None:
        words = command.get("text", "").split()
        if words and words[0].lower() == "help":
            ack(text=HELP)
        elif words and words[0].lower() not in {"set", "cover", "oncall", "on-call"}:
            ack(text=f"I don't know `/rota {words[0]}`.\n{HELP}")
        else:
            ack()

    def run_command(command: dict[str, Any], respond: Respond) -> None:
        text = command.get("text", "").strip()
        sub, _, rest = text.partition(" ")
        sub = sub.lower()
        if sub and sub not in {"set", "cover", "oncall", "on-call"}:
            return
        now = services.now()
        today = services.settings.hours.local(now).date()
        try:
            if sub == "set":
                pair = parse_set(rest, today)
                repository.set_pair(pair.__class__(pair.engineers, pair.starts, command["user_id"]))
                people = " and ".join(f"<@{user}>" for user in pair.engineers)
                note = " Support is a pair: add a second engineer." if len(pair.engineers) < 2 else ""
                respond(text=f"On support from {pair.starts:%A %-d %B}: {people}.{note}", response_type="in_channel")
                return
            if sub == "cover":
                cover = parse_cover(rest, today)
                repository.add_cover(cover)
                respond(text=f"{cover.describe()} today.", response_type="in_channel")
                return
            if sub in {"oncall", "on-call"}:
                user = parse_on_call(rest)
                repository.set_on_call(user, now)
                respond(text=f"<@{user}> is on call out of hours.", response_type="in_channel")
                return
            respond(text=describe(repository.today(today)))
        except OpsdeskError as error:
            respond(text=str(error), response_type="ephemeral")

    app.command("/rota")(ack=ack_command, lazy=[run_command])
