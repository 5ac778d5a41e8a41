"""How incidents look in Slack: the announcement, the modals, the help."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

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
    StaticSelectElement,
)
from slack_sdk.models.views import View

from opsdesk.domain.incidents import HIGH_PRIORITY_CRITERIA, Incident, Priority, TimelineEntry
from opsdesk.slack.fit import (
    FIELD,
    HEADER,
    OPTION_TEXT,
    OPTIONS,
    PLAIN_MESSAGE,
    SECTION,
    fit,
    fit_lines,
    fit_serialised,
    share,
)
from opsdesk.slack.ids import Action, Callback, Field
from opsdesk.slack.views.alarm import alarm_text
from opsdesk.slack.views.mrkdwn import channel, literal, mention, said

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

PRIORITY_LABEL = {Priority.HIGH: ":red_circle: High", Priority.NORMAL: ":large_yellow_circle: Normal"}
TITLE_IN_TEXT = 300  # a title quoted in a line of text (lists, notifications, DMs)
DETAIL_IN_TEXT = 1000  # the latest update or resolution quoted in a summary
SNIPPET = 2000  # a timeline entry quotes a message, not a novel; a modal's private_metadata holds 3,000

# Literal: Slack reads &, < and > as control characters in mrkdwn, so a placeholder like <title> is sent as entities
# (https://api.slack.com/reference/surfaces/formatting#escaping).
HELP = literal("""*`/incident` commands*
• `/incident declare <title>` declare now at normal priority; `/incident declare` alone opens a form
• `/incident declare high: <title>` (or `high <title>`, `[high] <title>`) declare at high priority; only the \
start says a priority, so "Disk usage high" is a title
• `/incident lead [INC-ID] [@user]` take the lead (default: you)
• `/incident comms [INC-ID] [@user]` take or give the comms role
• `/incident update [INC-ID] <text>` post an update to the thread, the channel and leadership
• `/incident priority [INC-ID] high|normal` change the priority
• `/incident status [INC-ID]`, `/incident list`, `/incident timeline [INC-ID]`
• `/incident resolve [INC-ID] [summary] [service: <name>]` (the service is required when the incident has none), \
`/incident reopen [INC-ID]`
• `/incident page [INC-ID]` page the on-call engineer (when paging is on)
• `/incident public [INC-ID] <title the public sees>` show it on the status page (`off` takes it off); \
`/incident public-update [INC-ID] <text>` an update for the public, apart from the internal ones
When only one incident is open, the id can be left out. The support team makes every change; the lead and comms \
they choose may be anyone, and anyone can read (`status`, `list`, `timeline`) and write in an incident's thread.""")


def when(moment: datetime | None) -> str:
    """Render a time with Slack's date formatting, so each reader sees their own zone."""
    if moment is None:
        return "—"
    epoch = int(moment.timestamp())
    return f"<!date^{epoch}^{{date_short_pretty}} {{time}}|{moment:%Y-%m-%d %H:%M} UTC>"


def _person(user: str | None) -> str:
    return mention(user) if user else "_nobody yet_"


def announcement_text(incident: Incident) -> str:
    state = "RESOLVED" if not incident.is_open else incident.priority.value.upper()
    return f"[{state}] {incident.id}: {said(incident.title, TITLE_IN_TEXT)}"


def announcement_blocks(incident: Incident, status_url: str = "") -> list[Block]:
    """The ops-channel message that always shows the incident's current truth."""
    status = ":white_check_mark: Resolved" if not incident.is_open else ":rotating_light: Open"
    fields = [
        f"*Status*\n{status}",
        f"*Priority*\n{PRIORITY_LABEL[incident.priority]}",
        f"*Lead*\n{_person(incident.lead)}",
        f"*Comms*\n{_person(incident.comms)}",
        f"*Declared by*\n{_person(incident.declared_by)}",
        f"*Last update*\n{when(incident.last_update_at)}",
    ]
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=fit(f"{incident.id}: {incident.title}", HEADER))),
        SectionBlock(fields=[MarkdownTextObject(text=fit(field, FIELD)) for field in fields]),
    ]
    details = _details(incident)
    if details:
        blocks.append(SectionBlock(text=MarkdownTextObject(text="\n".join(details))))
    blocks.append(_actions(incident))
    footer = f"Declared {when(incident.declared_at)}"
    if incident.resolved_at:
        footer += f" · resolved {when(incident.resolved_at)}"
    if status_url:
        footer += f" · <{status_url}|status page>"
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=footer)]))
    return blocks


