"""How the rota looks in Slack: `/rota`'s answers and its help."""

from __future__ import annotations

from typing import TYPE_CHECKING

from opsdesk.domain.rota import PAIR_SIZE
from opsdesk.slack.views.mrkdwn import literal, mention

if TYPE_CHECKING:
    from opsdesk.domain.rota import Cover, Pair, RotaToday

HELP = """*`/rota` commands*
• `/rota` today's pair, cover periods and who is on call
• `/rota set @a @b [from YYYY-MM-DD]` the pair on support (from today, or a date)
• `/rota cover @c 12:00-13:00` someone covers a period today (lunch)
• `/rota oncall @d` who is on call out of hours"""


def cover_text(cover: Cover) -> str:
    return f"{mention(cover.user)} covers {literal(cover.period)}"


def describe(rota: RotaToday) -> str:
    pair = " and ".join(mention(user) for user in rota.engineers) or "_nobody_"
    lines = [f"*On support {rota.day:%A %-d %B}:* {pair}"]
    lines += [f"• {cover_text(cover)}" for cover in rota.covers]
    lines.append(f"*On call out of hours:* {mention(rota.on_call) if rota.on_call else '_nobody set_'}")
    if rota.short_of_pair:
        lines.append(
            f":warning: Only {len(rota.engineers)} of {PAIR_SIZE} engineers are on support today. "
            "Set the pair with `/rota set @a @b`."
        )
    return "\n".join(lines)


def pair_set_text(pair: Pair) -> str:
    people = " and ".join(mention(user) for user in pair.engineers)
    note = " Support is a pair: add a second engineer." if len(pair.engineers) < PAIR_SIZE else ""
    return f"On support from {pair.starts:%A %-d %B}: {people}.{note}"
