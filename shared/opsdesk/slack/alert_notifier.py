"""AlertNotifier on Slack: each alert group is one message in the support team's channel, its changes a thread."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from opsdesk.domain.ports import Posted
from opsdesk.slack.notifier import LOOKBACK_MESSAGES
from opsdesk.slack.views.alerts import alert_blocks, alert_text, note_text
from opsdesk.slack.views.incidents import as_dicts

if TYPE_CHECKING:
    from collections.abc import Iterable

    from slack_sdk import WebClient

    from opsdesk.domain.alerts import AlertGroup, AlertNote

# Like incident messages, every alert message says what it is in Slack's message metadata, so a run
# finishing what a crashed one started finds a message already posted.
METADATA_EVENT = "opsdesk_alert_message"


def _metadata(group: AlertGroup, key: str) -> dict[str, Any]:
    return {"event_type": METADATA_EVENT, "event_payload": {"alert_id": group.id, "key": key}}


def _posted_with(messages: Iterable[dict[str, Any]], group: AlertGroup, key: str) -> dict[str, Any] | None:
    wanted = _metadata(group, key)
    return next((message for message in messages if message.get("metadata") == wanted), None)


class SlackAlertNotifier:
    """Posts and edits alert messages in the team channel with a WebClient that retries rate limits."""

    def __init__(self, client: WebClient, team_channel: str) -> None:
        self.client = client
        self.team_channel = team_channel

    def post(self, group: AlertGroup, *, recovering: bool = False) -> Posted:
        if recovering:
            history = self.client.conversations_history(
                channel=self.team_channel, include_all_metadata=True, limit=LOOKBACK_MESSAGES
            )
            found = _posted_with(history.get("messages", []), group, "alert")
            if found:
                return Posted(self.team_channel, str(found["ts"]))
        response = self.client.chat_postMessage(
            channel=self.team_channel,
            text=alert_text(group),
            blocks=as_dicts(alert_blocks(group)),
            metadata=_metadata(group, "alert"),
            unfurl_links=False,
        )
        return Posted(str(response["channel"]), str(response["ts"]))

    def refresh(self, group: AlertGroup) -> None:
        if group.message is None:
            return
        self.client.chat_update(
            channel=group.message.channel,
            ts=group.message.ts,
            text=alert_text(group),
            blocks=as_dicts(alert_blocks(group)),
        )

    def note(self, group: AlertGroup, note: AlertNote, *, key: str, recovering: bool = False) -> None:
        where = group.message
        if where is None:
            return
        if recovering:
            replies = self.client.conversations_replies(channel=where.channel, ts=where.ts, include_all_metadata=True)
            if _posted_with(replies.get("messages", []), group, key):
                return
        self.client.chat_postMessage(
            channel=where.channel,
            thread_ts=where.ts,
            text=note_text(note),
            metadata=_metadata(group, key),
            unfurl_links=False,
        )