def _details(incident: Incident) -> list[str]:
    """What people wrote about the incident, sharing one section's room (the labels always show)."""
    labelled = []
    if incident.service:
        labelled.append(("*Service:* ", literal(incident.service)))
    if incident.user_impact:
        labelled.append(("*What users see:* ", literal(incident.user_impact)))
    if incident.last_update_text:
        labelled.append(("*Latest:* ", literal(incident.last_update_text)))
    if incident.alarm:
        labelled.append(("", _alarm_text(incident)))
    if not incident.is_open:
        labelled.append(("*Resolution:* ", literal(incident.resolution) or "_no summary given_"))
    room = SECTION - sum(len(label) + 1 for label, _ in labelled)
    texts = share([text for _, text in labelled], room)
    return [label + text for (label, _), text in zip(labelled, texts, strict=True)]


def _alarm_text(incident: Incident) -> str:
    assert incident.alarm is not None
    return alarm_text(incident.alarm)


def _actions(incident: Incident) -> ActionsBlock:
    if not incident.is_open:
        return ActionsBlock(
            block_id=f"incident_actions:{incident.id}",
            elements=[ButtonElement(text="Reopen", action_id=Action.REOPEN, value=incident.id)],
        )
    other = Priority.NORMAL if incident.is_high else Priority.HIGH
    return ActionsBlock(
        block_id=f"incident_actions:{incident.id}",
        elements=[
            ButtonElement(text="Take lead", action_id=Action.TAKE_LEAD, value=incident.id, style="primary"),
            ButtonElement(text="Post update", action_id=Action.POST_UPDATE, value=incident.id),
            ButtonElement(
                text=f"Make {other.value} priority", action_id=Action.CHANGE_PRIORITY, value=f"{incident.id}:{other}"
            ),
            ButtonElement(text="Status page", action_id=Action.STATUS_PAGE, value=incident.id),
            ButtonElement(text="Resolve", action_id=Action.RESOLVE, value=incident.id, style="danger"),
        ],
    )


def _input(field: Field, label: str, *, multiline: bool = False, optional: bool = False, hint: str = "") -> InputBlock:
    return InputBlock(
        block_id=field,
        label=label,
        optional=optional,
        hint=hint or None,
        element=PlainTextInputElement(action_id=field, multiline=multiline, max_length=2000),
    )


def declare_modal(title: str = "", private_metadata: str = "") -> View:
    """The form behind `/incident declare`, showing the high-priority rule."""
    criteria = "\n".join(f"• {line}" for line in HIGH_PRIORITY_CRITERIA)
    high = Option(value=Priority.HIGH, text="High: it meets one of the criteria above")
    normal = Option(value=Priority.NORMAL, text="Normal")
    title_input = _input(Field.TITLE, "What is happening?")
    if title.strip():
        title_input.element.initial_value = fit(title, HEADER)  # type: ignore[union-attr]
    return View(
        type="modal",
        callback_id=Callback.DECLARE,
        private_metadata=private_metadata,
        title="Declare an incident",
        submit="Declare",
        close="Cancel",
        blocks=[
            title_input,
            SectionBlock(text=MarkdownTextObject(text=f"*High priority when it is a:*\n{criteria}")),
            InputBlock(
                block_id=Field.PRIORITY,
                label="Priority",
                element=StaticSelectElement(action_id=Field.PRIORITY, options=[high, normal], initial_option=normal),
            ),
            _input(Field.SERVICE, "Service affected", optional=True),
            _input(Field.USER_IMPACT, "What do users see?", multiline=True, optional=True),
        ],
    )


def update_modal(incident_id: str) -> View:
    """Built from the button's value alone, so opening it costs no read on the 3-second path."""
    return View(
        type="modal",
        callback_id=Callback.UPDATE,
        private_metadata=incident_id,
        title="Post an update",
        submit="Post",
        close="Cancel",
        blocks=[
            SectionBlock(text=MarkdownTextObject(text=f"*{incident_id}*")),
            _input(
                Field.UPDATE_TEXT,
                "Update",
                multiline=True,
                hint="Goes to the incident thread, the channel and the leadership contacts.",
            ),
        ],
    )


