"""`/postmortem`, `/ops stats` and `/incident page`: ack within 3 s, the work lazily."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from opsdesk.domain.errors import InvalidRequest, OpsdeskError
from opsdesk.domain.postmortems import ActionPriority, parse_action_priority
from opsdesk.domain.stats import before, parse_period, trailing
from opsdesk.flows.postmortem_actions import PostmortemActions
from opsdesk.flows.postmortem_publishing import PostmortemPublishing
from opsdesk.flows.postmortems import PostmortemFlows
from opsdesk.flows.stats import describe, gather
from opsdesk.observers import paging_for
from opsdesk.slack.commands import parse
from opsdesk.slack.failures import open_modal
from opsdesk.slack.listeners import postmortem_interactions
from opsdesk.slack.listeners.incident_subcommands import pick_incident
from opsdesk.slack.listeners.postmortem_interactions import open_edit_modal, page_link
from opsdesk.slack.views.incidents import as_dicts
from opsdesk.slack.views.postmortems import HELP, action_modal, postmortem_blocks

if TYPE_CHECKING:
    from collections.abc import Callable

    from slack_bolt import Ack, App, Respond
    from slack_sdk import WebClient

    from opsdesk.flows.postmortem_publishing import Published
    from opsdesk.services import Services

_DUE = re.compile(r"\bdue (\d{4}-\d{2}-\d{2})\b", re.IGNORECASE)
# Answered after the ack; "edit" (and "action" with no text) open a modal on the ack path instead.
_LAZY = {"show", "held", "action", "publish", "done"}


def _required_id(command: dict[str, Any]) -> str:
    parsed = parse(command.get("text", ""))
    if not parsed.incident_id:
        raise InvalidRequest(f"Say which incident, e.g. `/postmortem {parsed.subcommand} INC-7K3QF`.")
    return parsed.incident_id


def _action_number(rest: str, incident_id: str) -> int:
    words = rest.split()
    if len(words) != 1 or not words[0].lstrip("#").isdigit():
        raise InvalidRequest(f"Say which action, e.g. `/postmortem done {incident_id} 2`.")
    return int(words[0].lstrip("#"))


def _published_text(services: Services, incident_id: str, result: Published) -> str:
    link = page_link(services, incident_id)
    text = f"Published {incident_id}: {link} (Markdown: {link}.md)."
    if result.confluence_url:
        text += f" Confluence: {result.confluence_url}"
    elif result.confluence_error:
        text += (
            f"\n:warning: Confluence was not updated: {result.confluence_error} "
            f"The page above is published; run `/postmortem publish {incident_id}` again to retry Confluence."
        )
    still = result.postmortem.to_write()
    if still:
        sections = ", ".join(which.heading.lower() for which in still)
        text += f"\nStill to write: {sections} (`/postmortem edit {incident_id}`)."
    return text


@dataclass(frozen=True)
class _Postmortems:
    """The use cases `/postmortem` answers with."""

    services: Services
    flows: PostmortemFlows
    actions: PostmortemActions
    publishing: PostmortemPublishing

    def answer(self, subcommand: str, command: dict[str, Any]) -> dict[str, Any]:
        """The response to a `/postmortem` subcommand answered after the ack."""
        parsed, user, now = parse(command.get("text", "")), command["user_id"], self.services.now()
        incident_id = _required_id(command)
        if subcommand == "show":
            postmortem = self.flows.repository.get(incident_id)
            blocks = postmortem_blocks(postmortem, self.flows.repository.actions(incident_id))
            return {"text": f"Postmortem {incident_id}", "blocks": as_dicts(blocks)}
        if subcommand == "held":
            self.flows.mark_held(incident_id, user, now)
            return {"text": f"Session for {incident_id} marked held. Next: `/postmortem publish {incident_id}`."}
        if subcommand == "action":
            return {"text": _add_from_text(self.actions, incident_id, user, parsed.mentions, parsed.rest)}
        if subcommand == "done":
            item, changed = self.actions.mark_done(incident_id, _action_number(parsed.rest, incident_id), user, now)
            state = "is done: no more reminders about it." if changed else "was already done."
            return {"text": f"Action {item.number} of {incident_id} {state}"}
        published = self.publishing.publish(incident_id, user, now)
        return {"text": _published_text(self.services, incident_id, published)}


def register(app: App, services: Services, subcommands: dict[str, Callable[..., None]]) -> None:
    """Attach /postmortem, /ops, `/incident page` and the postmortem buttons and modals."""
    commands = _Postmortems(
        services, PostmortemFlows(services), PostmortemActions(services), PostmortemPublishing(services)
    )

    def page(command: dict[str, Any], respond: Respond) -> None:
        incident = pick_incident(services, parse(command["text"]))
        paging_for(services).page_by_hand(
            incident.id, command["user_id"], services.now(), f"slack-command:{command['trigger_id']}"
        )
        respond(text=f"Paged the on-call engineer about {incident.id}.")

    subcommands["page"] = page

    def ack_postmortem(ack: Ack, command: dict[str, Any], client: WebClient) -> None:
        parsed = parse(command.get("text", ""))
        if parsed.subcommand == "action" and parsed.incident_id and not parsed.rest:
            open_modal(client, ack, command["trigger_id"], action_modal(parsed.incident_id))
        elif parsed.subcommand == "edit":
            if not parsed.incident_id:
                ack(text="Say which incident, e.g. `/postmortem edit INC-7K3QF`.")
                return
            why_not = open_edit_modal(services, client, command["trigger_id"], parsed.incident_id, command["user_id"])
            if why_not:
                ack(text=why_not)
            else:
                ack()
        elif parsed.subcommand in _LAZY:
            ack()
        else:
            ack(text=HELP)

    def run_postmortem(command: dict[str, Any], respond: Respond) -> None:
        parsed = parse(command.get("text", ""))
        if parsed.subcommand not in _LAZY or (parsed.subcommand == "action" and not parsed.rest):
            return  # answered on the ack path
        try:
            respond(**commands.answer(parsed.subcommand, command))
        except OpsdeskError as error:
            respond(text=str(error), response_type="ephemeral")

    app.command("/postmortem")(ack=ack_postmortem, lazy=[run_postmortem])
    _register_ops(app, services)
    postmortem_interactions.register(app, services)


def _register_ops(app: App, services: Services) -> None:
    def ack_ops(ack: Ack) -> None:
        ack()

    def run_ops(command: dict[str, Any], respond: Respond) -> None:
        words = command.get("text", "").split()
        if not words or words[0].lower() != "stats":
            respond(text="Try `/ops stats week`, `/ops stats month` or `/ops stats quarter`.")
            return
        try:
            period = parse_period(words[1] if len(words) > 1 else "week")
        except ValueError as error:
            respond(text=str(error))
            return
        start, end = trailing(period, services.now())
        figures, previous = gather(services, start, end), gather(services, *before(start, end))
        respond(text=describe(figures, f"the last {period.value}", previous), response_type="ephemeral")

    app.command("/ops")(ack=ack_ops, lazy=[run_ops])


def _add_from_text(
    actions: PostmortemActions, incident_id: str, user: str, mentions: tuple[str, ...], rest: str
) -> str:
    words = rest.split()
    priority = parse_action_priority(words[0]) if words else ActionPriority.MEDIUM
    description = " ".join(words[1:])
    due_match = _DUE.search(description)
    try:
        due = date.fromisoformat(due_match.group(1)) if due_match else None
    except ValueError:
        raise InvalidRequest(f"`{due_match.group(1) if due_match else ''}` is not a date (YYYY-MM-DD).") from None
    description = _DUE.sub("", description).strip()
    owner = mentions[0] if mentions else user
    item = actions.add(
        incident_id, user, actions.services.now(), description=description, owner=owner, priority=priority, due=due
    )
    return f"Action {item.number} added to {incident_id} ({item.priority.value}, owner <@{item.owner}>)."
