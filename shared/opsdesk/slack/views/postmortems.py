"""Postmortem messages and the action-item modal (Block Kit models, not hand-built dicts)."""

from __future__ import annotations

from typing import TYPE_CHECKING

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

from opsdesk.domain.postmortems import ActionPriority, in_priority_order
from opsdesk.domain.stats import human_duration
from opsdesk.slack.postmortem_ids import PostmortemAction, PostmortemCallback, PostmortemField

if TYPE_CHECKING:
    from collections.abc import Sequence

    from slack_sdk.models.blocks import Block

    from opsdesk.domain.postmortems import ActionItem, Postmortem

HELP = """*`/postmortem` commands*
• `/postmortem show INC-7K3QF`: the draft, its timeline and its actions
• `/postmortem held INC-7K3QF`: the group session was held (stops the daily reminder)
• `/postmortem action INC-7K3QF high @owner Add a disk-space alarm [due 2026-12-11]` (or no text for a form)
• `/postmortem publish INC-7K3QF`: publish the page (no Slack ids) and to Confluence when configured
*`/ops stats [week|month|quarter]`*: the numbers, just for you"""


def postmortem_blocks(postmortem: Postmortem, actions: Sequence[ActionItem]) -> list[Block]:
    timeline = "\n".join(f"• `{line.at:%a %H:%M}` {line.text}" for line in postmortem.timeline[:40])
    repair = human_duration(postmortem.time_to_repair.total_seconds() if postmortem.time_to_repair else None)
    resolve = human_duration(postmortem.time_to_resolve.total_seconds() if postmortem.time_to_resolve else None)
    head = (
        f"*Postmortem {postmortem.incident_id}*: {postmortem.title} ({postmortem.stage.value})\n"
        f"Time to repair {repair} · time to resolve {resolve}\n*Summary:* {postmortem.summary}\n"
        f"*Impact:* {postmortem.impact}"
    )
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=head[:2900])),
        SectionBlock(text=MarkdownTextObject(text=f"*Timeline*\n{timeline}"[:2900])),
    ]
    for item in in_priority_order(actions):
        due = f" · due {item.due}" if item.due else ""
        text = f"*{item.number}.* [{item.priority.value}] {item.description} · <@{item.owner}>{due}"
        if item.ticket_key:
            blocks.append(SectionBlock(text=MarkdownTextObject(text=f"{text} · {item.ticket_key}")))
            continue
        button = ButtonElement(
            text="Raise Jira ticket",
            action_id=PostmortemAction.RAISE_TICKET,
            value=f"{postmortem.incident_id}:{item.number}",
        )
        blocks.append(SectionBlock(text=MarkdownTextObject(text=text), accessory=button))
    blocks.append(
        ActionsBlock(
            elements=[
                ButtonElement(
                    text="Add action item", action_id=PostmortemAction.ADD_ACTION, value=postmortem.incident_id
                )
            ]
        )
    )
    return blocks


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
