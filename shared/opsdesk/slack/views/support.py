"""How support requests look in Slack: the thread panel, the nudge, the rating, the board triage."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from opsdesk.domain.requests import RATINGS, Stage, SupportRequest
from opsdesk.slack.fit import PLAIN_MESSAGE, SECTION, fit, fit_lines
from opsdesk.slack.support_ids import SupportAction, SupportCallback, SupportField
from opsdesk.slack.views.mrkdwn import link, literal, mention, said

if TYPE_CHECKING:
    from collections.abc import Sequence

    from opsdesk.domain.ports import AfterHours
    from opsdesk.domain.rota import OnDuty
    from opsdesk.domain.tickets import Ticket

RECEIVED_REACTION = "inbox_tray"
TAKE_REACTION = "eyes"
DM_POINTER = (
    "Hello! :wave: Please ask in <#{channel}> instead: the whole support team sees it there, "
    "and the answer helps the next person with the same question."
)
# Literal: Slack reads &, < and > as control characters in mrkdwn, so a placeholder like <title> is sent as entities
# (https://api.slack.com/reference/surfaces/formatting#escaping).
HELP = literal("""*`/support` commands*
• `/support <what you need>` raise a support request in the ops channel
• `/support list` the open requests
• `/support ticket REQ-ID` raise a Jira ticket for a request
• `/support notrequest REQ-ID` close it as not a request (no rating, not counted; support team)
In the ops channel, a new message is a request: react :eyes: or press *Take it* to work on it.
The support team's own messages are not requests: to track one, use the message's *Track as request* shortcut.""")
STAGE_EMOJI = {Stage.TODO: ":inbox_tray:", Stage.IN_PROGRESS: ":hammer_and_wrench:", Stage.DONE: ":white_check_mark:"}


def stage_line(request: SupportRequest) -> str:
    """The request in one line: its stage, who has it, its incident and ticket."""
    if request.not_a_request_by:
        return f":heavy_minus_sign: *{request.id}* · Not a request (closed by {mention(request.not_a_request_by)})"
    who = f" · {mention(request.assignee)}" if request.assignee else ""
    line = f"{STAGE_EMOJI[request.stage]} *{request.id}* · {request.stage.label}{who}"
    if request.incident_id:
        line += f" · incident *{request.incident_id}*"
    if request.ticket_url:
        line += f" · {link(request.ticket_url, request.ticket_key or 'ticket')}"
    return line


def panel_text(request: SupportRequest, notice: str = "") -> str:
    line = stage_line(request)
    if request.resolution and not request.not_a_request:
        line += f"\nResolution: {literal(request.resolution)}"
    return f"{notice}\n{line}".strip()


def panel_blocks(request: SupportRequest, notice: str = "") -> list[Block]:
    """The one message in the thread that shows the request's stage and its buttons."""
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=fit(panel_text(request, notice), SECTION)))]
    buttons = []
    if request.stage is Stage.TODO:
        buttons.append(ButtonElement(text="Take it", action_id=SupportAction.TAKE, value=request.id, style="primary"))
    if request.stage is not Stage.DONE:
        buttons.append(ButtonElement(text="Done", action_id=SupportAction.DONE, value=request.id))
    if not request.ticket_key and request.stage is not Stage.DONE:
        buttons.append(ButtonElement(text="Raise Jira ticket", action_id=SupportAction.RAISE_TICKET, value=request.id))
    if request.stage is not Stage.DONE and not request.incident_id:
        buttons.append(ButtonElement(text="Not a request", action_id=SupportAction.NOT_A_REQUEST, value=request.id))
    if buttons:
        blocks.append(ActionsBlock(block_id=f"support:{request.id}", elements=buttons))
    return blocks


def deleted_text(request: SupportRequest) -> str:
    """What the thread is told when the message that opened the request is deleted."""
    if request.withdrawn:
        return (
            f":wastebasket: {mention(request.requester)}'s message was deleted, so {request.id} is withdrawn. "
            "Nothing to do."
        )
    who = mention(request.assignee) if request.assignee else "the support team"
    return (
        f":wastebasket: {mention(request.requester)}'s message was deleted. {request.id} stays open with {who}: "
        "press *Done* when it is finished."
    )


# When the paging trial pages the on-call engineer, by PAGING_OUT_OF_HOURS (flows/paging.py's `out_of_hours`).
PAGED_WHEN = {"weekends": "at weekends", "weeknights": "at weekends, on weeknights and on bank holidays"}


def out_of_hours_notice(after_hours: AfterHours, paging: str) -> str:
    """The out-of-hours reply: when support resumes and, with the paging trial on, when someone is paged."""
    text = (
        f"Thanks for your message. :crescent_moon: Support hours are {after_hours.hours}, and support resumes "
        f"{after_hours.resumes}: someone will pick this up then."
    )
    if paging:
        text += (
            " A high-priority problem (a user-facing service down or badly degraded, or a team unable to work) "
            f"pages the on-call engineer {PAGED_WHEN.get(paging, 'out of hours')}."
        )
    return text


def on_duty_notice(on_duty: OnDuty) -> str:
    """Who answers now, mentioned so they see the request: the cover person in their window, else the pair."""
    if on_duty.cover is not None:
        return f"{mention(on_duty.cover.user)} is covering support until {on_duty.cover.ends:%H:%M}."
    if on_duty.engineers:
        return f"On support now: {' and '.join(mention(user) for user in on_duty.engineers)}."
    return ""


def nudge_text(minutes: int) -> str:
    """The triage rule's question, in the minutes the team set (TRIAGE_MINUTES)."""
    return f"This has taken over {minutes} minutes: raise a Jira ticket?"


