"""How "nobody left waiting" reads in Slack: an untaken request raised in the team channel, the cover reminder."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from opsdesk.domain.requests import Raise
from opsdesk.slack.fit import SECTION, fit
from opsdesk.slack.support_ids import SupportAction
from opsdesk.slack.views.mrkdwn import link, mention, user_group
from opsdesk.slack.views.support import stage_line

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import timedelta

    from opsdesk.domain.requests import SupportRequest
    from opsdesk.domain.rota import Cover, OnDuty

QUOTED = 300  # what a raise quotes of the request: enough to decide who takes it


def team_mention(team_ids: Sequence[str]) -> str:
    """The whole support team: its user group when it is one (S…), else each member."""
    return " ".join(user_group(entry) if entry.startswith("S") else mention(entry) for entry in team_ids)


def raise_text(
    request: SupportRequest, level: Raise, on_duty: OnDuty, waited: timedelta, *, team_ids: Sequence[str], thread: str
) -> str:
    """Who is asked, and why: whoever is on support first, the whole team when that did not work."""
    minutes = int(waited.total_seconds() // 60)
    about = f"*{request.id}* from {mention(request.requester)} has waited {minutes} minutes and nobody has taken it"
    where = f" ({link(thread, 'the thread')})" if thread else ""
    if level is Raise.TEAM or not on_duty.engineers:
        why = "" if level is Raise.TEAM else " (nobody is on the rota now)"
        return f":rotating_light: {team_mention(team_ids)}{why}: {about}{where}. Can someone take it?"
    if on_duty.cover is not None:
        who = f"{mention(on_duty.cover.user)} (covering support until {on_duty.cover.ends:%H:%M})"
        return f":hourglass_flowing_sand: {who}: {about}{where}. Can you take it?"
    pair = " and ".join(mention(user) for user in on_duty.engineers)
    return f":hourglass_flowing_sand: {pair}: {about}{where}. Can one of you take it?"


def raise_blocks(request: SupportRequest, text: str) -> list[Block]:
    # The request's words stay plain text: what a person typed is never read as mrkdwn here.
    return [
        SectionBlock(text=MarkdownTextObject(text=fit(text, SECTION))),
        ContextBlock(elements=[PlainTextObject(text=fit(request.text, QUOTED), emoji=False)]),
        ActionsBlock(
            block_id=f"raise:{request.id}",
            elements=[ButtonElement(text="Take it", action_id=SupportAction.TAKE, value=request.id, style="primary")],
        ),
    ]


def raise_settled_blocks(request: SupportRequest) -> list[Block]:
    """A raise once the request moved on: where it is now, and no button."""
    return [SectionBlock(text=MarkdownTextObject(text=fit(stage_line(request), SECTION)))]


def cover_reminder_text(cover: Cover, waiting: int) -> str:
    queue = {0: "Nothing is waiting to be taken right now.", 1: "1 request is waiting to be taken."}
    return (
        f":sandwich: You are covering support {cover.period} today: new requests and nudges come to you "
        f"until {cover.ends:%H:%M}. {queue.get(waiting, f'{waiting} requests are waiting to be taken.')} "
        "`/support list` shows them."
    )
