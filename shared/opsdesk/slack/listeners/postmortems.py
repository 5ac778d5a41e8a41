"""`/postmortem`, `/ops stats` and `/incident page`: ack within 3 s, the work lazily."""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING, Any

from opsdesk.domain.errors import InvalidRequest, OpsdeskError
from opsdesk.domain.postmortems import ActionPriority, parse_action_priority
from opsdesk.domain.stats import before, parse_period, trailing
from opsdesk.flows.postmortems import PostmortemFlows
from opsdesk.flows.stats import describe, gather
from opsdesk.observers import paging_for
from opsdesk.slack.commands import parse
from opsdesk.slack.listeners.incident_subcommands import pick_incident
from opsdesk.slack.postmortem_ids import PostmortemAction, PostmortemCallback, PostmortemField
from opsdesk.slack.views.incidents import as_dicts
from opsdesk.slack.views.postmortems import HELP, action_modal, postmortem_blocks

if TYPE_CHECKING:
    from collections.abc import Callable

    from slack_bolt import Ack, App, Respond
    from slack_sdk import WebClient

    from opsdesk.services import Services

_DUE = re.compile(r"\bdue (\d{4}-\d{2}-\d{2})\b", re.IGNORECASE)


def _field(view: dict[str, Any], name: PostmortemField) -> str:
    state = view.get("state", {}).get("values", {}).get(name, {}).get(name, {})
    for key in ("selected_option", "selected_user", "selected_date", "value"):
        value = state.get(key)
        if isinstance(value, dict):
            return str(value.get("value") or "")
        if value:
            return str(value).strip()
    return ""


def _required_id(command: dict[str, Any]) -> str:
    parsed = parse(command.get("text", ""))
    if not parsed.incident_id:
        raise InvalidRequest(f"Say which incident, e.g. `/postmortem {parsed.subcommand} INC-7K3QF`.")
    return parsed.incident_id


def register(app: App, services: Services, subcommands: dict[str, Callable[..., None]]) -> None:
    """Attach /postmortem, /ops and `/incident page`."""
    flows = PostmortemFlows(services)

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
            client.views_open(trigger_id=command["trigger_id"], view=action_modal(parsed.incident_id))
            ack()
            return
        if parsed.subcommand not in {"show", "held", "action", "publish"}:
            ack(text=HELP)
            return
        ack()

    def run_postmortem(command: dict[str, Any], respond: Respond) -> None:
        parsed = parse(command.get("text", ""))
        user, now = command["user_id"], services.now()
        try:
            incident_id = _required_id(command)
            if parsed.subcommand == "show":
                postmortem = flows.repository.get(incident_id)
                blocks = postmortem_blocks(postmortem, flows.repository.actions(incident_id))
                respond(text=f"Postmortem {incident_id}", blocks=as_dicts(blocks))
            elif parsed.subcommand == "held":
                flows.mark_held(incident_id, user, now)
                respond(text=f"Session for {incident_id} marked held. Next: `/postmortem publish {incident_id}`.")
            elif parsed.subcommand == "action" and parsed.rest:
                respond(text=_add_from_text(flows, incident_id, user, parsed.mentions, parsed.rest))
            elif parsed.subcommand == "publish":
                published, url = flows.publish(incident_id, user, now)
                link = f"{services.settings.public_base_url.rstrip('/')}/postmortems/{published.incident_id}"
                extra = f" Confluence: {url}" if url else ""
                respond(text=f"Published {incident_id}: {link} (Markdown: {link}.md).{extra}")
        except OpsdeskError as error:
            respond(text=str(error), response_type="ephemeral")

    app.command("/postmortem")(ack=ack_postmortem, lazy=[run_postmortem])
    _register_ops(app, services)
    _register_interactions(app, services, flows)


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


def _add_from_text(flows: PostmortemFlows, incident_id: str, user: str, mentions: tuple[str, ...], rest: str) -> str:
    words = rest.split()
    priority = parse_action_priority(words[0]) if words else ActionPriority.MEDIUM
    description = " ".join(words[1:])
    due_match = _DUE.search(description)
    due = date.fromisoformat(due_match.group(1)) if due_match else None
    description = _DUE.sub("", description).strip()
    owner = mentions[0] if mentions else user
    item = flows.add_action(
        incident_id, user, flows.services.now(), description=description, owner=owner, priority=priority, due=due
    )
    return f"Action {item.number} added to {incident_id} ({item.priority.value}, owner <@{item.owner}>)."


def _register_interactions(app: App, services: Services, flows: PostmortemFlows) -> None:
    def open_modal(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        client.views_open(trigger_id=body["trigger_id"], view=action_modal(body["actions"][0]["value"]))
        ack()

    app.action(PostmortemAction.ADD_ACTION)(open_modal)

    def just_ack(ack: Ack) -> None:
        ack()

    def raise_ticket(body: dict[str, Any]) -> None:
        user = body["user"]["id"]
        incident_id, _, number = str(body["actions"][0]["value"]).partition(":")
        try:
            item = flows.raise_ticket(incident_id, int(number), user)
            text = f"Action {item.number} of {incident_id} is Jira ticket {item.ticket_key}."
        except (OpsdeskError, ValueError) as error:
            text = str(error)
        services.incidents.notifier.tell_user(user, text)

    app.action(PostmortemAction.RAISE_TICKET)(ack=just_ack, lazy=[raise_ticket])

    def ack_modal(ack: Ack, view: dict[str, Any]) -> None:
        if len(_field(view, PostmortemField.DESCRIPTION)) < 3:
            ack(response_action="errors", errors={PostmortemField.DESCRIPTION: "Describe the action."})
            return
        ack()

    def add_from_modal(body: dict[str, Any]) -> None:
        view, user = body["view"], body["user"]["id"]
        due = _field(view, PostmortemField.DUE)
        try:
            item = flows.add_action(
                view["private_metadata"],
                user,
                services.now(),
                description=_field(view, PostmortemField.DESCRIPTION),
                owner=_field(view, PostmortemField.OWNER) or user,
                priority=parse_action_priority(_field(view, PostmortemField.PRIORITY) or "medium"),
                due=date.fromisoformat(due) if due else None,
            )
            text = f"Action {item.number} added to {view['private_metadata']}."
        except (OpsdeskError, ValueError) as error:
            text = str(error)
        services.incidents.notifier.tell_user(user, text)

    app.view(PostmortemCallback.ACTION_MODAL)(ack=ack_modal, lazy=[add_from_modal])
