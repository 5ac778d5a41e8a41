"""Postmortem messages, the action-item modal and the edit modal (Block Kit models, not hand-built dicts)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    DatePickerElement,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from opsdesk.domain.postmortems import MAX_SECTION_CHARS, REQUIRED_SECTIONS, ActionPriority, Section, in_priority_order
from opsdesk.domain.stats import human_duration
from opsdesk.slack.fit import HEADER, MESSAGE_TEXT, SECTION, allot, fit, fit_lines
from opsdesk.slack.postmortem_ids import PostmortemAction, PostmortemCallback, PostmortemField, SectionField
from opsdesk.slack.views.mrkdwn import channel, literal, mention, said

if TYPE_CHECKING:
    from collections.abc import Sequence

    from slack_sdk.models.blocks import Block

    from opsdesk.domain.postmortems import ActionItem, DraftEntry, Postmortem

HELP = """*`/postmortem` commands*
• `/postmortem show INC-7K3QF`: the draft, its timeline and its actions
• `/postmortem held INC-7K3QF`: the group session was held (stops the daily reminder)
• `/postmortem edit INC-7K3QF`: write the summary, impact and the blameless sections
• `/postmortem action INC-7K3QF high @owner Add a disk-space alarm [due 2026-12-11]` (or no text for a form)
• `/postmortem done INC-7K3QF 2`: action 2 is done (no more overdue nudges)
• `/postmortem publish INC-7K3QF`: publish the page (no Slack ids) and to Confluence when configured
*`/ops stats [week|month|quarter]`*: the numbers, just for you"""


ASK = (
    ":spiral_note_pad: A blameless postmortem for *{id}* is open with a draft timeline. "
    "{lead}, please book the group session as soon as you can (ideally within two working days), "
    "then mark it held with `/postmortem held {id}`. Write it up with `/postmortem edit {id}` "
    "and add actions with `/postmortem action {id}`."
)


def ask_text(incident_id: str, owner: str, *, reminder: bool = False) -> str:
    """Ask the owner (the lead, else whoever declared) to book the session; the daily reminder says so."""
    who = mention(owner) if owner[:1] in "UW" else "Incident lead"
    return ("*Reminder:* " if reminder else "") + ASK.format(id=incident_id, lead=who)


def overdue_text(incident_id: str, item: ActionItem) -> str:
    """The reminder to an action's owner: overdue, or (weekly) still open with no due date."""
    status = f"was due {item.due.isoformat()}" if item.due else "is still open (it has no due date)"
    return (
        f":hourglass: Action {item.number} from the {incident_id} postmortem {status}: "
        f"{said(item.description, SECTION - _FRAME)}. When it is done: `/postmortem done {incident_id} {item.number}`."
    )


# Slack allows 50 blocks a message: two per open action item, so the message lists at most this many.
MAX_ACTIONS_SHOWN = 20
# Room for the words around what people wrote: the head and timeline's labels, an action item's number,
# owner, due date, ticket and buttons.
_FRAME = 300
_ACTION_FRAME = 100


def _timeline_line(line: DraftEntry) -> str:
    """A draft's timeline line; a message quoted from another channel is named, not quoted (it is not published)."""
    quoted = line.quoted_message
    if line.withheld and quoted is not None:
        return f"{mention(line.actor or '')} added a message from {channel(quoted[0])} _(not quoted, not published)_"
    return line.describe(mention, literal)


def _action_blocks(incident_id: str, item: ActionItem, room: int = SECTION - _FRAME) -> list[Block]:
    due = f" · due {item.due}" if item.due else ""
    ticket = f" · {literal(item.ticket_key)}" if item.ticket_key else ""
    description = said(item.description, room)
    if item.done:
        text = f"*{item.number}.* ~[{item.priority.value}] {description}~ · {mention(item.owner)}{ticket} · done"
        return [SectionBlock(text=MarkdownTextObject(text=text))]
    text = f"*{item.number}.* [{item.priority.value}] {description} · {mention(item.owner)}{due}{ticket}"
    value = f"{incident_id}:{item.number}"
    buttons = [ButtonElement(text="Mark done", action_id=PostmortemAction.MARK_DONE, value=value)]
    if not item.ticket_key:
        buttons.insert(0, ButtonElement(text="Raise Jira ticket", action_id=PostmortemAction.RAISE_TICKET, value=value))
    return [SectionBlock(text=MarkdownTextObject(text=text)), ActionsBlock(elements=buttons)]


def _buttons(incident_id: str) -> ActionsBlock:
    return ActionsBlock(
        elements=[
            ButtonElement(text="Edit postmortem", action_id=PostmortemAction.EDIT, value=incident_id),
            ButtonElement(text="Add action item", action_id=PostmortemAction.ADD_ACTION, value=incident_id),
        ]
    )


