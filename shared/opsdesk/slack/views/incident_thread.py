"""Messages in an incident's thread: what was recorded, the resolution, the hourly check-in, the offer to resolve."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, MarkdownTextObject, SectionBlock

from opsdesk.domain.incidents import EntryKind
from opsdesk.domain.stats import human_duration
from opsdesk.slack.fit import PLAIN_MESSAGE, SECTION, fit
from opsdesk.slack.ids import Action
from opsdesk.slack.views.incidents import DETAIL_IN_TEXT, TITLE_IN_TEXT
from opsdesk.slack.views.mrkdwn import link, literal, mention, said

if TYPE_CHECKING:
    from datetime import timedelta

    from opsdesk.domain.incidents import Incident, TimelineEntry

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
        f":large_green_circle: *Recovered:* alarm *{said(alarm_name, TITLE_IN_TEXT)}* is OK again. "
        f"Resolve {incident.id}?\n"
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


def recorded_text(entry: TimelineEntry) -> str:
    """What the thread is told when an entry is recorded: the change, in the thread's words."""
    subject = mention(entry.subject or "")
    described = entry.describe(mention, literal)
    sentences: dict[EntryKind, str] = {
        EntryKind.LEAD: f":technologist: {subject} is leading this incident.",
        EntryKind.COMMS: f":mega: {subject} is handling comms for this incident.",
        EntryKind.PRIORITY: f":arrows_counterclockwise: Priority is now *{entry.priority}*.",
        EntryKind.REOPENED: f":rotating_light: Reopened by {mention(entry.actor or '')}.",
        EntryKind.ALARM: f":rotating_light: {literal(entry.text)}",
        EntryKind.PAGE: f":pager: {described}.",
        EntryKind.CHECKIN_ANSWER: f":ballot_box_with_check: {described}.",
    }
    return fit(sentences.get(entry.kind) or f":memo: Added to the timeline: {described}", PLAIN_MESSAGE)


def quoted_elsewhere_text(entry: TimelineEntry, permalink: str) -> str:
    """A message added from another channel: the thread gets a link to it (readable by its members), not its words."""
    where = link(permalink, "a message from another channel") if permalink else "a message from another channel"
    return f":memo: {mention(entry.actor or '')} added {where} to the timeline."


def resolution_text(incident: Incident) -> str:
    thanks = ", ".join(mention(person) for person in sorted(incident.participants) if person.startswith(("U", "W")))
    elapsed = incident.time_to_resolve()
    took = human_duration(elapsed.total_seconds() if elapsed else None)
    # Also sent to the channel: it names the incident for those who never opened the thread.
    lines = [f":white_check_mark: *Resolved* {incident.id} ({said(incident.title, TITLE_IN_TEXT)}) after {took}."]
    if incident.resolution:
        lines.append(f"Summary: {said(incident.resolution, SECTION)}")
    if thanks:
        lines.append(f"Thank you {thanks}.")
    if incident.postmortem_due:
        lines.append("This was high priority, so a blameless postmortem is due: the lead will be asked to schedule it.")
    return "\n".join(lines)


def update_text(incident: Incident, entry: TimelineEntry) -> str:
    """An update as the thread and the channel read it: also sent to the channel, so it names the incident."""
    return fit(
        f":loudspeaker: *Update* on {incident.id} from {mention(entry.actor or '')}: {literal(entry.text)}",
        PLAIN_MESSAGE,
    )


def update_overdue_text(incident: Incident, person: str | None, silent: timedelta) -> str:
    who = mention(person) if person else "Nobody is on comms yet (`/incident comms`), so: support team"
    return (
        f":bell: {who}, no update has gone out on {incident.id} for {human_duration(silent.total_seconds())}. "
        "People in the channel are waiting: please post one (`Post update`, or "
        f"`/incident update {incident.id} …`), even if it is only that work goes on."
    )


def call_for_help_text(incident: Incident, asked_by: str) -> str:
    return (
        f":sos: *{incident.id}* needs more people or skills: {said(incident.title, TITLE_IN_TEXT)}. "
        f"Can you help? Reply here or ask {mention(incident.lead or asked_by)}."
    )


def paging_failed_text(reason: str) -> str:
    return f":warning: Paging failed: {said(reason, DETAIL_IN_TEXT)} Please phone the on-call engineer."
