"""Postmortem buttons and modals: edit the write-up, add an action, mark one done, raise its Jira ticket."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError

from opsdesk.domain.errors import Conflict, InvalidRequest, OpsdeskError
from opsdesk.domain.postmortems import parse_action_priority, section_problems
from opsdesk.flows.postmortem_actions import PostmortemActions
from opsdesk.flows.postmortems import PostmortemFlows
from opsdesk.slack.failures import BUSY, open_modal
from opsdesk.slack.fit import TEXT_LIMIT, fit
from opsdesk.slack.payloads import just_ack
from opsdesk.slack.postmortem_ids import PostmortemAction, PostmortemCallback, PostmortemField, SectionField
from opsdesk.slack.views.postmortems import action_modal, edit_modal, read_edit_metadata

if TYPE_CHECKING:
    from collections.abc import Callable

    from slack_bolt import Ack, App, Respond
    from slack_sdk import WebClient

    from opsdesk.domain.postmortems import Postmortem, Section
    from opsdesk.services import Services


def field_value(view: dict[str, Any], name: str) -> str:
    """A modal input's value (text, option, user or date), by its block and action id."""
    state = view.get("state", {}).get("values", {}).get(name, {}).get(name, {})
    for key in ("selected_option", "selected_user", "selected_date", "value"):
        value = state.get(key)
        if isinstance(value, dict):
            return str(value.get("value") or "")
        if value:
            return str(value).strip()
    return ""


def page_link(services: Services, incident_id: str) -> str:
    return f"{services.settings.public_base_url.rstrip('/')}/postmortems/{incident_id}"


def action_ref(value: str) -> tuple[str, int]:
    """A button value "INC-7K3QF:2" as the incident id and the action number."""
    incident_id, _, number = value.partition(":")
    try:
        return incident_id, int(number)
    except ValueError:
        raise InvalidRequest(f"`{number}` is not an action number.") from None


def open_edit_modal(services: Services, client: WebClient, trigger_id: str, incident_id: str, user: str) -> str:
    """Open the edit modal prefilled with the stored text; return why not ("" when it opened).

    One key lookup on the ack path: the modal cannot be prefilled without it.
    """
    team = services.team
    if team.resolves_without_slack and not team.is_member(user):
        return "Only the support team can change postmortems."
    postmortem = PostmortemFlows(services).repository.find(incident_id)
    if postmortem is None:
        return f"There is no postmortem for {incident_id}."
    try:
        client.views_open(trigger_id=trigger_id, view=edit_modal(postmortem))
    except SlackApiError:  # e.g. a 429 on the 3-second path: say so rather than fail
        return BUSY
    return ""


def sections_from(view: dict[str, Any]) -> dict[Section, str]:
    return {field.section: field_value(view, field) for field in SectionField}


def edit_outcome(services: Services, saved: Postmortem) -> str:
    text = f"Saved the postmortem of {saved.incident_id}."
    if saved.is_published:
        text += f" The published page shows it now: {page_link(services, saved.incident_id)}."
        if services.settings.confluence_url:
            text += f" To update Confluence too: `/postmortem publish {saved.incident_id}`."
    still = saved.to_write()
    if still:
        text += " Still to write: " + ", ".join(which.heading.lower() for which in still) + "."
    return text


def _unsaved(incident_id: str, texts: dict[Section, str]) -> str:
    kept = "\n".join(f"*{which.heading}*\n{text}" for which, text in texts.items() if text)
    # Everything they wrote, so nothing is lost: a plain message may be ten times longer than a section.
    return fit(
        f"Somebody else saved the postmortem of {incident_id} after you opened the form, so yours was not saved. "
        f"Open it again with `/postmortem edit {incident_id}` and merge; your text was:\n{kept}",
        TEXT_LIMIT,
    )


def register(app: App, services: Services) -> None:
    """Attach the postmortem buttons and modal submissions."""
    _register_actions(app, services)
    _register_edit(app, services)


