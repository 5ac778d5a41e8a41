"""Check-in answers, "Add to incident timeline", pins, declare-from-message and the App Home."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from slack_sdk.models.blocks import InputBlock, Option, StaticSelectElement
from slack_sdk.models.views import View

from opsdesk.domain.errors import NotFound, OpsdeskError
from opsdesk.domain.incidents import EntryKind, TimelineEntry
from opsdesk.flows.incidents import REFUSAL, Change, IncidentRunner
from opsdesk.slack.failures import answer_on_ack_path, open_modal
from opsdesk.slack.fit import HEADER, OPTION_TEXT, OPTIONS, fit, fit_serialised
from opsdesk.slack.ids import Action, Callback, Field
from opsdesk.slack.payloads import just_ack, slack_time
from opsdesk.slack.views.home import home_view
from opsdesk.slack.views.incidents import TITLE_IN_TEXT, declare_modal

if TYPE_CHECKING:
    from slack_bolt import Ack, App
    from slack_sdk import WebClient

    from opsdesk.domain.incidents import Incident
    from opsdesk.services import Services


CHECKIN_ANSWERS = {
    Action.CHECKIN_MORE_PEOPLE: "<@{user}> says we need more people or skills",
    Action.CHECKIN_ALL_GOOD: "<@{user}> says the team on it is enough",
    Action.CHECKIN_COMMS_CURRENT: "<@{user}> confirms external comms are current",
}
_SNIPPET = 2000  # a timeline entry quotes the message, not a novel; private_metadata holds 3000


def thread_pointer(channel: str, message: dict[str, Any]) -> str:
    return f"THREAD#{channel}#{message.get('thread_ts') or message['ts']}"


def message_entry(message: dict[str, Any], added_by: str) -> str:
    author = message.get("user") or message.get("bot_id") or "someone"
    text = str(message.get("text") or "").strip()[:_SNIPPET] or "_(no text)_"
    by = "" if added_by == author else f" (added by <@{added_by}>)"
    return f"<@{author}> said: {text}{by}"


def register(app: App, services: Services) -> None:
    """Attach this feature's listeners."""
    runner = IncidentRunner(services.incidents)
    _register_checkins(app, services, runner)
    _register_timeline(app, services, runner)
    _register_declare_shortcut(app, services)
    _register_home(app, services)


def _register_checkins(app: App, services: Services, runner: IncidentRunner) -> None:
    def answer(body: dict[str, Any]) -> None:
        action, user = body["actions"][0], body["user"]["id"]
        incident_id = action["value"]
        text = CHECKIN_ANSWERS[Action(action["action_id"])].format(user=user)
        change = Change(by=user, at=services.now(), source_key=f"slack-action:{action['action_ts']}:{user}")

        def decide(incident: Incident) -> tuple[Incident, TimelineEntry]:
            entry = TimelineEntry(change.at, EntryKind.CHECKIN_ANSWER, text, user, change.source_key)
            return incident, entry

        try:
            incident, changed = runner.apply(incident_id, change, decide)
        except OpsdeskError as error:
            services.incidents.notifier.tell_user(user, str(error))
            return
        if not changed:
            return  # a redelivered click
        runner.notifier.post_in_thread(incident, f":ballot_box_with_check: {text}.")
        if action["action_id"] == Action.CHECKIN_MORE_PEOPLE and incident.announcement:
            # Broadcast so the whole ops channel sees the call, not only those following the thread.
            services.slack.chat_postMessage(
                channel=incident.announcement.channel,
                thread_ts=incident.announcement.ts,
                reply_broadcast=True,
                text=f":sos: *{incident.id}* needs more people or skills: {fit(incident.title, TITLE_IN_TEXT)}. "
                f"Can you help? Reply here or ask <@{incident.lead or user}>.",
            )

    for action_id in CHECKIN_ANSWERS:
        app.action(action_id)(ack=just_ack, lazy=[answer])


