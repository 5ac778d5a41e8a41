"""IncidentNotifier on Slack: the announcement, its thread (check-ins, recovery), leadership DMs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from opsdesk.domain.incidents import Announcement, Incident, TimelineEntry
from opsdesk.slack.views.incident_thread import CHECKIN_QUESTIONS, checkin_blocks, recovered_blocks, recovered_text
from opsdesk.slack.views.incidents import announcement_blocks, announcement_text, as_dicts, incident_summary
from opsdesk.slack.views.postmortems import ask_blocks

if TYPE_CHECKING:
    from slack_sdk import WebClient


class SlackIncidentNotifier:
    """Posts and edits incident messages with a WebClient that retries rate limits."""

    def __init__(self, client: WebClient, ops_channel: str, leadership: tuple[str, ...], status_url: str = "") -> None:
        self.client = client
        self.ops_channel = ops_channel
        self.leadership = leadership
        self.status_url = status_url

    def announce(self, incident: Incident) -> Announcement:
        response = self.client.chat_postMessage(
            channel=self.ops_channel,
            text=announcement_text(incident),
            blocks=as_dicts(announcement_blocks(incident, self.status_url)),
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

    def post_in_thread(self, incident: Incident, text: str, *, blocks: list[dict[str, object]] | None = None) -> None:
        if incident.announcement is None:
            return
        self.client.chat_postMessage(
            channel=incident.announcement.channel,
            thread_ts=incident.announcement.ts,
            text=text,
            blocks=blocks,
            unfurl_links=False,
        )

    def tell_leadership(self, incident: Incident, headline: str) -> None:
        text = f"{headline}\n{incident_summary(incident)}"
        if incident.announcement:
            text += f"\nFollow it in <#{incident.announcement.channel}>."
        for person in self.leadership:
            # Posting to a user id lands in the app's DM with that person.
            self.client.chat_postMessage(channel=person, text=text, unfurl_links=False)

    def tell_user(self, user: str, text: str, *, channel: str | None = None) -> None:
        if channel:
            self.client.chat_postEphemeral(channel=channel, user=user, text=text)
        else:
            self.client.chat_postMessage(channel=user, text=text)

    def timeline_entry_posted(self, incident: Incident, entry: TimelineEntry) -> None:
        self.post_in_thread(incident, f":memo: Added to the timeline: {entry.text}")

    def ask_checkin(self, incident: Incident) -> None:
        self.post_in_thread(incident, CHECKIN_QUESTIONS, blocks=as_dicts(checkin_blocks(incident)))

    def offer_resolve_after_recovery(self, incident: Incident, alarm_name: str) -> None:
        self.post_in_thread(incident, recovered_text(incident), blocks=as_dicts(recovered_blocks(incident, alarm_name)))

    def ask_for_postmortem(self, incident: Incident, text: str) -> None:
        self.post_in_thread(incident, text, blocks=as_dicts(ask_blocks(incident.id, text)))
