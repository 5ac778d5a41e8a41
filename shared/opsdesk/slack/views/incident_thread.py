"""Messages with buttons in an incident's thread: the hourly check-in and the offer to resolve on recovery."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, MarkdownTextObject, SectionBlock

from opsdesk.slack.ids import Action

if TYPE_CHECKING:
    from opsdesk.domain.incidents import Incident

CHECKIN_QUESTIONS = (
    "*Hourly check-in.* Two questions for the team:\n"
    "1. Do we need more people or skills on this?\n"
    "2. Are external comms current (ops channel, leadership)?"
)


def checkin_blocks(incident: Incident) -> list[Block]:
    return [
        SectionBlock(text=MarkdownTextObject(text=CHECKIN_QUESTIONS)),
        ActionsBlock(
            block_id=f"checkin:{incident.id}",
            elements=[
                ButtonElement(text="We need more people", action_id=Action.CHECKIN_MORE_PEOPLE, value=incident.id),
                ButtonElement(text="Team is enough", action_id=Action.CHECKIN_ALL_GOOD, value=incident.id),
                ButtonElement(text="Comms are current", action_id=Action.CHECKIN_COMMS_CURRENT, value=incident.id),
                ButtonElement(text="Post update", action_id=Action.POST_UPDATE, value=incident.id),
            ],
        ),
    ]


def recovered_text(incident: Incident) -> str:
    return f"Recovered: resolve {incident.id}?"


def recovered_blocks(incident: Incident, alarm_name: str) -> list[Block]:
    text = (
        f":large_green_circle: *Recovered:* alarm *{alarm_name}* is OK again. Resolve {incident.id}?\n"
        "The incident stays open until someone on the support team resolves it."
    )
    return [
        SectionBlock(text=MarkdownTextObject(text=text)),
        ActionsBlock(
            block_id=f"recovered:{incident.id}",
            elements=[
                ButtonElement(text="Resolve", action_id=Action.RECOVERED_RESOLVE, value=incident.id, style="primary"),
            ],
        ),
    ]
