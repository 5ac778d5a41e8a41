"""The support desk: requests opened, taken, done and rated. Every flow is safe to replay."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError

from opsdesk.domain.errors import Conflict, NotAllowed, OpsdeskError
from opsdesk.domain.requests import Stage, SupportRequest
from opsdesk.integrations.jira import tracker_for
from opsdesk.observability import MetricUnit, record
from opsdesk.slack.views.incidents import as_dicts
from opsdesk.slack.views.support import out_of_hours_notice, panel_blocks, panel_text, rating_blocks
from opsdesk.store.requests import RequestRepository

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from slack_sdk import WebClient

    from opsdesk.integrations.jira import TicketTracker
    from opsdesk.services import Services
    from opsdesk.settings import Settings
    from opsdesk.slack.team import SlackTeam

logger = logging.getLogger(__name__)
RECEIVED_REACTION = "inbox_tray"
TAKE_REACTION = "eyes"
ATTEMPTS = 5


@dataclass
class SupportDesk:
    """Support-request use cases over the repository, Slack, the tracker and the team."""

    repository: RequestRepository
    slack: WebClient
    settings: Settings
    tracker: TicketTracker
    team: SlackTeam

    @classmethod
    def from_services(cls, services: Services) -> SupportDesk:
        return cls(
            RequestRepository(services.settings.table_name),
            services.slack,
            services.settings,
            tracker_for(services),
            services.team,
        )

    def require_team(self, user: str, action: str) -> None:
        if not self.team.is_member(user):
            raise NotAllowed(f"Only the support team can {action}.")

    # ---- writing, optimistically
    def apply(
        self, request: SupportRequest, decide: Callable[[SupportRequest], SupportRequest | None]
    ) -> tuple[SupportRequest, bool]:
        """Decide on the stored request and save; retry on a concurrent change; (request, changed)."""
        current = request
        for _ in range(ATTEMPTS):
            decided = decide(current)
            if decided is None or decided == current:
                return current, False
            try:
                return self.repository.save(decided), True
            except Conflict:
                current = self.repository.get(request.channel, request.ts)
        raise Conflict(f"{request.id} is changing fast; please try again.")

    # ---- opening
    def open(self, channel: str, ts: str, requester: str, text: str, at: datetime) -> SupportRequest:
        """Open a request in To do from a message; a redelivery finds it and finishes what is missing."""
        request = SupportRequest(channel, ts, requester, text.strip()[:2000], at, stage_since=at)
        if self.repository.create(request):
            record("SupportRequestsOpened", 1)
        else:
            request = self.repository.get(channel, ts)
        return self.ensure_acknowledged(request)

    def ensure_acknowledged(self, request: SupportRequest) -> SupportRequest:
        """React quietly and post the thread panel once (with the out-of-hours reply when closed)."""
        if request.panel_ts:
            return request
        self._react(request.channel, request.ts, RECEIVED_REACTION)
        notice = ""
        hours = self.settings.hours
        if not hours.is_open(request.created_at):
            notice = out_of_hours_notice(hours.describe_next_opening(request.created_at), self.settings.paging_enabled)
        response = self.slack.chat_postMessage(
            channel=request.channel,
            thread_ts=request.ts,
            text=panel_text(request, notice),
            blocks=as_dicts(panel_blocks(request, notice)),
            unfurl_links=False,
        )
        panel_ts = str(response["ts"])

        def remember(current: SupportRequest) -> SupportRequest | None:
            return None if current.panel_ts else replace(current, panel_ts=panel_ts)

        stored, _ = self.apply(request, remember)
        return stored

    def _react(self, channel: str, ts: str, name: str) -> None:
        try:
            self.slack.reactions_add(channel=channel, timestamp=ts, name=name)
        except SlackApiError as error:
            if error.response.get("error") != "already_reacted":
                raise

    # ---- moving through the stages
    def take(self, request: SupportRequest, user: str, at: datetime) -> SupportRequest:
        self.require_team(user, "take a support request")

        def decide(current: SupportRequest) -> SupportRequest | None:
            if current.stage is Stage.IN_PROGRESS and current.assignee == user:
                return None
            return current.take(user, at)

        stored, changed = self.apply(request, decide)
        if changed:
            self.refresh(stored)
            self.say(stored, f":hammer_and_wrench: <@{user}> is looking at this.")
            self.follow_on_board(stored, Stage.IN_PROGRESS)
        return stored

    def finish(self, request: SupportRequest, user: str, resolution: str, at: datetime) -> SupportRequest:
        self.require_team(user, "mark a support request done")

        def decide(current: SupportRequest) -> SupportRequest | None:
            return None if current.stage is Stage.DONE else current.finish(resolution, user, at)

        stored, changed = self.apply(request, decide)
        if changed:
            self._finished(stored, at)
            self.follow_on_board(stored, Stage.DONE)
        return stored

    def move(self, request: SupportRequest, stage: Stage, at: datetime, why: str) -> SupportRequest:
        """Move a request because its ticket moved on the board (the board is already there)."""

        def decide(current: SupportRequest) -> SupportRequest | None:
            moved = current.move_to(stage, at)
            if stage is Stage.DONE and not moved.resolution:
                moved = replace(moved, resolution=why)
            return moved

        stored, changed = self.apply(request, decide)
        if changed:
            self.say(stored, f":arrows_counterclockwise: Now *{stage.label}* ({why}).")
            if stage is Stage.DONE:
                self._finished(stored, at)
            else:
                self.refresh(stored)
        return stored

    def _finished(self, request: SupportRequest, at: datetime) -> None:
        for stage, spent in request.time_in_stages(at).items():
            record("TimeInStage", spent.total_seconds(), MetricUnit.Seconds, stage=stage.value)
        record("TimeToResolution", (at - request.created_at).total_seconds(), MetricUnit.Seconds)
        self.refresh(request)
        self.ask_for_rating(request)

    def follow_on_board(self, request: SupportRequest, stage: Stage) -> None:
        """Stage changes made in Slack move the ticket too; the request never waits on Jira."""
        if not request.ticket_key:
            return
        try:
            self.tracker.move(request.ticket_key, stage)
        except OpsdeskError as error:
            logger.warning("could not move %s on the board: %s", request.ticket_key, error)

    # ---- rating
    def ask_for_rating(self, request: SupportRequest) -> None:
        """Ask the requester once: the flag is saved before posting, so a replay never asks twice."""

        def decide(current: SupportRequest) -> SupportRequest | None:
            return None if current.rating_asked else replace(current, rating_asked=True)

        stored, changed = self.apply(request, decide)
        if changed:
            blocks = rating_blocks(stored)
            self.slack.chat_postMessage(
                channel=stored.channel,
                thread_ts=stored.ts,
                text=f"How happy are you with the support on {stored.id}?",
                blocks=as_dicts(blocks),
            )

    def rate(self, request: SupportRequest, user: str, score: int, at: datetime) -> str:
        """Store a rating; returns what to tell the person (a second answer is thanked, not stored)."""
        try:
            stored, changed = self.apply(request, lambda current: current.rate(score, user, at))
        except Conflict as already:
            return str(already)
        if changed:
            self.repository.record_rating(stored)
            record("SupportRating", score, MetricUnit.Count, engineer=stored.assignee or "unassigned")
        return f"Thank you! Your rating of {score}/5 for {stored.id} is recorded."

    # ---- talking in the thread
    def refresh(self, request: SupportRequest) -> None:
        if not request.panel_ts:
            return
        self.slack.chat_update(
            channel=request.channel,
            ts=request.panel_ts,
            text=panel_text(request),
            blocks=as_dicts(panel_blocks(request)),
        )

    def say(self, request: SupportRequest, text: str, blocks: list[dict[str, object]] | None = None) -> str:
        response = self.slack.chat_postMessage(
            channel=request.channel, thread_ts=request.ts, text=text, blocks=blocks, unfurl_links=False
        )
        return str(response["ts"])

    def tell(self, user: str, text: str, *, channel: str | None = None, thread_ts: str | None = None) -> None:
        if channel:
            self.slack.chat_postEphemeral(channel=channel, user=user, text=text, thread_ts=thread_ts)
        else:
            self.slack.chat_postMessage(channel=user, text=text)
