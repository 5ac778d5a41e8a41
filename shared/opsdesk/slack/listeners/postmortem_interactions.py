"""Postmortem buttons and modals: edit the write-up, add an action, mark one done, raise its Jira ticket."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from opsdesk.domain.errors import Conflict, InvalidRequest, NotAllowed, OpsdeskError
from opsdesk.domain.postmortems import parse_action_priority, section_problems
from opsdesk.flows.permissions import Permission
from opsdesk.flows.postmortems import require_team
from opsdesk.slack.failures import BUSY, modal_opened, open_modal
from opsdesk.slack.fit import TEXT_LIMIT, fit
from opsdesk.slack.listeners.incident_actions import answer, refused_on_ack_path
from opsdesk.slack.postmortem_ids import PostmortemAction, PostmortemCallback, PostmortemField, SectionField
from opsdesk.slack.routing import Listener
from opsdesk.slack.views.mrkdwn import literal, worded
from opsdesk.slack.views.postmortems import action_modal, edit_modal, read_edit_metadata

if TYPE_CHECKING:
    from slack_bolt import Ack, Respond

    from opsdesk.domain.clock import Clock
    from opsdesk.domain.postmortems import Postmortem, Section
    from opsdesk.flows.postmortem_actions import PostmortemActions
    from opsdesk.flows.postmortems import PostmortemFlows
    from opsdesk.settings import Settings
    from opsdesk.slack.notifier import SlackIncidentNotifier
    from opsdesk.slack.payloads import Client, Payload
    from opsdesk.slack.team import SlackTeam


def field_value(view: Payload, name: str) -> str:
    """A modal input's value (text, option, user or date), by its block and action id."""
    state = view.get("state", {}).get("values", {}).get(name, {}).get(name, {})
    for key in ("selected_option", "selected_user", "selected_date", "value"):
        value = state.get(key)
        if isinstance(value, dict):
            return str(value.get("value") or "")
        if value:
            return str(value).strip()
    return ""


def page_link(settings: Settings, incident_id: str) -> str:
    return f"{settings.public_base_url.rstrip('/')}/postmortems/{incident_id}"


def action_ref(value: str) -> tuple[str, int]:
    """A button value "INC-7K3QF:2" as the incident id and the action number."""
    incident_id, _, number = value.partition(":")
    try:
        return incident_id, int(number)
    except ValueError:
        raise InvalidRequest(f"`{number}` is not an action number.") from None


def open_edit_modal(
    client: Client, trigger_id: str, incident_id: str, user: str, *, team: SlackTeam, postmortems: PostmortemFlows
) -> str:
    """Open the edit modal prefilled with the stored text; return why not ("" when it opened).

    One key lookup on the ack path: the modal cannot be prefilled without it.
    """
    if team.resolves_without_slack:  # otherwise membership needs Slack: the save checks it
        try:
            require_team(team, user)
        except NotAllowed as refused:
            return worded(refused)
    postmortem = postmortems.find(incident_id)
    if postmortem is None:
        return f"There is no postmortem for {incident_id}."
    return "" if modal_opened(client, trigger_id, edit_modal(postmortem)) else BUSY


def sections_from(view: Payload) -> dict[Section, str]:
    return {field.section: field_value(view, field) for field in SectionField}


def edit_outcome(settings: Settings, saved: Postmortem) -> str:
    text = f"Saved the postmortem of {saved.incident_id}."
    if saved.is_published:
        text += f" The published page shows it now: {page_link(settings, saved.incident_id)}."
        if settings.confluence_url:
            text += f" To update Confluence too: `/postmortem publish {saved.incident_id}`."
    still = saved.to_write()
    if still:
        text += " Still to write: " + ", ".join(which.heading.lower() for which in still) + "."
    return text


def _unsaved(incident_id: str, texts: dict[Section, str]) -> str:
    kept = "\n".join(f"*{which.heading}*\n{literal(text)}" for which, text in texts.items() if text)
    # Everything they wrote, so nothing is lost: a plain message may be ten times longer than a section.
    return fit(
        f"Somebody else saved the postmortem of {incident_id} after you opened the form, so yours was not saved. "
        f"Open it again with `/postmortem edit {incident_id}` and merge; your text was:\n{kept}",
        TEXT_LIMIT,
    )


def open_action_modal(ack: Ack, body: Payload, client: Client, *, team: SlackTeam) -> None:
    if refused_on_ack_path(ack, body, client, team, Permission.POSTMORTEM):
        return
    open_modal(client, ack, body, action_modal(body["actions"][0]["value"]))


