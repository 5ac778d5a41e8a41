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

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

# The process's "on starting the day" list, in its order.
CHECKLIST = (
    ("ops_channel", "Check the ops channel for issues to investigate"),
    ("requests", "Check the unassigned support requests"),
    ("board", "Check the board for tickets not yet assigned"),
    ("handover", "Get the out-of-hours handover from on call"),
    ("team_channel", "Read through the team channel"),
)


def people(users: Sequence[str]) -> str:
    return " and ".join(f"<@{user}>" for user in users) if users else "_nobody set_ (`/rota set @a @b`)"


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
        return f"{label}: <@{user}>"
    # Slack's date formatting shows each reader the time in their own zone.
    return f"{label}: <@{user}> at <!date^{int(moment.timestamp())}^{{time}}|{moment:%H:%M} UTC>"


def handover_blocks(day: str, on_call: str | None, sections: Sequence[str], done_by: str | None = None) -> list[Block]:
    to = f"<@{on_call}>" if on_call else "_nobody is set as on call_ (`/rota oncall @someone`)"
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=f"End-of-day handover: {day}")),
        SectionBlock(text=MarkdownTextObject(text=f"*To the on-call engineer:* {to}")),
        *_sections(sections),
    ]
    if done_by:
        blocks.append(
            ContextBlock(elements=[MarkdownTextObject(text=f":white_check_mark: Handed over by <@{done_by}>")])
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