def _teller(services: Services) -> Callable[[str, str], None]:
    """Tell one person something privately (the incident wiring is built on first use, not at cold start)."""

    def tell(user: str, text: str) -> None:
        services.incidents.notifier.tell_user(user, text)

    return tell


def _register_actions(app: App, services: Services) -> None:
    actions = PostmortemActions(services)
    tell = _teller(services)

    def open_action_modal(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        open_modal(client, ack, body["trigger_id"], action_modal(body["actions"][0]["value"]))

    app.action(PostmortemAction.ADD_ACTION)(open_action_modal)

    def raise_ticket(body: dict[str, Any]) -> None:
        user = body["user"]["id"]
        try:
            incident_id, number = action_ref(str(body["actions"][0]["value"]))
            item = actions.raise_ticket(incident_id, number, user)
            text = f"Action {item.number} of {incident_id} is Jira ticket {item.ticket_key}."
        except OpsdeskError as error:
            text = str(error)
        tell(user, text)

    app.action(PostmortemAction.RAISE_TICKET)(ack=just_ack, lazy=[raise_ticket])

    def mark_done(body: dict[str, Any]) -> None:
        user = body["user"]["id"]
        try:
            incident_id, number = action_ref(str(body["actions"][0]["value"]))
            item, changed = actions.mark_done(incident_id, number, user, services.now())
            text = f"Action {item.number} of {incident_id} " + (
                "is done. Thank you!" if changed else "was already done."
            )
        except OpsdeskError as error:
            text = str(error)
        tell(user, text)

    app.action(PostmortemAction.MARK_DONE)(ack=just_ack, lazy=[mark_done])

    def ack_action_modal(ack: Ack, view: dict[str, Any]) -> None:
        if len(field_value(view, PostmortemField.DESCRIPTION)) < 3:
            ack(response_action="errors", errors={PostmortemField.DESCRIPTION: "Describe the action."})
            return
        ack()

    def add_from_modal(body: dict[str, Any]) -> None:
        view, user = body["view"], body["user"]["id"]
        due = field_value(view, PostmortemField.DUE)
        try:
            item = actions.add(
                view["private_metadata"],
                user,
                services.now(),
                description=field_value(view, PostmortemField.DESCRIPTION),
                owner=field_value(view, PostmortemField.OWNER) or user,
                priority=parse_action_priority(field_value(view, PostmortemField.PRIORITY) or "medium"),
                due=date.fromisoformat(due) if due else None,
            )
            text = f"Action {item.number} added to {view['private_metadata']}."
        except (OpsdeskError, ValueError) as error:
            text = str(error)
        tell(user, text)

    app.view(PostmortemCallback.ACTION_MODAL)(ack=ack_action_modal, lazy=[add_from_modal])


def _register_edit(app: App, services: Services) -> None:
    flows = PostmortemFlows(services)
    tell = _teller(services)

    def open_edit(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        why_not = open_edit_modal(services, client, body["trigger_id"], body["actions"][0]["value"], body["user"]["id"])
        ack()
        if why_not:
            respond(text=why_not, response_type="ephemeral", replace_original=False)

    app.action(PostmortemAction.EDIT)(open_edit)

    def ack_edit_modal(ack: Ack, view: dict[str, Any]) -> None:
        problems = section_problems(sections_from(view))
        if problems:
            ack(response_action="errors", errors={SectionField.of(which): text for which, text in problems.items()})
            return
        ack()

    def save_edit(body: dict[str, Any]) -> None:
        view, user = body["view"], body["user"]["id"]
        incident_id, version = read_edit_metadata(view["private_metadata"])
        texts = sections_from(view)
        try:
            saved = flows.edit(
                incident_id, version, texts, by=user, at=services.now(), claim=f"slack-view:{view['id']}"
            )
        except Conflict:
            tell(user, _unsaved(incident_id, texts))
            return
        except OpsdeskError as error:
            tell(user, str(error))
            return
        if saved is not None:  # None: this submission was saved by an earlier delivery
            tell(user, edit_outcome(services, saved))

    app.view(PostmortemCallback.EDIT_MODAL)(ack=ack_edit_modal, lazy=[save_edit])
