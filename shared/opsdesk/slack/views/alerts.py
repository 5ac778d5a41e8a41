"""How alerts look in the support team's channel: the group's message, its thread lines, the two modals."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from opsdesk.domain.alerts import AlertGroup, AlertNote, AlertStatus, NoteKind
from opsdesk.domain.incidents import Priority
from opsdesk.slack.fit import HEADER, SECTION, fit, fit_lines
from opsdesk.slack.ids import Action, Callback, Field
from opsdesk.slack.views.alarm import alarm_text, console_url
from opsdesk.slack.views.incidents import PRIORITY_LABEL, declare_modal, when
from opsdesk.slack.views.mrkdwn import link, literal, mention, said

if TYPE_CHECKING:
    from opsdesk.domain.alerts import AlertAlarm

SHOWN_ALARMS = 10  # the rest are counted; each has its line in the thread
SERVICE_IN_VALUE = 200
STATUS = {
    AlertStatus.OPEN: ":bell: Waiting for the support team",
    AlertStatus.DECLARED: ":rotating_light: Declared",
    AlertStatus.DISMISSED: ":white_check_mark: Not an incident",
    AlertStatus.RECOVERED: ":large_green_circle: Recovered on its own",
}


def alert_text(group: AlertGroup) -> str:
    firing = len(group.firing)
    return f"[ALERT {group.status.value.upper()}] {group.id}: {said(group.suggested_title, 300)} ({firing} firing)"


def alert_blocks(group: AlertGroup) -> list[Block]:
    """The team-channel message that always shows the group's current truth."""
    alarms = len(group.alarms)
    counts = f"{alarms} alarm{'s' if alarms != 1 else ''}, {len(group.firing)} firing, raised {group.raised}x"
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=fit(f"{group.id}: {group.title}", HEADER))),
        SectionBlock(
            text=MarkdownTextObject(text=fit(f"*{STATUS[group.status]}* · {counts}\n{_decision(group)}", SECTION))
        ),
        SectionBlock(text=MarkdownTextObject(text=_alarms_text(group))),
        SectionBlock(text=MarkdownTextObject(text=fit(_suggestion(group), SECTION))),
    ]
    if group.status in (AlertStatus.OPEN, AlertStatus.RECOVERED, AlertStatus.DISMISSED):
        blocks.append(_actions(group))
    footer = f"First alarm {when(group.opened_at)} · last {when(group.last_alert_at)}"
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=footer)]))
    return blocks


def _decision(group: AlertGroup) -> str:
    if group.status is AlertStatus.DECLARED and group.incident_id:
        by = f" by {mention(group.decided_by)}" if group.decided_by else ""
        return f"Became *{group.incident_id}*{by}."
    if group.status is AlertStatus.DISMISSED:
        why = f": {literal(group.reason)}" if group.reason else ""
        return f"Closed by {mention(group.decided_by or 'someone')}{why}"
    if group.status is AlertStatus.RECOVERED:
        return f"Every alarm was OK again by {when(group.closed_at)}; kept for the numbers."
    return "Declare an incident if people are affected, or say it is not one."


def _alarms_text(group: AlertGroup) -> str:
    shown = group.alarms[:SHOWN_ALARMS]
    if len(shown) == 1:
        return fit(alarm_text(shown[0].info()), SECTION)
    lines = [_alarm_line(alarm) for alarm in shown]
    hidden = len(group.alarms) - len(shown)
    if hidden:
        lines.append(f"…and {hidden} more alarms, each in the thread")
    return fit_lines(lines, SECTION, line_limit=400)


def _alarm_line(alarm: AlertAlarm) -> str:
    metric = f" · {literal(alarm.metric)} (threshold {literal(alarm.threshold)})" if alarm.metric else ""
    runbook = f" · {link(alarm.runbook_url, 'runbook')}" if alarm.runbook_url else ""
    return f"• {link(console_url(alarm.info()), alarm.name)} is {literal(alarm.state)}{metric}{runbook}"


