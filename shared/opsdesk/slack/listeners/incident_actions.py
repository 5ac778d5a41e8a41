"""The announcement's buttons and the update and resolve modals."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from opsdesk.domain.errors import Conflict, NotifierUnavailable
from opsdesk.domain.incidents import parse_priority
from opsdesk.flows.incidents import Change
from opsdesk.flows.permissions import Permission, refusal
from opsdesk.slack.failures import answer_on_ack_path, failures_told, open_modal
from opsdesk.slack.ids import Action, Callback, Field
from opsdesk.slack.listeners.incidents import modal_value
from opsdesk.slack.payloads import clicked_in
from opsdesk.slack.routing import Listener
from opsdesk.slack.views.incident_roles import read_takeover_value, takeover_blocks, takeover_question
from opsdesk.slack.views.incidents import as_dicts, resolve_modal, update_modal
from opsdesk.slack.views.mrkdwn import mention
from opsdesk.slack.views.public_status import public_modal

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from slack_bolt import Ack, Respond

    from opsdesk.domain.clock import Clock
    from opsdesk.flows.incidents import IncidentFlows, IncidentRunner
    from opsdesk.flows.public_status import PublicStatus
    from opsdesk.slack.notifier import SlackIncidentNotifier
    from opsdesk.slack.payloads import Client, Payload
    from opsdesk.slack.team import SlackTeam


def answering(body: Payload, notifier: SlackIncidentNotifier) -> AbstractContextManager[None]:
    """Tell the person who clicked or submitted why it could not be done: where they clicked, else by DM."""
    return failures_told(lambda text: answer(body, notifier, text))


def answer(body: Payload, notifier: SlackIncidentNotifier, text: str) -> None:
    """One ephemeral line where they clicked (a modal has no channel: the ops channel), else by DM."""
    user = body["user"]["id"]
    try:
        notifier.tell_user(user, text, channel=clicked_in(body) or notifier.ops_channel)
    except NotifierUnavailable:  # not in that channel: the app's DM always reaches them
        notifier.tell_user(user, text)


def refused_on_ack_path(ack: Ack, body: Payload, client: Client, team: SlackTeam, permission: Permission) -> bool:
    """Refuse someone outside the team before a modal opens, when that needs no Slack call (the flow checks anyway)."""
    user = body["user"]["id"]
    if not team.known_outsider(user):
        return False
    ack()
    answer_on_ack_path(client, clicked_in(body) or "", user, refusal(permission))
    return True


def clicked(body: Payload, now: Clock) -> tuple[str, Change]:
    """The incident a button names, and the change: action_ts is unique per click, a redelivery repeats it."""
    action, user = body["actions"][0], body["user"]["id"]
    return action["value"], Change(by=user, at=now(), source_key=f"slack-action:{action['action_ts']}:{user}")


def submitted(body: Payload, now: Clock) -> tuple[str, Change]:
    """The incident a modal is about, and the change, keyed on the view's id."""
    view, user = body["view"], body["user"]["id"]
    return view["private_metadata"], Change(by=user, at=now(), source_key=f"slack-view:{view['id']}")


def take_lead(body: Payload, *, changes: IncidentRunner, incident_notifier: SlackIncidentNotifier, now: Clock) -> None:
    with answering(body, incident_notifier):
        incident_id, change = clicked(body, now)
        try:
            changes.take_lead(incident_id, change)
        except Conflict as led:  # someone leads: ask before replacing them (any other conflict is told as it is)
            if "lead" not in led.people:
                raise
            user = change.by
            incident_notifier.offer_takeover(user, clicked_in(body), incident_id, led.people["lead"], user)


def confirm_takeover(
    body: Payload,
    respond: Respond,
    *,
    changes: IncidentRunner,
    incident_notifier: SlackIncidentNotifier,
    now: Clock,
) -> None:
    """Take the lead over from the lead the question named; someone else leading by now is asked about again."""
    with answering(body, incident_notifier):
        value, change = clicked(body, now)
        incident_id, lead, replacing = read_takeover_value(value)
        try:
            changes.take_lead(incident_id, change, user=lead, replacing=replacing)
        except Conflict as led:
            current = led.people.get("lead")
            if current is None:
                raise
            blocks = as_dicts(takeover_blocks(incident_id, current, lead, change.by))
            respond(text=takeover_question(incident_id, current, lead, change.by), blocks=blocks, replace_original=True)
            return
        told = f" {mention(replacing)} has been told." if replacing != lead else ""
        respond(text=f"{mention(lead)} is leading {incident_id}.{told}", replace_original=True)


