"""Taking over an incident's lead: the question asked first, and what the thread and the previous lead are told."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, MarkdownTextObject, SectionBlock

from opsdesk.slack.ids import Action
from opsdesk.slack.views.mrkdwn import mention

if TYPE_CHECKING:
    from opsdesk.domain.incidents import Incident


def takeover_value(incident_id: str, lead: str, replacing: str) -> str:
    """The Confirm button's value: the incident, who becomes lead, and the lead they replace."""
    return f"{incident_id}:{lead}:{replacing}"


def read_takeover_value(value: str) -> tuple[str, str, str]:
    incident_id, lead, replacing = [*value.split(":"), "", ""][:3]
    return incident_id, lead, replacing


def takeover_question(incident_id: str, current: str, lead: str, asker: str) -> str:
    who = "you" if lead == asker else mention(lead)
    return (
        f"{mention(current)} is already leading {incident_id}. Make {who} the lead instead? "
        f"{mention(current)} and the incident's thread will be told."
    )


def takeover_blocks(incident_id: str, current: str, lead: str, asker: str) -> list[Block]:
    """An ephemeral question with Confirm and Cancel: nobody's lead is replaced by a slip of the hand."""
    return [
        SectionBlock(text=MarkdownTextObject(text=takeover_question(incident_id, current, lead, asker))),
        ActionsBlock(
            block_id=f"takeover:{incident_id}",
            elements=[
                ButtonElement(
                    text="Take over the lead",
                    action_id=Action.CONFIRM_TAKEOVER,
                    value=takeover_value(incident_id, lead, current),
                    style="primary",
                ),
                ButtonElement(text="Cancel", action_id=Action.CANCEL_TAKEOVER, value=incident_id),
            ],
        ),
    ]


def taken_over_text(incident: Incident, lead: str, previous: str, by: str) -> str:
    """The thread's line: who leads now, whom they took over from, and who made the change."""
    asked = f" (set by {mention(by)})" if by != lead else ""
    return f":technologist: {mention(lead)} has taken over the lead from {mention(previous)}{asked}."


def taken_over_dm(incident: Incident, lead: str, by: str) -> str:
    """What the previous lead is told, directly."""
    asked = f", as {mention(by)} asked" if by != lead else ""
    return (
        f"{mention(lead)} has taken over the lead of {incident.id} from you{asked}. "
        "Thank you: you can hand over what you know in the incident's thread."
    )