def _suggestion(group: AlertGroup) -> str:
    service = literal(group.service) if group.service else "_not routed_"
    return f"*Suggested:* service {service} · {PRIORITY_LABEL[group.priority]} priority"


def declare_value(group: AlertGroup) -> str:
    """What the Declare button carries, so the modal opens prefilled with no read on the 3-second path."""
    return json.dumps(
        {
            "g": group.id,
            "t": fit(group.suggested_title, HEADER),
            "s": fit(group.service, SERVICE_IN_VALUE, empty=""),
            "p": group.priority.value,
        }
    )


def _actions(group: AlertGroup) -> ActionsBlock:
    elements = [
        ButtonElement(
            text="Declare incident", action_id=Action.ALERT_DECLARE, value=declare_value(group), style="primary"
        )
    ]
    if group.is_open:
        elements.append(ButtonElement(text="Not an incident", action_id=Action.ALERT_DISMISS, value=group.id))
    return ActionsBlock(block_id=f"alert_actions:{group.id}", elements=elements)


def note_text(note: AlertNote) -> str:
    """One line of the group's thread."""
    reason = f": {said(note.reason, 500)}" if note.reason else ""
    alarm = literal(note.alarm)
    counts = f" ({note.firing} of {note.alarms} firing)"
    texts = {
        NoteKind.JOINED: f":bell: *{alarm}* fired{reason}{counts}",
        NoteKind.FIRED_AGAIN: f":bell: *{alarm}* fired again{reason}{counts}",
        NoteKind.ALARM_OK: f":large_green_circle: *{alarm}* is OK{reason}{counts}",
        NoteKind.NO_DATA: f":grey_question: *{alarm}* has insufficient data{reason}{counts}",
        NoteKind.RECOVERED: ":large_green_circle: Every alarm is OK again: closed as recovered on its own.",
        NoteKind.DECLARED: f":rotating_light: {mention(note.actor or 'someone')} declared *{note.incident_id}*.",
        NoteKind.DISMISSED: f":white_check_mark: {mention(note.actor or 'someone')} closed it: not an incident"
        + (f" ({said(note.text, 500)})" if note.text else "."),
        NoteKind.PAGED: ":pager: Out of hours: paged the on-call engineer in PagerDuty.",
        NoteKind.PAGE_FAILED: f":warning: Could not page PagerDuty ({said(note.text, 500)}). "
        "Call the on-call engineer.",
        NoteKind.PAGE_RESOLVED: ":pager: The page is resolved in PagerDuty.",
    }
    text = texts[note.kind]
    return f"{text} Reopened." if note.reopened else text


def declare_from_alert_modal(button_value: str) -> View:
    """The declare form, prefilled from the alert's button; the group's id rides in private_metadata."""
    values = json.loads(button_value)
    view = declare_modal(title=str(values.get("t", "")), private_metadata=str(values["g"]))
    view.callback_id = Callback.ALERT_DECLARE
    for block in view.blocks or []:
        if not isinstance(block, InputBlock):
            continue
        if block.block_id == Field.SERVICE and values.get("s"):
            block.element.initial_value = str(values["s"])  # type: ignore[union-attr]
        if block.block_id == Field.PRIORITY and values.get("p") == Priority.HIGH:
            high = next(option for option in block.element.options if option.value == Priority.HIGH)  # type: ignore[union-attr]
            block.element.initial_option = Option(value=high.value, text=high.text)  # type: ignore[union-attr]
    return view


def dismiss_modal(group_id: str) -> View:
    return View(
        type="modal",
        callback_id=Callback.ALERT_DISMISS,
        private_metadata=group_id,
        title="Not an incident",
        submit="Close the alert",
        close="Cancel",
        blocks=[
            SectionBlock(text=MarkdownTextObject(text=f"*{group_id}* will be closed, with your name and reason.")),
            InputBlock(
                block_id=Field.DISMISS_REASON,
                label="Why is it not an incident?",
                element=PlainTextInputElement(action_id=Field.DISMISS_REASON, multiline=True, max_length=500),
            ),
        ],
    )
