"""IncidentNotifier on Slack: the announcement, its thread (check-ins, recovery), leadership DMs."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError

from opsdesk.domain.incidents import Announcement, EntryKind, Incident, TimelineEntry
from opsdesk.domain.leadership import leadership_hears
from opsdesk.slack.errors import unavailable
from opsdesk.slack.views.incident_roles import (
    taken_over_dm,
    taken_over_text,
    takeover_blocks,
    takeover_question,
)
from opsdesk.slack.views.incident_thread import (
    CHECKIN_QUESTIONS,
    call_for_help_text,
    checkin_blocks,
    paging_failed_text,
    quoted_elsewhere_text,
    recorded_text,
    recovered_blocks,
    recovered_text,
    resolution_text,
    update_overdue_text,
    update_text,
)
from opsdesk.slack.views.incidents import announcement_blocks, announcement_text, as_dicts, incident_summary
from opsdesk.slack.views.postmortems import ask_blocks, ask_text, overdue_text

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import timedelta

    from slack_sdk import WebClient

    from opsdesk.domain.leadership import LeadershipNotify
    from opsdesk.domain.postmortems import ActionItem

logger = logging.getLogger(__name__)

# Every incident message says what it is in Slack's message metadata, so a worker finishing
# what a crashed one started can find a message that was posted and not post it again.
METADATA_EVENT = "opsdesk_incident_message"
# How many recent messages a recovering worker reads to find what it may have posted already.
# A replay comes within minutes of the crash; Slack's own clock, not ours, dates the messages.
LOOKBACK_MESSAGES = 200


def message_metadata(incident: Incident, key: str) -> dict[str, Any]:
    return {"event_type": METADATA_EVENT, "event_payload": {"incident_id": incident.id, "key": key}}


def recorded_key(entry: TimelineEntry) -> str:
    """The key of the thread message telling of an entry: the same on a replay, whatever its clock says."""
    return f"recorded:{entry.kind.value}:{entry.source_key}"


def posted_with(messages: Iterable[dict[str, Any]], incident: Incident, key: str) -> dict[str, Any] | None:
    """The message among `messages` that carries this incident's metadata under `key`, if any."""
    wanted = message_metadata(incident, key)
    return next((message for message in messages if message.get("metadata") == wanted), None)