def raise_action_ticket(
    body: Payload, *, postmortem_actions: PostmortemActions, incident_notifier: SlackIncidentNotifier
) -> None:
    user = body["user"]["id"]
    try:
        incident_id, number = action_ref(str(body["actions"][0]["value"]))
        item = postmortem_actions.raise_ticket(incident_id, number, user)
        text = f"Action {item.number} of {incident_id} is Jira ticket {item.ticket_key}."
    except NotAllowed as refused:  # one line where they clicked (a form: the ops channel)
        answer(body, incident_notifier, worded(refused))
        return
    except OpsdeskError as error:
        text = worded(error)
    incident_notifier.tell_user(user, text)


def mark_action_done(
    body: Payload,
    *,
    postmortem_actions: PostmortemActions,
    incident_notifier: SlackIncidentNotifier,
    now: Clock,
) -> None:
    user = body["user"]["id"]
    try:
        incident_id, number = action_ref(str(body["actions"][0]["value"]))
        item, changed = postmortem_actions.mark_done(incident_id, number, user, now())
        text = f"Action {item.number} of {incident_id} " + ("is done. Thank you!" if changed else "was already done.")
    except NotAllowed as refused:  # one line where they clicked (a form: the ops channel)
        answer(body, incident_notifier, worded(refused))
        return
    except OpsdeskError as error:
        text = worded(error)
    incident_notifier.tell_user(user, text)


def ack_action_modal(ack: Ack, view: Payload) -> None:
    if len(field_value(view, PostmortemField.DESCRIPTION)) < 3:
        ack(response_action="errors", errors={PostmortemField.DESCRIPTION: "Describe the action."})
        return
    ack()


def add_action_from_modal(
    body: Payload,
    *,
    postmortem_actions: PostmortemActions,
    incident_notifier: SlackIncidentNotifier,
    now: Clock,
) -> None:
    view, user = body["view"], body["user"]["id"]
    due = field_value(view, PostmortemField.DUE)
    try:
        item = postmortem_actions.add(
            view["private_metadata"],
            user,
            now(),
            description=field_value(view, PostmortemField.DESCRIPTION),
            owner=field_value(view, PostmortemField.OWNER) or user,
            priority=parse_action_priority(field_value(view, PostmortemField.PRIORITY) or "medium"),
            due=date.fromisoformat(due) if due else None,
        )
        text = f"Action {item.number} added to {view['private_metadata']}."
    except NotAllowed as refused:  # one line where they clicked (a form: the ops channel)
        answer(body, incident_notifier, worded(refused))
        return
    except OpsdeskError as error:
        text = worded(error)
    except ValueError as error:  # a date Slack's picker would never send
        text = str(error)
    incident_notifier.tell_user(user, text)


def open_edit(
    ack: Ack,
    body: Payload,
    client: Client,
    respond: Respond,
    *,
    team: SlackTeam,
    postmortems: PostmortemFlows,
) -> None:
    incident_id, user = body["actions"][0]["value"], body["user"]["id"]
    why_not = open_edit_modal(client, body["trigger_id"], incident_id, user, team=team, postmortems=postmortems)
    ack()
    if why_not:
        respond(text=why_not, response_type="ephemeral", replace_original=False)


def ack_edit_modal(ack: Ack, view: Payload) -> None:
    problems = section_problems(sections_from(view))
    if problems:
        ack(response_action="errors", errors={SectionField.of(which): text for which, text in problems.items()})
        return
    ack()


def save_edit(
    body: Payload,
    *,
    postmortems: PostmortemFlows,
    incident_notifier: SlackIncidentNotifier,
    settings: Settings,
    now: Clock,
) -> None:
    view, user = body["view"], body["user"]["id"]
    incident_id, version = read_edit_metadata(view["private_metadata"])
    texts = sections_from(view)
    try:
        saved = postmortems.edit(incident_id, version, texts, by=user, at=now(), claim=f"slack-view:{view['id']}")
    except Conflict:
        incident_notifier.tell_user(user, _unsaved(incident_id, texts))
        return
    except NotAllowed as refused:  # one line in the ops channel (a form has no channel of its own)
        answer(body, incident_notifier, worded(refused))
        return
    except OpsdeskError as error:
        incident_notifier.tell_user(user, worded(error))
        return
    if saved is not None:  # None: this submission was saved by an earlier delivery
        incident_notifier.tell_user(user, edit_outcome(settings, saved))


LISTENERS = (
    Listener("action", PostmortemAction.ADD_ACTION, open_action_modal),
    Listener("action", PostmortemAction.RAISE_TICKET, lazy=(raise_action_ticket,)),
    Listener("action", PostmortemAction.MARK_DONE, lazy=(mark_action_done,)),
    Listener("view", PostmortemCallback.ACTION_MODAL, ack_action_modal, (add_action_from_modal,)),
    Listener("action", PostmortemAction.EDIT, open_edit),
    Listener("view", PostmortemCallback.EDIT_MODAL, ack_edit_modal, (save_edit,)),
)