def _register_timeline(app: App, services: Services, runner: IncidentRunner) -> None:
    repository = services.incident_repository

    def add(incident_id: str, channel: str, message: dict[str, Any], by: str) -> Incident:
        change = Change(by=by, at=slack_time(message["ts"]), source_key=f"slack-message:{channel}:{message['ts']}")
        return runner.add_note(incident_id, change, message_entry(message, by))

    def ack_shortcut(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        # One key lookup on the ack path: without it we could not open the picker in time.
        channel, message = body["channel"]["id"], body["message"]
        if repository.pointer(thread_pointer(channel, message)) is not None:
            ack()
            return
        incidents = repository.list_open()
        if not incidents:
            ack()
            answer_on_ack_path(client, channel, body["user"]["id"], "No incident is open.")
            return
        open_modal(client, ack, body["trigger_id"], _picker(incidents, channel, message))

    def add_from_thread(body: dict[str, Any]) -> None:
        channel, message, user = body["channel"]["id"], body["message"], body["user"]["id"]
        incident_id = repository.pointer(thread_pointer(channel, message))
        if incident_id is None:
            return  # the picker modal was opened instead
        incident = add(incident_id, channel, message, user)
        services.incidents.notifier.tell_user(user, f"Added to {incident.id}'s timeline.", channel=channel)

    app.shortcut(Callback.TIMELINE_SHORTCUT)(ack=ack_shortcut, lazy=[add_from_thread])

    def add_from_picker(body: dict[str, Any]) -> None:
        view, user = body["view"], body["user"]["id"]
        meta = json.loads(view["private_metadata"])
        state = view.get("state", {}).get("values", {}).get(Field.INCIDENT, {}).get(Field.INCIDENT, {})
        incident_id = str((state.get("selected_option") or {}).get("value", ""))
        try:
            incident = add(incident_id, meta["channel"], meta["message"], user)
        except OpsdeskError as error:
            services.incidents.notifier.tell_user(user, str(error))
            return
        services.incidents.notifier.tell_user(user, f"Added to {incident.id}'s timeline.")

    app.view(Callback.TIMELINE_PICK)(ack=just_ack, lazy=[add_from_picker])

    def pinned(event: dict[str, Any]) -> None:
        item = event.get("item") or {}
        message, channel = item.get("message"), item.get("channel") or event.get("channel_id")
        if item.get("type") != "message" or not message or not channel:
            return
        incident_id = repository.pointer(thread_pointer(channel, message))
        if incident_id is None:
            return  # a pin outside any incident thread
        try:
            add(incident_id, channel, message, event.get("user") or message.get("user", ""))
        except NotFound:
            return

    app.event("pin_added")(ack=just_ack, lazy=[pinned])


def _picker(incidents: list[Incident], channel: str, message: dict[str, Any]) -> View:
    options = [Option(value=item.id, text=fit(f"{item.id}: {item.title}", OPTION_TEXT)) for item in incidents[:OPTIONS]]
    kept = {key: message.get(key) for key in ("ts", "thread_ts", "user", "bot_id")}

    def metadata(text: str) -> str:
        return json.dumps({"channel": channel, "message": {**kept, "text": text}})

    return View(
        type="modal",
        callback_id=Callback.TIMELINE_PICK,
        # The quoted message rides along in private_metadata, which holds 3,000 characters once escaped.
        private_metadata=fit_serialised(metadata, str(message.get("text") or "")[:_SNIPPET]),
        title="Add to incident timeline",
        submit="Add",
        close="Cancel",
        blocks=[
            InputBlock(
                block_id=Field.INCIDENT,
                label="Which incident?",
                element=StaticSelectElement(action_id=Field.INCIDENT, options=options),
            )
        ],
    )


def _register_declare_shortcut(app: App, services: Services) -> None:
    def open_declare(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        user, channel, message = body["user"]["id"], body["channel"]["id"], body["message"]
        team = services.team
        if team.resolves_without_slack and not team.is_member(user):
            ack()
            answer_on_ack_path(client, channel, user, REFUSAL.format(action="declare an incident"))
            return
        title = fit(str(message.get("text") or "").strip().partition("\n")[0], HEADER, empty="")
        meta = json.dumps({"channel": channel, "message_ts": message.get("ts")})
        open_modal(client, ack, body["trigger_id"], declare_modal(title=title, private_metadata=meta))

    app.shortcut(Callback.DECLARE_SHORTCUT)(open_declare)


def _register_home(app: App, services: Services) -> None:
    def publish(event: dict[str, Any]) -> None:
        if event.get("tab", "home") != "home":
            return
        user = event["user"]
        on_team = services.team.is_member(user)
        view = home_view(
            user,
            services.incident_repository.list_open(),
            services.now(),
            services.settings.checkin_every,
            on_team=on_team,
            # Asked each time a team member opens the tab, so it clears as soon as someone invites opsdesk.
            channel_problems=services.channel_access.problems(services.slack) if on_team else (),
        )
        services.slack.views_publish(user_id=user, view=view)

    app.event("app_home_opened")(ack=just_ack, lazy=[publish])
