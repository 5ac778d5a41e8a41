"""The alert message's buttons (Declare incident, Not an incident) and their modals: ack within 3 s, work lazily."""

from __future__ import annotations

from typing import TYPE_CHECKING

from opsdesk.domain.incidents import Priority
from opsdesk.flows.permissions import Permission, refusal
from opsdesk.slack.failures import answer_on_ack_path, open_modal, tell_or_raise
from opsdesk.slack.ids import Action, Callback, Field
from opsdesk.slack.listeners.incidents import DECLARE_REFUSAL, ack_declare_modal, declare_problem, modal_value
from opsdesk.slack.payloads import clicked_in
from opsdesk.slack.routing import Listener
from opsdesk.slack.views.alerts import declare_from_alert_modal, dismiss_modal

if TYPE_CHECKING:
    from slack_bolt import Ack

    from opsdesk.flows.alerts import AlertDecisions
    from opsdesk.slack.notifier import SlackIncidentNotifier
    from opsdesk.slack.payloads import Client, Payload
    from opsdesk.slack.team import SlackTeam

DISMISS_REFUSAL = refusal(Permission.DISMISS_ALERT)


def _answer_click(ack: Ack, body: Payload, client: Client, text: str) -> None:
    """Slack shows nothing of a button's ack body: acknowledge, then say it privately where they clicked."""
    ack()
    answer_on_ack_path(client, clicked_in(body) or "", body["user"]["id"], text)


def open_declare_from_alert(ack: Ack, body: Payload, client: Client, *, team: SlackTeam) -> None:
    if team.known_outsider(body["user"]["id"]):  # the flow checks again either way
        _answer_click(ack, body, client, DECLARE_REFUSAL)
        return
    try:
        view = declare_from_alert_modal(body["actions"][0]["value"])
    except (ValueError, KeyError, TypeError):
        _answer_click(ack, body, client, "That button is out of date: use the alert's latest message.")
        return
    open_modal(client, ack, body, view)


def open_dismiss(ack: Ack, body: Payload, client: Client, *, team: SlackTeam) -> None:
    if team.known_outsider(body["user"]["id"]):  # the flow checks again either way
        _answer_click(ack, body, client, DISMISS_REFUSAL)
        return
    open_modal(client, ack, body, dismiss_modal(body["actions"][0]["value"]))


def declare_from_alert(
    view: Payload,
    body: Payload,
    *,
    team: SlackTeam,
    alerts: AlertDecisions,
    incident_notifier: SlackIncidentNotifier,
) -> None:
    # The user Slack signed in the payload declares; private_metadata only names the alert.
    user = body["user"]["id"]
    if declare_problem(view, user, team):
        return  # the modal already said why
    try:
        incident = alerts.declare(
            view["private_metadata"],
            by=user,
            title=modal_value(view, Field.TITLE),
            priority=Priority(modal_value(view, Field.PRIORITY) or Priority.NORMAL),
            service=modal_value(view, Field.SERVICE),
            user_impact=modal_value(view, Field.USER_IMPACT),
        )
    except Exception as error:
        tell_or_raise(error, lambda text: incident_notifier.tell_user(user, text))
        return
    incident_notifier.tell_user(user, f"Declared *{incident.id}* from the alert: {incident.title}.")


def ack_dismiss(ack: Ack, view: Payload, body: Payload, *, team: SlackTeam) -> None:
    if team.known_outsider(body["user"]["id"]):  # the flow checks again either way
        ack(response_action="errors", errors={Field.DISMISS_REASON: DISMISS_REFUSAL})
    elif not modal_value(view, Field.DISMISS_REASON):
        ack(response_action="errors", errors={Field.DISMISS_REASON: "Say in a few words why it is not an incident."})
    else:
        ack()


def dismiss(
    view: Payload, body: Payload, *, alerts: AlertDecisions, incident_notifier: SlackIncidentNotifier, team: SlackTeam
) -> None:
    user = body["user"]["id"]
    if team.known_outsider(user) or not modal_value(view, Field.DISMISS_REASON):
        return  # the modal already said why
    try:
        alerts.dismiss(view["private_metadata"], by=user, why=modal_value(view, Field.DISMISS_REASON))
    except Exception as error:
        tell_or_raise(error, lambda text: incident_notifier.tell_user(user, text))


LISTENERS = (
    Listener("action", Action.ALERT_DECLARE, open_declare_from_alert),
    Listener("action", Action.ALERT_DISMISS, open_dismiss),
    Listener("view", Callback.ALERT_DECLARE, ack_declare_modal, (declare_from_alert,)),
    Listener("view", Callback.ALERT_DISMISS, ack_dismiss, (dismiss,)),
)
