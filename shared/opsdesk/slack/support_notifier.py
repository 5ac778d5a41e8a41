"""SupportNotifier on Slack: the request's reaction, thread panel and replies, private notes, thread reads."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError

from opsdesk.domain.errors import NotifierUnavailable
from opsdesk.domain.ports import RequestThread, ThreadMessage
from opsdesk.domain.requests import Stage
from opsdesk.slack.errors import unavailable
from opsdesk.slack.views.incidents import as_dicts
from opsdesk.slack.views.mrkdwn import literal, mention, said
from opsdesk.slack.views.support import (
    DM_POINTER,
    RECEIVED_REACTION,
    board_issue_blocks,
    board_issue_taken_blocks,
    deleted_text,
    linked_text,
    moved_text,
    nudge_blocks,
    nudge_line,
    on_duty_notice,
    out_of_hours_notice,
    panel_blocks,
    panel_text,
    raised_text,
    rating_blocks,
    stage_line,
    taken_text,
    ticket_pending_text,
    ticket_raised_text,
    ticket_refused_text,
    work_started_text,
)
from opsdesk.slack.views.waiting import cover_reminder_text, raise_blocks, raise_settled_blocks, raise_text

if TYPE_CHECKING:
    from datetime import timedelta

    from slack_sdk import WebClient

    from opsdesk.domain.ports import AfterHours, Posted
    from opsdesk.domain.requests import Raise, SupportRequest
    from opsdesk.domain.rota import Cover, OnDuty
    from opsdesk.domain.tickets import Ticket
    from opsdesk.slack.people import SlackPeople

THREAD_LIMIT = 200


class SlackSupportNotifier:
    """Posts, edits and reads support messages with a WebClient that retries rate limits."""

    def __init__(
        self,
        client: WebClient,
        people: SlackPeople,
        *,
        ops_channel: str,
        team_channel: str,
        team_ids: tuple[str, ...] = (),
        product_manager: str = "",
        paging: str = "",
        triage_minutes: int = 15,
    ) -> None:
        self.client = client
        self.people = people
        self.ops_channel = ops_channel
        self.team_channel = team_channel
        self.team_ids = team_ids
        self.product_manager = product_manager
        self.paging = paging  # PAGING_OUT_OF_HOURS while the paging trial is on, else ""
        self.triage_minutes = triage_minutes

    # ---- the request and its thread
    def post_request(self, channel: str, requester: str, text: str) -> str:
        response = self.client.chat_postMessage(channel=channel, text=raised_text(requester, text), unfurl_links=False)
        return str(response["ts"])

    def mark_received(self, request: SupportRequest) -> None:
        try:
            self.client.reactions_add(channel=request.channel, timestamp=request.ts, name=RECEIVED_REACTION)
        except SlackApiError as error:
            # A replay reacts again; Slack refuses the second one, which is what we wanted anyway.
            if error.response.get("error") != "already_reacted":
                raise

    def post_panel(
        self, request: SupportRequest, *, on_duty: OnDuty | None = None, after_hours: AfterHours | None = None
    ) -> str:
        notice = out_of_hours_notice(after_hours, self.paging) if after_hours else ""
        if on_duty is not None:
            notice = on_duty_notice(on_duty)
        response = self.client.chat_postMessage(
            channel=request.channel,
            thread_ts=request.ts,
            text=panel_text(request, notice),
            blocks=as_dicts(panel_blocks(request, notice)),
            unfurl_links=False,
        )
        return str(response["ts"])

    def refresh(self, request: SupportRequest) -> None:
        if request.panel_ts:
            self.client.chat_update(
                channel=request.channel,
                ts=request.panel_ts,
                text=panel_text(request),
                blocks=as_dicts(panel_blocks(request)),
            )
        if request.stage is not Stage.TODO:  # someone has it (or it is closed): the raises say so, buttons gone
            for ts in request.raise_posts:
                self.client.chat_update(
                    channel=self.team_channel,
                    ts=ts,
                    text=stage_line(request),
                    blocks=as_dicts(raise_settled_blocks(request)),
                )

    def linked_to_incident(self, request: SupportRequest) -> None:
        self._in_thread(request, linked_text(request))

    def raise_untaken(self, request: SupportRequest, level: Raise, on_duty: OnDuty, waited: timedelta) -> str:
        try:
            thread = self.permalink(request.channel, request.ts)
        except NotifierUnavailable:
            thread = ""  # the raise still goes out, with the request's id
        text = raise_text(request, level, on_duty, waited, team_ids=self.team_ids, thread=thread)
        response = self.client.chat_postMessage(
            channel=self.team_channel, text=text, blocks=as_dicts(raise_blocks(request, text)), unfurl_links=False
        )
        return str(response["ts"])

    def remind_cover(self, cover: Cover, waiting: int) -> None:
        try:
            self.client.chat_postMessage(channel=cover.user, text=cover_reminder_text(cover, waiting))
        except SlackApiError as error:  # e.g. a deactivated user
            raise unavailable(error) from error

    def taken(self, request: SupportRequest) -> None:
        self._in_thread(request, taken_text(request))

    def moved(self, request: SupportRequest, why: str) -> None:
        self._in_thread(request, moved_text(request, why))

    def suggest_ticket(self, request: SupportRequest, on_duty: OnDuty) -> None:
        line = nudge_line(request, self.triage_minutes, on_duty)
        self._in_thread(request, line, as_dicts(nudge_blocks(request, line)))

    def ticket_raised(self, request: SupportRequest, ticket: Ticket, engineer: str | None) -> None:
        self._in_thread(request, ticket_raised_text(ticket))
        if self.product_manager:
            self.tell(self.product_manager, work_started_text(request, ticket, engineer))

    def ticket_pending(self, request: SupportRequest, reason: str) -> None:
        self._in_thread(request, ticket_pending_text(reason))

    def ticket_refused(self, request: SupportRequest, reason: str) -> None:
        self._in_thread(request, ticket_refused_text(request, reason))

    def ask_for_rating(self, request: SupportRequest) -> None:
        self.client.chat_postMessage(
            channel=request.channel,
            thread_ts=request.ts,
            text=f"How happy are you with the support on {request.id}?",
            blocks=as_dicts(rating_blocks(request)),
        )

    def original_deleted(self, request: SupportRequest) -> None:
        self._in_thread(request, deleted_text(request))

    def _in_thread(self, request: SupportRequest, text: str, blocks: list[dict[str, object]] | None = None) -> None:
        self.client.chat_postMessage(
            channel=request.channel, thread_ts=request.ts, text=text, blocks=blocks, unfurl_links=False
        )

    # ---- one person
    def tell(self, user: str, text: str, *, channel: str | None = None, thread_ts: str | None = None) -> None:
        if channel:
            self.client.chat_postEphemeral(channel=channel, user=user, text=text, thread_ts=thread_ts)
        else:
            self.client.chat_postMessage(channel=user, text=text)

    def point_to_ops_channel(self, channel: str) -> None:
        self.client.chat_postMessage(channel=channel, text=DM_POINTER.format(channel=self.ops_channel))

    # ---- reading, for the ticket's record
    def thread_of(self, request: SupportRequest) -> RequestThread:
        try:
            replies = self.client.conversations_replies(channel=request.channel, ts=request.ts, limit=THREAD_LIMIT)
            link = self.permalink(request.channel, request.ts)
        except SlackApiError as error:
            raise unavailable(error) from error
        messages = tuple(
            ThreadMessage(self._name_of(str(message.get("user", ""))), str(message.get("text", "")))
            for message in replies.get("messages") or []
            if not message.get("bot_id")
        )
        return RequestThread(messages, link)

    def permalink(self, channel: str, ts: str) -> str:
        try:
            return str(self.client.chat_getPermalink(channel=channel, message_ts=ts)["permalink"])
        except SlackApiError as error:
            raise unavailable(error) from error

    def _name_of(self, user: str) -> str:
        return self.people.display_name(user) or user

    # ---- the board's issues, posted for triage
    def post_board_issue(self, ticket: Ticket, reporter: str) -> None:
        self.client.chat_postMessage(
            channel=self.team_channel,
            text=f"New on the board: {literal(ticket.key)} {said(ticket.summary, 1000)}",
            blocks=as_dicts(board_issue_blocks(ticket, reporter)),
            unfurl_links=False,
        )

    def board_issue_taken(self, where: Posted, key: str, headline: str, taken_by: str) -> None:
        self.client.chat_update(
            channel=where.channel,
            ts=where.ts,
            text=f"{literal(key)} taken by {mention(taken_by)}",
            blocks=as_dicts(board_issue_taken_blocks(headline, taken_by)),
        )
