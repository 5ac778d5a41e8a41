"""Messages and reactions: a person's message in the ops channel is a support request, and stays in step with it.

Slack sends every message event of the channels opsdesk is in, its own posts and edits
included. What each one means is decided from the event alone, on the ack path, before any
second invocation is started (a Bolt matcher): only these get one.
- a new top-level message, with or without files (`file_share`: a question with a
  screenshot), opens a request when someone outside the support team wrote it (the team's own
  FYIs and thanks are not requests unless they track them: the "Track as request" shortcut);
- the requester's edit (`message_changed` with new text or files) updates the request's text;
- deleting the message (`message_deleted`, or `message_changed` to a `tombstone`, which is what
  Slack sends when the message has replies) withdraws or notes the request;
- a person's direct message gets one pointer to the ops channel.
Everything else is acknowledged and dropped: replies (`thread_broadcast` included), joins, the
app's own posts and edits, other bots and integrations (`bot_id`, `bot_message`). Reactions
likewise: only :eyes: on a message in the ops channel (someone taking a request) is worth the work.
"""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Any

from opsdesk.domain.errors import OpsdeskError
from opsdesk.domain.requests import MAX_TEXT
from opsdesk.slack.fit import fit
from opsdesk.slack.payloads import slack_time
from opsdesk.slack.routing import Listener
from opsdesk.slack.views.mrkdwn import worded
from opsdesk.slack.views.support import TAKE_REACTION

if TYPE_CHECKING:
    from opsdesk.domain.clock import Clock
    from opsdesk.flows.support import SupportDesk
    from opsdesk.settings import Settings
    from opsdesk.slack.payloads import Payload
    from opsdesk.slack.support_notifier import SlackSupportNotifier
    from opsdesk.slack.team import SlackTeam

# https://docs.slack.dev/reference/events/message: a plain message has no subtype; one with files is file_share.
_WRITTEN = {None, "file_share"}


class Meaning(Enum):
    """What a message event means to the support desk."""

    NEW_REQUEST = "new_request"
    EDITED = "edited"
    DELETED = "deleted"
    DIRECT = "direct"


def _by_a_person(message: Payload) -> bool:
    return bool(message.get("user")) and not message.get("bot_id") and message.get("subtype") != "bot_message"


def _top_level(message: Payload) -> bool:
    return message.get("thread_ts") in (None, message.get("ts"))


def meaning(event: Payload, ops_channel: str) -> Meaning | None:
    """Decide from the event alone (no I/O: this runs before the ack) what it means, or None to drop it."""
    subtype = event.get("subtype")
    if event.get("channel_type") == "im":
        return Meaning.DIRECT if subtype in _WRITTEN and _by_a_person(event) else None
    if event.get("channel") != ops_channel:
        return None
    if subtype in _WRITTEN:
        return Meaning.NEW_REQUEST if _by_a_person(event) and _top_level(event) else None
    if subtype == "message_deleted":
        previous = event.get("previous_message") or {}
        return Meaning.DELETED if _by_a_person(previous) and _top_level(previous) else None
    if subtype == "message_changed":
        return _change(event.get("message") or {}, event.get("previous_message") or {})
    return None


def _change(message: Payload, previous: dict[str, Any]) -> Meaning | None:
    if message.get("subtype") == "tombstone":  # a message with replies was deleted
        return Meaning.DELETED if _by_a_person(previous) else None
    # Slack also sends message_changed when a link unfurls or a reply lands: only new words or files count.
    changed = request_text(message) != request_text(previous)
    return Meaning.EDITED if changed and _by_a_person(message) and _top_level(message) else None


def request_text(message: Payload) -> str:
    """The words of a request, naming any files shared with them (a screenshot may come with no words)."""
    names = [str(item.get("name") or item.get("title") or "a file") for item in message.get("files") or []]
    attached = fit(f"(attached: {', '.join(names)})", MAX_TEXT // 4) if names else ""
    text = fit(str(message.get("text") or "").strip(), MAX_TEXT - len(attached) - 1, empty="")
    return "\n".join(part for part in (text, attached) if part)


def has_work(body: Payload, *, settings: Settings, team: SlackTeam) -> bool:
    event = body.get("event") or {}
    decided = meaning(event, settings.ops_channel_id)
    if decided is Meaning.NEW_REQUEST and team.resolves_without_slack and team.is_member(str(event.get("user"))):
        return False  # the support team's own message (an FYI, a thanks): not a request unless they track it
    return decided is not None


def on_message(body: Payload, event: Payload, *, desk: SupportDesk, settings: Settings) -> None:
    decided = meaning(event, settings.ops_channel_id)
    channel = str(event.get("channel"))
    if decided is Meaning.DIRECT:
        desk.answer_direct_message(channel, str(body.get("event_id")), slack_time(event["ts"]))
    elif decided is Meaning.NEW_REQUEST:
        # The message's own ts is when it was asked: the event carries the time.
        desk.message_posted(channel, event["ts"], event["user"], request_text(event), slack_time(event["ts"]))
    elif decided is Meaning.EDITED:
        desk.revise(channel, event["message"]["ts"], request_text(event["message"]))
    elif decided is Meaning.DELETED:
        deleted = event.get("deleted_ts") or event["message"]["ts"]
        desk.message_deleted(channel, deleted, slack_time(event.get("event_ts") or event["ts"]))


def takes_a_request(body: Payload, *, settings: Settings) -> bool:
    event = body.get("event") or {}
    item = event.get("item") or {}
    return (
        event.get("reaction") == TAKE_REACTION
        and item.get("type") == "message"
        and item.get("channel") == settings.ops_channel_id
    )


def on_reaction(
    event: Payload,
    *,
    desk: SupportDesk,
    team: SlackTeam,
    support_notifier: SlackSupportNotifier,
    now: Clock,
) -> None:
    item = event["item"]
    request = desk.request_at(item["channel"], item["ts"])
    if request is None or not team.is_member(event["user"]):
        return
    try:
        desk.take(request, event["user"], now())
    except OpsdeskError as error:
        support_notifier.tell(event["user"], worded(error), channel=request.channel, thread_ts=request.ts)


# In this order: the matcher decides before the ack whether a second invocation is worth it.
LISTENERS = (
    Listener("event", "message", lazy=(on_message,), matchers=(has_work,)),
    Listener("event", "message"),
    Listener("event", "reaction_added", lazy=(on_reaction,), matchers=(takes_a_request,)),
    Listener("event", "reaction_added"),
)
