"""The App Home tab: open incidents, and what is waiting on the person looking."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from opsdesk.slack.fit import HEADER, SECTION, VIEW_BLOCKS, cap, fit, fit_lines
from opsdesk.slack.views.incidents import PRIORITY_LABEL, when
from opsdesk.slack.views.mrkdwn import mention, said

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime, timedelta

    from opsdesk.domain.incidents import Incident
    from opsdesk.slack.access import ChannelProblem

INVITE = "/invite @opsdesk"


def _person(user: str | None) -> str:
    return mention(user) if user else "_no lead yet_"


def waiting_on(user: str, incident: Incident, now: datetime, update_every: timedelta) -> list[str]:
    """What this person owes this incident right now, in the process's words."""
    waiting: list[str] = []
    mine = user in {incident.lead, incident.comms}
    last_word = incident.last_update_at or incident.declared_at
    if mine and now - last_word >= update_every:
        waiting.append(f"no update since {when(last_word)}: post one")
    checked = incident.last_checkin_at
    if mine and checked is not None and (incident.last_update_at is None or incident.last_update_at < checked):
        waiting.append(f"check-in of {when(checked)} is waiting for an update")
    if incident.lead is None:
        waiting.append("needs a lead")
    return waiting


def channel_warning(problem: ChannelProblem) -> str:
    """Say what opsdesk cannot do in one of its channels, and how to fix it."""
    where = f"<#{problem.channel}>" if problem.visible else f"{problem.role} (`{problem.channel}`)"
    if problem.visible:
        return (
            f":warning: *opsdesk is not in {where}* ({problem.role}), so it does not see messages there: "
            f"{problem.consequence}. Fix: open {where} and type `{INVITE}`."
        )
    return (
        f":warning: *opsdesk cannot see {where}*: it is private and opsdesk was not invited, or the id is wrong. "
        f"{problem.consequence}. Fix: type `{INVITE}` in that channel, or check `{problem.setting}`."
    )


def home_view(
    user: str,
    incidents: Sequence[Incident],
    now: datetime,
    update_every: timedelta,
    *,
    on_team: bool,
    channel_problems: Sequence[ChannelProblem] = (),
) -> View:
    """Build the home tab; everything shown comes from the open-incidents index (no scans)."""
    ordered = sorted(incidents, key=lambda item: (not item.is_high, item.declared_at))
    blocks: list[Block] = []
    if on_team:  # the support team can fix the app's channels; others would only be alarmed
        blocks += [
            SectionBlock(text=MarkdownTextObject(text=fit(channel_warning(p), SECTION))) for p in channel_problems
        ]
    blocks.append(HeaderBlock(text=PlainTextObject(text="Waiting on you")))
    mine = []
    for incident in ordered:
        items = waiting_on(user, incident, now, update_every)
        if items and (on_team or user in {incident.lead, incident.comms}):
            mine.append(f"• *{incident.id}* {said(incident.title, 80)}: " + "; ".join(items))
    blocks.append(SectionBlock(text=MarkdownTextObject(text=fit_lines(mine, SECTION, empty="Nothing. :sunny:"))))
    blocks += [DividerBlock(), HeaderBlock(text=PlainTextObject(text=f"Open incidents ({len(ordered)})"))]
    if not ordered:
        blocks.append(SectionBlock(text=MarkdownTextObject(text="No incidents are open.")))
    # Room for the footer and an "and N more" line: a view holds at most 100 blocks.
    shown, hidden = cap(ordered, VIEW_BLOCKS - len(blocks) - 2)
    for incident in shown:
        line = (
            f"*{incident.id}: {said(incident.title, HEADER)}*\n{PRIORITY_LABEL[incident.priority]} · lead "
            f"{_person(incident.lead)} · last update {when(incident.last_update_at)}"
        )
        blocks.append(SectionBlock(text=MarkdownTextObject(text=line)))
    if hidden:
        more = f"…and {hidden} more open incidents: `/incident list` shows them."
        blocks.append(SectionBlock(text=MarkdownTextObject(text=more)))
    blocks.append(
        ContextBlock(elements=[MarkdownTextObject(text=f"Updated {when(now)} · `/incident help` for commands")])
    )
    return View(type="home", blocks=blocks)
