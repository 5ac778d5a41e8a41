"""Check-in answers, "Declare incident" from a message, and the App Home."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from opsdesk.flows.checkins import CheckinAnswer
from opsdesk.flows.permissions import Permission, refusal
from opsdesk.slack.failures import answer_on_ack_path, open_modal
from opsdesk.slack.fit import HEADER, fit
from opsdesk.slack.ids import Action, Callback
from opsdesk.slack.listeners.incident_actions import answering, clicked
from opsdesk.slack.routing import Listener
from opsdesk.slack.views.incidents import declare_modal

if TYPE_CHECKING:
    from slack_bolt import Ack

    from opsdesk.domain.clock import Clock
    from opsdesk.flows.checkins import CheckIns
    from opsdesk.flows.incidents import IncidentFlows
    from opsdesk.slack.home import HomeTab
    from opsdesk.slack.notifier import SlackIncidentNotifier
    from opsdesk.slack.payloads import Client, Payload
    from opsdesk.slack.team import SlackTeam

CHECKIN_ANSWERS = {
    Action.CHECKIN_MORE_PEOPLE: CheckinAnswer.MORE_PEOPLE,
    Action.CHECKIN_ALL_GOOD: CheckinAnswer.ALL_GOOD,
    Action.CHECKIN_COMMS_CURRENT: CheckinAnswer.COMMS_CURRENT,
}


def answer_checkin(body: Payload, *, checkins: CheckIns, incident_notifier: SlackIncidentNotifier, now: Clock) -> None:
    with answering(body, incident_notifier):
        incident_id, change = clicked(body, now)
        checkins.answer(incident_id, CHECKIN_ANSWERS[Action(body["actions"][0]["action_id"])], change)


def open_declare_from_message(ack: Ack, body: Payload, client: Client, *, team: SlackTeam) -> None:
    user, channel, message = body["user"]["id"], body["channel"]["id"], body["message"]
    if team.known_outsider(user):
        ack()
        answer_on_ack_path(client, channel, user, refusal(Permission.DECLARE))
        return
    title = fit(str(message.get("text") or "").strip().partition("\n")[0], HEADER, empty="")
    meta = json.dumps({"channel": channel, "message_ts": message.get("ts"), "thread_ts": message.get("thread_ts")})
    open_modal(client, ack, body, declare_modal(title=title, private_metadata=meta))


def publish_home(event: Payload, *, incidents: IncidentFlows, team: SlackTeam, home: HomeTab, now: Clock) -> None:
    if event.get("tab", "home") != "home":
        return
    user = event["user"]
    home.publish(user, incidents.open_incidents(), now(), on_team=team.is_member(user))


LISTENERS = (
    *(Listener("action", action_id, lazy=(answer_checkin,)) for action_id in CHECKIN_ANSWERS),
    Listener("shortcut", Callback.DECLARE_SHORTCUT, open_declare_from_message),
    Listener("event", "app_home_opened", lazy=(publish_home,)),
)