def resolve_modal(incident_id: str, service: str = "") -> View:
    """What fixed it, and the service affected: required when the incident has none (availability is per service)."""
    service_input = InputBlock(
        block_id=Field.SERVICE,
        label="Service affected",
        optional=bool(service),
        hint="Availability is counted per service." if not service else None,
        element=PlainTextInputElement(action_id=Field.SERVICE, max_length=100, initial_value=service or None),
    )
    return View(
        type="modal",
        callback_id=Callback.RESOLVE,
        private_metadata=incident_id,
        title="Resolve incident",
        submit="Resolve",
        close="Cancel",
        blocks=[
            SectionBlock(text=MarkdownTextObject(text=f"*{incident_id}*")),
            _input(Field.SUMMARY, "What fixed it?", multiline=True),
            service_input,
        ],
    )


def help_blocks(note: str = "") -> list[Block]:
    blocks: list[Block] = []
    if note:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=note)))
    blocks.append(SectionBlock(text=MarkdownTextObject(text=HELP)))
    return blocks


def incident_summary(incident: Incident) -> str:
    lines = [
        f"*{incident.id}: {said(incident.title, TITLE_IN_TEXT)}*",
        f"{PRIORITY_LABEL[incident.priority]} · {'open' if incident.is_open else 'resolved'}"
        f" · lead {_person(incident.lead)} · comms {_person(incident.comms)}",
    ]
    if incident.last_update_text:
        lines.append(f"Latest: {said(incident.last_update_text, DETAIL_IN_TEXT)}")
    if incident.resolution:
        lines.append(f"Resolution: {said(incident.resolution, DETAIL_IN_TEXT)}")
    return "\n".join(lines)


def incident_list(incidents: Sequence[Incident]) -> str:
    """`/incident list`: whole summaries within one message, and how many more are open."""
    if not incidents:
        return "No incidents are open. :sunny:"
    summaries = [incident_summary(incident) for incident in incidents]
    return fit_lines(summaries, PLAIN_MESSAGE, separator="\n\n", more="…and {n} more: `/incident status &lt;id&gt;`.")


def entry_line(incident: Incident, entry: TimelineEntry) -> str:
    """A timeline entry as Slack shows it to anyone: a message quoted from another channel only named, not quoted."""
    home = incident.announcement.channel if incident.announcement else None
    quoted = entry.quoted_message
    if quoted is not None and entry.quoted_elsewhere(home):
        return f"{mention(entry.actor or '')} added a message from {channel(quoted[0])} (not quoted here)"
    return entry.describe(mention, literal)


def timeline_text(incident: Incident, entries: Sequence[TimelineEntry]) -> str:
    head = f"*Timeline of {incident.id}: {said(incident.title, TITLE_IN_TEXT)}*"
    lines = [f"• {when(entry.at)} {entry_line(incident, entry)}" for entry in entries]
    return fit_lines([head, *lines], PLAIN_MESSAGE, line_limit=DETAIL_IN_TEXT, more="…and {n} more entries.")


def as_dicts(blocks: Sequence[Block]) -> list[dict[str, Any]]:
    return [block.to_dict() for block in blocks]


def timeline_picker(incidents: list[Incident], channel: str, message: dict[str, Any]) -> View:
    """Which open incident a message from elsewhere goes on; the message rides along in private_metadata."""
    options = [Option(value=item.id, text=fit(f"{item.id}: {item.title}", OPTION_TEXT)) for item in incidents[:OPTIONS]]
    kept = {key: message.get(key) for key in ("ts", "thread_ts", "user", "bot_id")}

    def metadata(text: str) -> str:
        return json.dumps({"channel": channel, "message": {**kept, "text": text}})

    return View(
        type="modal",
        callback_id=Callback.TIMELINE_PICK,
        # The quoted message rides along in private_metadata, which holds 3,000 characters once escaped.
        private_metadata=fit_serialised(metadata, str(message.get("text") or "")[:SNIPPET]),
        title="Add to incident timeline",
        submit="Add",
        close="Cancel",
        blocks=[
            InputBlock(
                block_id=Field.INCIDENT,
                label="Which incident?",
                element=StaticSelectElement(action_id=Field.INCIDENT, options=options),
            )
        ],
    )
