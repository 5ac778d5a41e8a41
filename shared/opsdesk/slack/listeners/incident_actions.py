"""The announcement's buttons and the update and resolve modals."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from opsdesk.domain.errors import Conflict
from opsdesk.domain.incidents import parse_priority
from opsdesk.flows.incidents import Change, IncidentRunner
from opsdesk.slack.failures import guarded, open_modal
from opsdesk.slack.ids import Action, Callback, Field
from opsdesk.slack.listeners.incidents import modal_value
from opsdesk.slack.payloads import clicked_in, just_ack
from opsdesk.slack.views.incidents import resolve_modal, update_modal

if TYPE_CHECKING:
    from collections.abc import Callable

    from slack_bolt import Ack, App
    from slack_sdk import WebClient

    from opsdesk.services import Services


def register(app: App, services: Services) -> None:
    """Attach button and modal listeners for running an incident."""
    runner = IncidentRunner(services.incidents)
    _register_buttons(app, services, runner)
    _register_modals(app, services, runner)


def _answer(services: Services, body: dict[str, Any], text: str) -> None:
    """Answer the person who clicked or submitted: ephemerally where they clicked, else by DM."""
    services.incidents.notifier.tell_user(body["user"]["id"], text, channel=clicked_in(body))


def _guarded(services: Services, work: Callable[[dict[str, Any]], None]) -> Callable[..., None]:
    return guarded(work, lambda body, text: _answer(services, body, text))


def _register_buttons(app: App, services: Services, runner: IncidentRunner) -> None:

    def click(body: dict[str, Any]) -> tuple[str, Change]:
        action = body["actions"][0]
        user = body["user"]["id"]
        # action_ts is unique per click, so two clicks are two requests, while a redelivery is one.
        return action["value"], Change(
            by=user, at=services.now(), source_key=f"slack-action:{action['action_ts']}:{user}"
        )

    def take_lead(body: dict[str, Any]) -> None:
        incident_id, change = click(body)
        try:
            runner.take_lead(incident_id, change)
        except Conflict as lost:
            _answer(services, body, f"{lost} Ask them, or use `/incident lead {incident_id} @you` to take over.")

    def change_priority(body: dict[str, Any]) -> None:
        value, change = click(body)
        incident_id, _, level = value.partition(":")
        runner.change_priority(incident_id, change, parse_priority(level))

    def reopen(body: dict[str, Any]) -> None:
        incident_id, change = click(body)
        runner.reopen(incident_id, change)

    for action_id, work in (
        (Action.TAKE_LEAD, take_lead),
        (Action.CHANGE_PRIORITY, change_priority),
        (Action.REOPEN, reopen),
    ):
        app.action(action_id)(ack=just_ack, lazy=[_guarded(services, work)])

    def open_update(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        open_modal(client, ack, body["trigger_id"], update_modal(body["actions"][0]["value"]))

    def open_resolve(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        open_modal(client, ack, body["trigger_id"], resolve_modal(body["actions"][0]["value"]))

    app.action(Action.POST_UPDATE)(open_update)
    app.action(Action.RESOLVE)(open_resolve)
    app.action(Action.RECOVERED_RESOLVE)(open_resolve)


def _register_modals(app: App, services: Services, runner: IncidentRunner) -> None:
    def submission(body: dict[str, Any]) -> tuple[str, Change]:
        view = body["view"]
        user = body["user"]["id"]
        return view["private_metadata"], Change(by=user, at=services.now(), source_key=f"slack-view:{view['id']}")

    def ack_update(ack: Ack, view: dict[str, Any]) -> None:
        if not modal_value(view, Field.UPDATE_TEXT):
            ack(response_action="errors", errors={Field.UPDATE_TEXT: "Write the update people should read."})
            return
        ack()

    def post_update(body: dict[str, Any]) -> None:
        text = modal_value(body["view"], Field.UPDATE_TEXT)
        if not text:
            return  # Bolt runs lazy listeners even after an "errors" ack; the modal already said why.
        incident_id, change = submission(body)
        runner.post_update(incident_id, change, text)

    def resolve(body: dict[str, Any]) -> None:
        incident_id, change = submission(body)
        runner.resolve(incident_id, change, modal_value(body["view"], Field.SUMMARY))

    app.view(Callback.UPDATE)(ack=ack_update, lazy=[_guarded(services, post_update)])
    app.view(Callback.RESOLVE)(ack=just_ack, lazy=[_guarded(services, resolve)])