def nudge_line(request: SupportRequest, minutes: int, on_duty: OnDuty) -> str:
    """The triage rule's question to whoever works the request, and who is on support now (so it reaches a person)."""
    working = f"{mention(request.assignee)}: " if request.assignee else ""
    return " ".join(part for part in (f"{working}{nudge_text(minutes)}", on_duty_notice(on_duty)) if part)


def nudge_blocks(request: SupportRequest, line: str) -> list[Block]:
    return [
        SectionBlock(text=MarkdownTextObject(text=f":stopwatch: {line}")),
        ActionsBlock(
            block_id=f"nudge:{request.id}",
            elements=[
                ButtonElement(
                    text="Raise Jira ticket", action_id=SupportAction.RAISE_TICKET, value=request.id, style="primary"
                )
            ],
        ),
    ]


def rating_blocks(request: SupportRequest) -> list[Block]:
    question = (
        f"{mention(request.requester)}, this request is done. How happy are you with the support? (1 low, 5 high)"
    )
    return [
        SectionBlock(text=MarkdownTextObject(text=question)),
        ActionsBlock(
            block_id=f"rating:{request.id}",
            elements=[
                ButtonElement(text=str(score), action_id=f"{SupportAction.RATE}_{score}", value=f"{request.id}:{score}")
                for score in RATINGS
            ],
        ),
    ]


def done_modal(request_id: str) -> View:
    return View(
        type="modal",
        callback_id=SupportCallback.DONE,
        private_metadata=request_id,
        title="Mark as done",
        submit="Done",
        close="Cancel",
        blocks=[
            SectionBlock(text=MarkdownTextObject(text=f"*{request_id}*")),
            InputBlock(
                block_id=SupportField.RESOLUTION,
                label="What resolved it? (one line)",
                element=PlainTextInputElement(action_id=SupportField.RESOLUTION, max_length=300),
            ),
        ],
    )


def board_issue_blocks(ticket: Ticket, reporter: str, taken_by: str | None = None) -> list[Block]:
    """A ticket raised straight on the board, posted for triage."""
    summary = said(ticket.summary, 1000)
    text = f":clipboard: New on the board: *{link(ticket.url, ticket.key)}* {summary} (raised by {said(reporter, 200)})"
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=fit(text, SECTION)))]
    if taken_by:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=f"Taken by {mention(taken_by)}")]))
        return blocks
    priorities = ("Highest", "High", "Medium", "Low")
    blocks.append(
        ActionsBlock(
            block_id=f"board:{ticket.key}",
            elements=[
                ButtonElement(text="Take it", action_id=SupportAction.BOARD_TAKE, value=ticket.key, style="primary"),
                *(
                    ButtonElement(
                        text=name,
                        action_id=f"{SupportAction.BOARD_PRIORITY}_{name.lower()}",
                        value=f"{ticket.key}:{name}",
                    )
                    for name in priorities
                ),
            ],
        )
    )
    return blocks


def board_issue_taken_blocks(headline: str, taken_by: str) -> list[Block]:
    """The triage post once someone took the issue: what it was, and who has it (no more buttons).

    `headline` is the post's own first section as opsdesk wrote it (board_issue_blocks made its words
    literal then), carried back by Slack in the click: it is kept as it is, not escaped a second time.
    """
    return [
        SectionBlock(text=MarkdownTextObject(text=fit(headline, SECTION))),
        ContextBlock(elements=[MarkdownTextObject(text=f"Taken by {mention(taken_by)}")]),
    ]


def raised_text(requester: str, text: str) -> str:
    """The ops-channel message for a request raised with `/support <text>`."""
    return f"{mention(requester)} asked: {said(text, PLAIN_MESSAGE - 100)}"


def request_line(request: SupportRequest) -> str:
    who = mention(request.assignee) if request.assignee else "_unassigned_"
    return f"• *{request.id}* {request.stage.label} · {who} · {said(request.text, 80)}"


def request_list(requests: Sequence[SupportRequest], limit: int = PLAIN_MESSAGE) -> str:
    """`/support list`: whole lines only, and how many did not fit, within one message's length."""
    if not requests:
        return "No open support requests. :sunny:"
    return fit_lines([request_line(request) for request in requests], limit)


def taken_text(request: SupportRequest) -> str:
    return f":hammer_and_wrench: {mention(request.assignee or '')} is looking at this."


def moved_text(request: SupportRequest, why: str) -> str:
    return f":arrows_counterclockwise: Now *{request.stage.label}* ({said(why, 500)})."


def ticket_raised_text(ticket: Ticket) -> str:
    return f":ticket: Ticket raised: {link(ticket.url, ticket.key)}. Slack stays the conversation."


def work_started_text(request: SupportRequest, ticket: Ticket, engineer: str | None) -> str:
    """What the product manager hears when a request becomes a ticket."""
    starter = f"{mention(engineer)} is" if engineer else "The support team is"
    return f"{starter} starting work on {link(ticket.url, ticket.key)}: {said(ticket.summary, 500)} ({request.id})."


def ticket_pending_text(reason: str) -> str:
    return (
        f":warning: {said(reason, 500)} The request is kept and the ticket is marked pending: "
        "I will file it automatically when Jira answers again."
    )


def ticket_refused_text(request: SupportRequest, reason: str) -> str:
    return (
        f":warning: No Jira ticket for {request.id}: {said(reason, 500)} Nothing will retry this; once it is fixed, "
        f"raise the ticket again (`/support ticket {request.id}`)."
    )


def linked_text(request: SupportRequest) -> str:
    return (
        f":rotating_light: This is now incident *{request.incident_id}*: follow it in its thread in this channel. "
        f"{request.id} is done when the incident is resolved."
    )
