"""Messages onto an incident's timeline: the "Add to incident timeline" shortcut, its picker, and pins."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from opsdesk.domain.errors import NotAllowed, NotFound
from opsdesk.domain.incidents import EntryKind, TimelineEntry
from opsdesk.flows.permissions import Permission, refusal
from opsdesk.slack.failures import answer_on_ack_path, open_modal
from opsdesk.slack.ids import Callback, Field
from opsdesk.slack.listeners.incident_actions import answering
from opsdesk.slack.payloads import slack_time
from opsdesk.slack.routing import Listener
from opsdesk.slack.views.incidents import SNIPPET, timeline_picker
from opsdesk.slack.views.mrkdwn import worded

if TYPE_CHECKING:
    from slack_bolt import Ack

    from opsdesk.flows.incidents import IncidentFlows, IncidentRunner
    from opsdesk.slack.notifier import SlackIncidentNotifier
    from opsdesk.slack.payloads import Client, Payload
    from opsdesk.slack.team import SlackTeam


def thread_of(message: Payload) -> str:
    """The ts of the thread a message is in (its own, at the top of one)."""
    return str(message.get("thread_ts") or message["ts"])


def quoted(channel: str, message: Payload, added_by: str) -> TimelineEntry:
    """The timeline entry quoting a message: its author, its words, its own time, and who added it."""
    return TimelineEntry(
        at=slack_time(message["ts"]),
        kind=EntryKind.NOTE,
        text=str(message.get("text") or "").strip()[:SNIPPET] or "_(no text)_",
        actor=added_by,
        source_key=f"slack-message:{channel}:{message['ts']}",
        subject=message.get("user") or message.get("bot_id") or "someone",
    )


def ack_timeline_shortcut(
    ack: Ack, body: Payload, client: Client, *, incidents: IncidentFlows, team: SlackTeam
) -> None:
    # One key lookup on the ack path: without it we could not open the picker in time.
    channel, message, user = body["channel"]["id"], body["message"], body["user"]["id"]
    if incidents.in_thread(channel, thread_of(message)) is not None:
        ack()  # the lazy half adds it, or says why not
        return
    if team.known_outsider(user):  # before the picker; the flow checks anyway
        ack()
        answer_on_ack_path(client, channel, user, refusal(Permission.TIMELINE))
        return
    open_incidents = incidents.open_incidents()
    if not open_incidents:
        ack()
        answer_on_ack_path(client, channel, body["user"]["id"], "No incident is open.")
        return
    open_modal(client, ack, body, timeline_picker(open_incidents, channel, message))


def add_from_thread(
    body: Payload,
    *,
    incidents: IncidentFlows,
    changes: IncidentRunner,
    incident_notifier: SlackIncidentNotifier,
) -> None:
    channel, message, user = body["channel"]["id"], body["message"], body["user"]["id"]
    incident_id = incidents.in_thread(channel, thread_of(message))
    if incident_id is None:
        return  # the picker modal was opened instead
    with answering(body, incident_notifier):
        incident = changes.add_to_timeline(incident_id, quoted(channel, message, user))
        incident_notifier.tell_user(user, f"Added to {incident.id}'s timeline.", channel=channel)


def add_from_picker(body: Payload, *, changes: IncidentRunner, incident_notifier: SlackIncidentNotifier) -> None:
    view, user = body["view"], body["user"]["id"]
    meta = json.loads(view["private_metadata"])
    state = view.get("state", {}).get("values", {}).get(Field.INCIDENT, {}).get(Field.INCIDENT, {})
    incident_id = str((state.get("selected_option") or {}).get("value", ""))
    with answering(body, incident_notifier):  # the person adding is who Slack signed for, whatever the metadata
        incident = changes.add_to_timeline(incident_id, quoted(meta["channel"], meta["message"], user))
        incident_notifier.tell_user(user, f"Added to {incident.id}'s timeline.")


def add_pinned(
    event: Payload, *, incidents: IncidentFlows, changes: IncidentRunner, incident_notifier: SlackIncidentNotifier
) -> None:
    item = event.get("item") or {}
    message, channel = item.get("message"), item.get("channel") or event.get("channel_id")
    if item.get("type") != "message" or not message or not channel:
        return
    incident_id = incidents.in_thread(channel, thread_of(message))
    if incident_id is None:
        return  # a pin outside any incident thread
    pinned_by = event.get("user") or message.get("user", "")
    try:
        changes.add_to_timeline(incident_id, quoted(channel, message, pinned_by))
    except NotFound:
        return
    except NotAllowed as refused:  # the pin stays, as Slack keeps it; the timeline is the team's
        incident_notifier.tell_user(pinned_by, worded(refused), channel=channel)


LISTENERS = (
    Listener("shortcut", Callback.TIMELINE_SHORTCUT, ack_timeline_shortcut, (add_from_thread,)),
    Listener("view", Callback.TIMELINE_PICK, lazy=(add_from_picker,)),
    Listener("event", "pin_added", lazy=(add_pinned,)),
)
