"""How the working day looks in Slack: the start-of-day checklist and the end-of-day handover."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    Option,
    PlainTextObject,
    SectionBlock,
)

from opsdesk.slack.fit import MESSAGE_TEXT, SECTION, allot, fit, fit_lines
from opsdesk.slack.support_ids import SupportAction
from opsdesk.slack.views.mrkdwn import channel, link, mention, said

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from opsdesk.domain.day import Board, Handover, MorningDigest, Overnight

# What the day's lists quote of a request, a ticket or an incident: a line each, the thread has the rest.
QUOTED = 80
# The process's "on starting the day" list, in its order.
CHECKLIST = (
    ("ops_channel", "Check the ops channel for issues to investigate"),
    ("requests", "Check the unassigned support requests"),
    ("board", "Check the board for tickets not yet assigned"),
    ("handover", "Get the out-of-hours handover from on call"),
    ("team_channel", "Read through the team channel"),
)


def age(since: datetime, now: datetime) -> str:
    minutes = max(int((now - since).total_seconds() // 60), 0)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours >= 48:
        return f"{hours // 24} days"
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def morning_sections(digest: MorningDigest) -> tuple[str, ...]:
    """The checklist's sections: requests nobody has taken, the board, what happened out of hours."""
    return (_waiting(digest), _board(digest.board), _overnight(digest.overnight))


def _waiting(digest: MorningDigest) -> str:
    if not digest.waiting:
        return "*Unassigned requests:* none :sunny:"
    lines = [
        f"• *{request.id}* waiting {age(request.created_at, digest.at)}: {said(request.text, QUOTED)}"
        for request in digest.waiting
    ]
    return f"*Unassigned requests ({digest.waiting_total}):*\n" + "\n".join(lines)


def _board(board: Board) -> str:
    if not board.configured:
        return "*Board:* Jira is not configured, so check the board by hand."
    if board.error:
        return f"*Board:* could not read Jira ({said(board.error, 300)}); check the board by hand."
    if not board.tickets:
        return "*Board:* no unassigned tickets."
    lines = [f"• {link(ticket.url, ticket.key)} {said(ticket.summary, QUOTED)}" for ticket in board.tickets]
    return f"*Board tickets not assigned ({board.total}):*\n" + "\n".join(lines)


def _overnight(overnight: Overnight) -> str:
    lines = [f"*Out-of-hours handover* (since {overnight.since:%a %H:%M}):"]
    lines += [
        f"• {incident.id} ({incident.priority.value}) {said(incident.title, QUOTED)}"
        for incident in overnight.incidents
    ]
    if not overnight.incidents:
        lines.append("• No incidents.")
    if overnight.may_have_paged:
        lines.append(f"• Pages: {overnight.may_have_paged} high-priority incident(s) may have paged on call.")
    read = (
        overnight.messages
        if overnight.messages is not None
        else f"could not read the channel ({said(overnight.unread_because, 300)})"
    )
    lines.append(f"• Messages in {channel(overnight.ops_channel)}: {read}")
    return "\n".join(lines)


def handover_sections(handover: Handover) -> list[str]:
    """The handover: open high-priority incidents, requests still being worked on, and planned work."""
    incidents = "\n".join(f"• {incident.id} {said(incident.title, QUOTED)}" for incident in handover.high) or "• None."
    requests = (
        "\n".join(
            f"• {request.id} {mention(request.assignee)}: {said(request.text, QUOTED)}"
            if request.assignee
            else f"• {request.id}"
            for request in handover.in_progress
        )
        or "• None."
    )
    return [
        f"*Open high-priority incidents:*\n{incidents}",
        f"*Requests in progress:*\n{requests}",
        "*Planned work:* reply in this thread with anything planned for out of hours.",
    ]


def people(users: Sequence[str]) -> str:
    return " and ".join(mention(user) for user in users) if users else "_nobody set_ (`/rota set @a @b`)"


def checklist_blocks(
    day: str, pair: Sequence[str], sections: Sequence[str], ticks: Mapping[str, str] | None = None
) -> list[Block]:
    """The checklist; `ticks` (item -> "user@iso time") shows who ticked what and keeps boxes ticked."""
    ticks = ticks or {}
    options = [Option(value=value, text=label) for value, label in CHECKLIST]
    ticked = [option for option in options if option.value in ticks]
    checkboxes = CheckboxesElement(action_id=SupportAction.CHECKLIST, options=options, initial_options=ticked or None)
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=f"Start of day: {day}")),
        SectionBlock(text=MarkdownTextObject(text=f"*On support today:* {people(pair)}")),
        *_sections(sections),
        ActionsBlock(block_id=f"checklist:{day}", elements=[checkboxes]),
    ]
    # In the checklist's order, whatever order the ticks were stored in.
    done = [_tick_line(label, ticks[item]) for item, label in CHECKLIST if item in ticks]
    if done:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=fit("Ticked · " + " · ".join(done), SECTION))]))
    return blocks


# The checklist's own words (header, boxes, who ticked what) take at most this much of a message.
_FRAME = 1500


def _sections(sections: Sequence[str]) -> list[SectionBlock]:
    """The day's sections (lists of requests, incidents, tickets): whole lines, sharing one message's room."""
    limits = allot([len(text) for text in sections], MESSAGE_TEXT - _FRAME, [SECTION] * len(sections))
    return [
        SectionBlock(text=MarkdownTextObject(text=fit_lines(text.splitlines(), limit)))
        for text, limit in zip(sections, limits, strict=True)
    ]


def _tick_line(label: str, tick: str) -> str:
    user, _, at = tick.partition("@")
    try:
        moment = datetime.fromisoformat(at)
    except ValueError:
        return f"{label}: {mention(user)}"
    # Slack's date formatting shows each reader the time in their own zone.
    return f"{label}: {mention(user)} at <!date^{int(moment.timestamp())}^{{time}}|{moment:%H:%M} UTC>"


def handover_blocks(day: str, on_call: str | None, sections: Sequence[str], done_by: str | None = None) -> list[Block]:
    to = mention(on_call) if on_call else "_nobody is set as on call_ (`/rota oncall @someone`)"
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=f"End-of-day handover: {day}")),
        SectionBlock(text=MarkdownTextObject(text=f"*To the on-call engineer:* {to}")),
        *_sections(sections),
    ]
    if done_by:
        blocks.append(
            ContextBlock(elements=[MarkdownTextObject(text=f":white_check_mark: Handed over by {mention(done_by)}")])
        )
    else:
        blocks.append(
            ActionsBlock(
                block_id=f"handover:{day}",
                elements=[
                    ButtonElement(
                        text="Handover done", action_id=SupportAction.HANDOVER_DONE, value=day, style="primary"
                    )
                ],
            )
        )
    return blocks
