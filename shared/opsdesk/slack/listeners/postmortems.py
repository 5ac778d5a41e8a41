"""`/postmortem` and `/ops stats`: ack within 3 s, the work lazily."""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING

from opsdesk.domain.errors import InvalidRequest, OpsdeskError
from opsdesk.domain.postmortems import ActionPriority, parse_action_priority
from opsdesk.domain.stats import parse_period
from opsdesk.flows.permissions import Permission, refusal
from opsdesk.slack.commands import parse
from opsdesk.slack.failures import open_modal
from opsdesk.slack.listeners.postmortem_interactions import open_edit_modal, page_link
from opsdesk.slack.routing import Listener
from opsdesk.slack.views.incidents import as_dicts
from opsdesk.slack.views.mrkdwn import literal, mention, worded
from opsdesk.slack.views.postmortems import HELP, action_modal, postmortem_blocks
from opsdesk.slack.views.stats import describe

if TYPE_CHECKING:
    from datetime import datetime

    from slack_bolt import Ack, Respond

    from opsdesk.domain.clock import Clock
    from opsdesk.flows.postmortem_actions import PostmortemActions
    from opsdesk.flows.postmortem_publishing import PostmortemPublishing, Published
    from opsdesk.flows.postmortems import PostmortemFlows
    from opsdesk.flows.stats import Stats
    from opsdesk.settings import Settings
    from opsdesk.slack.commands import ParsedCommand
    from opsdesk.slack.payloads import Client, Payload
    from opsdesk.slack.team import SlackTeam

_DUE = re.compile(r"\bdue (\d{4}-\d{2}-\d{2})\b", re.IGNORECASE)
# Answered after the ack; "edit" (and "action" with no text) open a modal on the ack path instead.
_LAZY = {"show", "held", "action", "publish", "done"}


def _required_id(parsed: ParsedCommand) -> str:
    if not parsed.incident_id:
        raise InvalidRequest(f"Say which incident, e.g. `/postmortem {parsed.subcommand} INC-7K3QF`.")
    return parsed.incident_id


def _action_number(rest: str, incident_id: str) -> int:
    words = rest.split()
    if len(words) != 1 or not (words[0].lstrip("#").isascii() and words[0].lstrip("#").isdigit()):
        raise InvalidRequest(f"Say which action, e.g. `/postmortem done {incident_id} 2`.")
    return int(words[0].lstrip("#"))


def _published_text(settings: Settings, incident_id: str, result: Published) -> str:
    link = page_link(settings, incident_id)
    text = f"Published {incident_id}: {link} (Markdown: {link}.md)."
    if result.confluence_url:
        text += f" Confluence: {result.confluence_url}"
    elif result.confluence_error:
        text += (
            f"\n:warning: Confluence was not updated: {literal(result.confluence_error)} "
            f"The page above is published; run `/postmortem publish {incident_id}` again to retry Confluence."
        )
    still = result.postmortem.to_write()
    if still:
        sections = ", ".join(which.heading.lower() for which in still)
        text += f"\nStill to write: {sections} (`/postmortem edit {incident_id}`)."
    return text


def ack_postmortem_command(
    ack: Ack, command: Payload, client: Client, *, team: SlackTeam, postmortems: PostmortemFlows
) -> None:
    parsed = parse(command.get("text", ""))
    if parsed.subcommand == "action" and parsed.incident_id and not parsed.rest:
        if team.known_outsider(command["user_id"]):  # the save checks it anyway
            ack(text=refusal(Permission.POSTMORTEM))
            return
        open_modal(client, ack, command, action_modal(parsed.incident_id))
    elif parsed.subcommand == "edit":
        if not parsed.incident_id:
            ack(text="Say which incident, e.g. `/postmortem edit INC-7K3QF`.")
            return
        why_not = open_edit_modal(
            client, command["trigger_id"], parsed.incident_id, command["user_id"], team=team, postmortems=postmortems
        )
        if why_not:
            ack(text=why_not)
        else:
            ack()
    elif parsed.subcommand in _LAZY:
        ack()
    else:
        ack(text=HELP)


def run_postmortem_command(
    command: Payload,
    respond: Respond,
    *,
    postmortems: PostmortemFlows,
    postmortem_actions: PostmortemActions,
    publishing: PostmortemPublishing,
    settings: Settings,
    now: Clock,
) -> None:
    parsed = parse(command.get("text", ""))
    if parsed.subcommand not in _LAZY or (parsed.subcommand == "action" and not parsed.rest):
        return  # answered on the ack path
    user, at = command["user_id"], now()
    try:
        incident_id = _required_id(parsed)
        if parsed.subcommand == "show":
            blocks = postmortem_blocks(postmortems.get(incident_id), postmortems.actions(incident_id))
            respond(text=f"Postmortem {incident_id}", blocks=as_dicts(blocks))
        elif parsed.subcommand == "held":
            postmortems.mark_held(incident_id, user, at)
            respond(text=f"Session for {incident_id} marked held. Next: `/postmortem publish {incident_id}`.")
        elif parsed.subcommand == "action":
            respond(text=_add_from_text(postmortem_actions, incident_id, user, at, parsed))
        elif parsed.subcommand == "done":
            item, changed = postmortem_actions.mark_done(
                incident_id, _action_number(parsed.rest, incident_id), user, at
            )
            state = "is done: no more reminders about it." if changed else "was already done."
            respond(text=f"Action {item.number} of {incident_id} {state}")
        else:
            respond(text=_published_text(settings, incident_id, publishing.publish(incident_id, user, at)))
    except OpsdeskError as error:
        respond(text=worded(error), response_type="ephemeral")


def _add_from_text(actions: PostmortemActions, incident_id: str, user: str, at: datetime, parsed: ParsedCommand) -> str:
    words = parsed.rest.split()
    priority = parse_action_priority(words[0]) if words else ActionPriority.MEDIUM
    description = " ".join(words[1:])
    due_match = _DUE.search(description)
    try:
        due = date.fromisoformat(due_match.group(1)) if due_match else None
    except ValueError:
        raise InvalidRequest(f"`{due_match.group(1) if due_match else ''}` is not a date (YYYY-MM-DD).") from None
    description = _DUE.sub("", description).strip()
    owner = parsed.mentions[0] if parsed.mentions else user
    item = actions.add(incident_id, user, at, description=description, owner=owner, priority=priority, due=due)
    return f"Action {item.number} added to {incident_id} ({item.priority.value}, owner {mention(item.owner)})."


def ack_ops_command(ack: Ack) -> None:
    ack()


def run_ops_command(command: Payload, respond: Respond, *, stats: Stats) -> None:
    words = command.get("text", "").split()
    if not words or words[0].lower() != "stats":
        respond(text="Try `/ops stats week`, `/ops stats month` or `/ops stats quarter`.")
        return
    try:
        period = parse_period(words[1] if len(words) > 1 else "week")
    except ValueError as error:
        respond(text=str(error))
        return
    (span, figures), (before, previous) = stats.this_period(period)
    respond(text=describe(figures, span.label, previous, before.label), response_type="ephemeral")


LISTENERS = (
    Listener("command", "/postmortem", ack_postmortem_command, (run_postmortem_command,)),
    Listener("command", "/ops", ack_ops_command, (run_ops_command,)),
)
