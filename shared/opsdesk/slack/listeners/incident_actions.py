"""The announcement's buttons and the update and resolve modals."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from opsdesk.domain.errors import Conflict
from opsdesk.domain.incidents import parse_priority
from opsdesk.flows.incidents import Change
from opsdesk.slack.failures import failures_told, open_modal
from opsdesk.slack.ids import Action, Callback, Field
from opsdesk.slack.listeners.incidents import modal_value
from opsdesk.slack.payloads import clicked_in
from opsdesk.slack.routing import Listener
from opsdesk.slack.views.incidents import resolve_modal, update_modal
from opsdesk.slack.views.mrkdwn import worded
from opsdesk.slack.views.public_status import public_modal

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from slack_bolt import Ack

    from opsdesk.domain.clock import Clock
    from opsdesk.flows.incidents import IncidentRunner
    from opsdesk.flows.public_status import PublicStatus
    from opsdesk.slack.notifier import SlackIncidentNotifier
    from opsdesk.slack.payloads import Client, Payload


def answering(body: Payload, notifier: SlackIncidentNotifier) -> AbstractContextManager[None]:
    """Tell the person who clicked or submitted why it could not be done: where they clicked, else by DM."""
    return failures_told(lambda text: answer(body, notifier, text))


def answer(body: Payload, notifier: SlackIncidentNotifier, text: str) -> None:
    notifier.tell_user(body["user"]["id"], text, channel=clicked_in(body))


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
        except Conflict as lost:
            text = f"{worded(lost)} Ask them, or use `/incident lead {incident_id} @you` to take over."
            answer(body, incident_notifier, text)


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


def open_update(ack: Ack, body: Payload, client: Client) -> None:
    open_modal(client, ack, body["trigger_id"], update_modal(body["actions"][0]["value"]))


def open_resolve(ack: Ack, body: Payload, client: Client) -> None:
    open_modal(client, ack, body["trigger_id"], resolve_modal(body["actions"][0]["value"]))


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
    open_modal(client, ack, body["trigger_id"], public_modal(body["actions"][0]["value"]))


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
        changes.resolve(incident_id, change, modal_value(body["view"], Field.SUMMARY))


LISTENERS = (
    Listener("action", Action.TAKE_LEAD, lazy=(take_lead,)),
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