def cancel_takeover(ack: Ack, body: Payload, respond: Respond) -> None:
    ack()
    respond(text=f"Nothing changed on {body['actions'][0]['value']}.", replace_original=True)


def change_priority(
    body: Payload,
    *,
    changes: IncidentRunner,
    incident_notifier: SlackIncidentNotifier,
    now: Clock,
) -> None:
    with answering(body, incident_notifier):
        value, change = clicked(body, now)
        incident_id, _, level = value.partition(":")
        changes.change_priority(incident_id, change, parse_priority(level))


def reopen(body: Payload, *, changes: IncidentRunner, incident_notifier: SlackIncidentNotifier, now: Clock) -> None:
    with answering(body, incident_notifier):
        changes.reopen(*clicked(body, now))


def open_update(ack: Ack, body: Payload, client: Client, *, team: SlackTeam) -> None:
    if not refused_on_ack_path(ack, body, client, team, Permission.UPDATE):
        open_modal(client, ack, body, update_modal(body["actions"][0]["value"]))


def open_resolve(ack: Ack, body: Payload, client: Client, *, team: SlackTeam, incidents: IncidentFlows) -> None:
    if refused_on_ack_path(ack, body, client, team, Permission.RESOLVE):
        return
    incident_id = body["actions"][0]["value"]
    # One key lookup on the ack path: the form asks for a service only when the incident has none.
    incident = incidents.find(incident_id)
    open_modal(client, ack, body, resolve_modal(incident_id, incident.service if incident else ""))


def ack_update(ack: Ack, view: Payload) -> None:
    if not modal_value(view, Field.UPDATE_TEXT):
        ack(response_action="errors", errors={Field.UPDATE_TEXT: "Write the update people should read."})
        return
    ack()


def post_update(
    body: Payload,
    *,
    changes: IncidentRunner,
    incident_notifier: SlackIncidentNotifier,
    now: Clock,
) -> None:
    text = modal_value(body["view"], Field.UPDATE_TEXT)
    if not text:
        return  # Bolt runs lazy listeners even after an "errors" ack; the modal already said why.
    with answering(body, incident_notifier):
        incident_id, change = submitted(body, now)
        changes.post_update(incident_id, change, text)


def open_public(ack: Ack, body: Payload, client: Client) -> None:
    open_modal(client, ack, body, public_modal(body["actions"][0]["value"]))


def ack_public(ack: Ack, view: Payload) -> None:
    if not modal_value(view, Field.PUBLIC_TITLE) and not modal_value(view, Field.PUBLIC_UPDATE):
        ack(response_action="errors", errors={Field.PUBLIC_TITLE: "Give a public title, an update, or both."})
        return
    ack()


def publish(
    body: Payload, *, public_status: PublicStatus, incident_notifier: SlackIncidentNotifier, now: Clock
) -> None:
    title, text = modal_value(body["view"], Field.PUBLIC_TITLE), modal_value(body["view"], Field.PUBLIC_UPDATE)
    if not title and not text:
        return  # the modal already said why
    with answering(body, incident_notifier):
        incident_id, change = submitted(body, now)
        if title:
            public_status.publish(incident_id, change, title)
        if text:
            # Its own key: one submission is two changes, each recorded (and replayed) once.
            public_status.update(incident_id, replace(change, source_key=f"{change.source_key}:update"), text)


def resolve(body: Payload, *, changes: IncidentRunner, incident_notifier: SlackIncidentNotifier, now: Clock) -> None:
    with answering(body, incident_notifier):
        incident_id, change = submitted(body, now)
        view = body["view"]
        changes.resolve(incident_id, change, modal_value(view, Field.SUMMARY), service=modal_value(view, Field.SERVICE))


LISTENERS = (
    Listener("action", Action.TAKE_LEAD, lazy=(take_lead,)),
    Listener("action", Action.CONFIRM_TAKEOVER, lazy=(confirm_takeover,)),
    Listener("action", Action.CANCEL_TAKEOVER, cancel_takeover),
    Listener("action", Action.CHANGE_PRIORITY, lazy=(change_priority,)),
    Listener("action", Action.REOPEN, lazy=(reopen,)),
    Listener("action", Action.POST_UPDATE, open_update),
    Listener("action", Action.RESOLVE, open_resolve),
    Listener("action", Action.RECOVERED_RESOLVE, open_resolve),
    Listener("view", Callback.UPDATE, ack_update, (post_update,)),
    Listener("view", Callback.RESOLVE, lazy=(resolve,)),
    Listener("action", Action.STATUS_PAGE, open_public),
    Listener("view", Callback.PUBLIC, ack_public, (publish,)),
)