class SlackIncidentNotifier:
    """Posts and edits incident messages with a WebClient that retries rate limits."""

    def __init__(
        self,
        client: WebClient,
        ops_channel: str,
        leadership: tuple[str, ...],
        status_url: str = "",
        leadership_notify: LeadershipNotify = "high",
    ) -> None:
        self.client = client
        self.ops_channel = ops_channel
        self.leadership = leadership
        self.status_url = status_url
        self.leadership_notify = leadership_notify

    def announce(self, incident: Incident, *, recovering: bool = False) -> Announcement:
        if recovering:
            history = self.client.conversations_history(
                channel=self.ops_channel, include_all_metadata=True, limit=LOOKBACK_MESSAGES
            )
            found = posted_with(history.get("messages", []), incident, "announcement")
            if found:
                return Announcement(channel=self.ops_channel, ts=str(found["ts"]))
        response = self.client.chat_postMessage(
            channel=self.ops_channel,
            text=announcement_text(incident),
            blocks=as_dicts(announcement_blocks(incident, self.status_url)),
            metadata=message_metadata(incident, "announcement"),
            unfurl_links=False,
        )
        return Announcement(channel=str(response["channel"]), ts=str(response["ts"]))

    def refresh(self, incident: Incident) -> None:
        if incident.announcement is None:
            return
        self.client.chat_update(
            channel=incident.announcement.channel,
            ts=incident.announcement.ts,
            text=announcement_text(incident),
            blocks=as_dicts(announcement_blocks(incident, self.status_url)),
        )

    def post_in_thread(
        self,
        incident: Incident,
        text: str,
        *,
        blocks: list[dict[str, object]] | None = None,
        key: str = "",
        recovering: bool = False,
        broadcast: bool = False,
    ) -> None:
        """Reply in the incident's thread; `broadcast` also shows it in the channel (people follow the channel)."""
        where = incident.announcement
        if where is None:
            return
        if recovering and key and self._in_thread(incident, key):
            return
        self.client.chat_postMessage(
            channel=where.channel,
            thread_ts=where.ts,
            reply_broadcast=True if broadcast else None,
            text=text,
            blocks=blocks,
            metadata=message_metadata(incident, key) if key else None,
            unfurl_links=False,
        )

    def tell_leadership(self, incident: Incident, headline: str, *, key: str = "", recovering: bool = False) -> None:
        if not leadership_hears(incident, self.leadership_notify):
            return  # a normal incident: the weekly report tells leadership
        text = f"{headline}\n{incident_summary(incident)}"
        if incident.announcement and self.leadership:
            link = self.thread_link(incident)
            thread = f"<{link}|its thread> in " if link else ""
            text += f"\nFollow it in {thread}<#{incident.announcement.channel}>."
        for person in self.leadership:
            if recovering and key and self._told(person, incident, key):
                continue
            # Posting to a user id lands in the app's DM with that person.
            self.client.chat_postMessage(
                channel=person,
                text=text,
                metadata=message_metadata(incident, key) if key else None,
                unfurl_links=False,
            )

    def _told(self, person: str, incident: Incident, key: str) -> bool:
        """Whether this person's DM already holds the message (only asked when recovering)."""
        channel = self.client.conversations_open(users=person)["channel"]["id"]
        history = self.client.conversations_history(channel=channel, include_all_metadata=True, limit=LOOKBACK_MESSAGES)
        return posted_with(history.get("messages", []), incident, key) is not None

    def tell_user(self, user: str, text: str, *, channel: str | None = None) -> None:
        try:
            if channel:
                self.client.chat_postEphemeral(channel=channel, user=user, text=text)
            else:
                self.client.chat_postMessage(channel=user, text=text)
        except SlackApiError as error:  # e.g. a deactivated user, or a channel the app is not in
            raise unavailable(error) from error

    def recorded(self, incident: Incident, entry: TimelineEntry, *, recovering: bool = False) -> None:
        key = recorded_key(entry)
        if entry.kind is EntryKind.UPDATE:  # users follow the channel, not every thread: they are told too
            text = update_text(incident, entry)
            self.post_in_thread(incident, text, key=key, recovering=recovering, broadcast=True)
            return
        home = incident.announcement.channel if incident.announcement else None
        quoted = entry.quoted_message
        if quoted is not None and entry.quoted_elsewhere(home):
            # Said somewhere else (maybe a private channel): the public thread gets a link, never the words.
            text = quoted_elsewhere_text(entry, self._permalink(*quoted))
        else:
            text = recorded_text(entry)
        self.post_in_thread(incident, text, key=key, recovering=recovering)

    def _permalink(self, channel: str, ts: str) -> str:
        try:
            return str(self.client.chat_getPermalink(channel=channel, message_ts=ts).get("permalink") or "")
        except SlackApiError:  # the words stay withheld either way; only the link is missing
            logger.warning("no permalink for a quoted message", extra={"channel": channel})
            return ""

    def lead_taken_over(
        self, incident: Incident, entry: TimelineEntry, previous: str, *, recovering: bool = False
    ) -> None:
        lead, by, key = entry.subject or "", entry.actor or "", recorded_key(entry)
        self.post_in_thread(incident, taken_over_text(incident, lead, previous, by), key=key, recovering=recovering)
        if previous[:1] in "UW" and previous != by and not (recovering and self._told(previous, incident, key)):
            try:
                self.client.chat_postMessage(
                    channel=previous, text=taken_over_dm(incident, lead, by), metadata=message_metadata(incident, key)
                )
            except SlackApiError as error:  # e.g. a deactivated user
                raise unavailable(error) from error

    def offer_takeover(self, user: str, channel: str | None, incident_id: str, current: str, lead: str) -> None:
        """Ask, ephemerally where they asked (else by DM), whether to take the lead over from `current`."""
        blocks = takeover_blocks(incident_id, current, lead, user)
        text = takeover_question(incident_id, current, lead, user)
        try:
            if channel:
                self.client.chat_postEphemeral(channel=channel, user=user, text=text, blocks=as_dicts(blocks))
            else:
                self.client.chat_postMessage(channel=user, text=text, blocks=as_dicts(blocks))
        except SlackApiError as error:
            raise unavailable(error) from error

    def resolved(self, incident: Incident, *, key: str, recovering: bool = False) -> None:
        # In the thread and in the channel, keyed: a run finishing a crashed one's work finds it, never posts twice.
        self.post_in_thread(incident, resolution_text(incident), key=key, recovering=recovering, broadcast=True)

    def ask_checkin(self, incident: Incident, *, key: str = "", recovering: bool = False) -> None:
        blocks = as_dicts(checkin_blocks(incident))
        self.post_in_thread(incident, CHECKIN_QUESTIONS, blocks=blocks, key=key, recovering=recovering)

    def update_overdue(
        self, incident: Incident, person: str | None, silent: timedelta, *, key: str = "", recovering: bool = False
    ) -> None:
        text = update_overdue_text(incident, person, silent)
        self.post_in_thread(incident, text, key=key, recovering=recovering)

    def call_for_help(self, incident: Incident, asked_by: str, *, key: str = "", recovering: bool = False) -> None:
        # Broadcast so the whole ops channel sees the call, not only those following the thread.
        text = call_for_help_text(incident, asked_by)
        self.post_in_thread(incident, text, key=key, recovering=recovering, broadcast=True)

    def _in_thread(self, incident: Incident, key: str) -> bool:
        """Whether the thread already holds the message named `key` (only asked when recovering)."""
        where = incident.announcement
        if where is None:
            return False
        replies = self.client.conversations_replies(channel=where.channel, ts=where.ts, include_all_metadata=True)
        return posted_with(replies.get("messages", []), incident, key) is not None

    def offer_resolve_after_recovery(self, incident: Incident, alarm_name: str) -> None:
        self.post_in_thread(incident, recovered_text(incident), blocks=as_dicts(recovered_blocks(incident, alarm_name)))

    def ask_for_postmortem(self, incident: Incident, owner: str, *, reminder: bool = False) -> None:
        text = ask_text(incident.id, owner, reminder=reminder)
        self.post_in_thread(incident, text, blocks=as_dicts(ask_blocks(incident.id, text)))
        if owner[:1] in "UW":
            self.tell_user(owner, text)

    def action_overdue(self, incident_id: str, item: ActionItem) -> None:
        self.tell_user(item.owner, overdue_text(incident_id, item))

    def paging_failed(self, incident: Incident, reason: str) -> None:
        self.post_in_thread(incident, paging_failed_text(reason))

    def thread_link(self, incident: Incident) -> str:
        where = incident.announcement
        if where is None:
            return ""
        try:
            return str(self.client.chat_getPermalink(channel=where.channel, message_ts=where.ts).get("permalink") or "")
        except Exception:  # a missing link must not stop the page
            logger.exception("could not get the thread permalink")
            return ""