def ask_blocks(incident_id: str, text: str) -> list[Block]:
    """The thread message that opens a postmortem (and the daily reminder): text and the two buttons."""
    return [SectionBlock(text=MarkdownTextObject(text=fit(text, SECTION))), _buttons(incident_id)]


def postmortem_blocks(postmortem: Postmortem, actions: Sequence[ActionItem]) -> list[Block]:
    """The draft in one message: what people wrote shares the message's room, so none of it is refused."""
    lines = [f"• `{line.at:%a %H:%M}` {_timeline_line(line)}" for line in postmortem.timeline]
    ordered = in_priority_order(actions)
    shown = ordered[:MAX_ACTIONS_SHOWN]
    summary_text, impact_text = literal(postmortem.summary), literal(postmortem.impact)
    written = [summary_text, impact_text, "\n".join(lines), *(literal(item.description) for item in shown)]
    most = [(SECTION - _FRAME) // 2] * 2 + [SECTION - _FRAME] * (1 + len(shown))
    budget = MESSAGE_TEXT - 2 * _FRAME - _ACTION_FRAME * len(shown)
    summary, impact, timeline, *rooms = allot([len(text) for text in written], budget, most)
    repair = human_duration(postmortem.time_to_repair.total_seconds() if postmortem.time_to_repair else None)
    resolve = human_duration(postmortem.time_to_resolve.total_seconds() if postmortem.time_to_resolve else None)
    head = (
        f"*Postmortem {postmortem.incident_id}*: {said(postmortem.title, HEADER)} ({postmortem.stage.value})\n"
        f"Time to repair {repair} · time to resolve {resolve}\n*Summary:* {fit(summary_text, summary)}\n"
        f"*Impact:* {fit(impact_text, impact)}"
    )
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=head)),
        SectionBlock(text=MarkdownTextObject(text="*Timeline*\n" + fit_lines(lines, timeline, more="…and {n} more."))),
    ]
    for item, room in zip(shown, rooms, strict=True):
        blocks += _action_blocks(postmortem.incident_id, item, room)
    if len(ordered) > MAX_ACTIONS_SHOWN:
        more = f"…and {len(ordered) - MAX_ACTIONS_SHOWN} more action items (`/postmortem done` works for any)."
        blocks.append(SectionBlock(text=MarkdownTextObject(text=more)))
    blocks.append(_buttons(postmortem.incident_id))
    return blocks


def edit_metadata(incident_id: str, version: int) -> str:
    return json.dumps({"incident_id": incident_id, "version": version})


def read_edit_metadata(private_metadata: str) -> tuple[str, int]:
    meta: dict[str, Any] = json.loads(private_metadata)
    return str(meta["incident_id"]), int(meta["version"])


def edit_modal(postmortem: Postmortem) -> View:
    """The blameless sections, prefilled; the version read now makes saving a conditional write."""
    intro = (
        f"*{postmortem.incident_id}*: {said(postmortem.title, 250)}\n"
        "Blameless: describe the conditions and decisions, not who is to blame. "
        "Slack names and channels are never published."
    )
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=intro))]
    for which in Section:
        field = SectionField.of(which)
        blocks.append(
            InputBlock(
                block_id=field,
                label=which.heading,
                optional=which not in REQUIRED_SECTIONS,
                element=PlainTextInputElement(
                    action_id=field,
                    multiline=True,
                    max_length=MAX_SECTION_CHARS,
                    initial_value=postmortem.section(which)[:MAX_SECTION_CHARS] or None,
                ),
            )
        )
    return View(
        type="modal",
        callback_id=PostmortemCallback.EDIT_MODAL,
        private_metadata=edit_metadata(postmortem.incident_id, postmortem.version),
        title="Edit postmortem",
        submit="Save",
        close="Cancel",
        blocks=blocks,
    )


def action_modal(incident_id: str) -> View:
    priorities = [Option(text=priority.value.title(), value=priority.value) for priority in ActionPriority]
    return View(
        type="modal",
        callback_id=PostmortemCallback.ACTION_MODAL,
        private_metadata=incident_id,
        title="Action item",
        submit="Add",
        close="Cancel",
        blocks=[
            InputBlock(
                block_id=PostmortemField.DESCRIPTION,
                label="What will be done",
                element=PlainTextInputElement(action_id=PostmortemField.DESCRIPTION, multiline=True),
            ),
            InputBlock(
                block_id=PostmortemField.OWNER,
                label="Owner",
                element=UserSelectElement(action_id=PostmortemField.OWNER),
            ),
            InputBlock(
                block_id=PostmortemField.PRIORITY,
                label="Priority",
                element=StaticSelectElement(
                    action_id=PostmortemField.PRIORITY, options=priorities, initial_option=priorities[1]
                ),
            ),
            InputBlock(
                block_id=PostmortemField.DUE,
                label="Due",
                optional=True,
                element=DatePickerElement(action_id=PostmortemField.DUE),
            ),
        ],
    )
