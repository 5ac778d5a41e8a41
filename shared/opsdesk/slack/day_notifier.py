"""DayNotifier on Slack: the start-of-day checklist and the end-of-day handover in the team channel."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError

from opsdesk.domain.ports import Checklist, Posted
from opsdesk.slack.errors import unavailable
from opsdesk.slack.fit import PLAIN_MESSAGE, fit_lines
from opsdesk.slack.views.day import checklist_blocks, handover_blocks, handover_sections, morning_sections, people
from opsdesk.slack.views.incidents import as_dicts
from opsdesk.slack.views.mrkdwn import mention
from opsdesk.slack.views.stats import report_chart, report_text

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from slack_sdk import WebClient

    from opsdesk.domain.day import Handover, MorningDigest
    from opsdesk.domain.stats import WeeklyReport

HISTORY_LIMIT = 200


class SlackDayNotifier:
    """Posts and edits the day's messages with a WebClient that retries rate limits."""

    def __init__(self, client: WebClient, team_channel: str) -> None:
        self.client = client
        self.team_channel = team_channel

    def post_checklist(self, day: str, pair: Sequence[str], digest: MorningDigest) -> tuple[Posted, Checklist]:
        checklist = Checklist(day, tuple(pair), morning_sections(digest))
        response = self.client.chat_postMessage(
            channel=self.team_channel,
            text=f"Start of day {checklist.day}: the support checklist",
            blocks=as_dicts(checklist_blocks(checklist.day, checklist.pair, checklist.sections, checklist.ticks)),
        )
        return Posted(str(response["channel"]), str(response["ts"])), checklist

    def show_ticks(self, where: Posted, checklist: Checklist) -> None:
        self.client.chat_update(
            channel=where.channel,
            ts=where.ts,
            text=f"Start of day {checklist.day}: the support checklist",
            blocks=as_dicts(checklist_blocks(checklist.day, checklist.pair, checklist.sections, checklist.ticks)),
        )

    def post_handover(self, day: str, on_call: str | None, handover: Handover) -> Posted:
        response = self.client.chat_postMessage(
            channel=self.team_channel,
            text=f"End-of-day handover {day}" + (f" to {mention(on_call)}" if on_call else ""),
            blocks=as_dicts(handover_blocks(day, on_call, handover_sections(handover))),
        )
        return Posted(str(response["channel"]), str(response["ts"]))

    def send_handover_to_on_call(self, on_call: str, handover: Handover) -> None:
        text = fit_lines(handover_sections(handover), PLAIN_MESSAGE - 40, separator="\n\n")
        self.client.chat_postMessage(channel=on_call, text=f"You are on call tonight. The handover:\n\n{text}")

    def show_handover_done(self, where: Posted, day: str, on_call: str | None, handover: Handover, by: str) -> None:
        self.client.chat_update(
            channel=where.channel,
            ts=where.ts,
            text=f"End-of-day handover {day}: done by {mention(by)}",
            blocks=as_dicts(handover_blocks(day, on_call, handover_sections(handover), done_by=by)),
        )

    def nudge_about_handover(self, pair: Sequence[str]) -> None:
        self.client.chat_postMessage(
            channel=self.team_channel,
            text=f":bell: {people(pair)}: nobody has handed over to on call yet. "
            "Please go through the end-of-day handover and press *Handover done*.",
        )

    def messages_since(self, channel: str, since: datetime, until: datetime) -> int:
        try:
            history = self.client.conversations_history(
                channel=channel,
                oldest=f"{since.timestamp():.6f}",
                latest=f"{until.timestamp():.6f}",
                limit=HISTORY_LIMIT,
            )
        except SlackApiError as error:
            raise unavailable(error) from error
        return len([message for message in history.get("messages") or [] if not message.get("bot_id")])

    def post_weekly_report(self, report: WeeklyReport) -> None:
        # One call posts the figures with the chart: a retry after a failure cannot post the text twice.
        self.client.files_upload_v2(
            channel=self.team_channel,
            content=report_chart(report),
            filename=f"opsdesk-week-{report.start:%Y-%m-%d}.png",
            title=f"Incidents, requests and hours to resolve: {report.label} (dark) vs the week before (light)",
            initial_comment=report_text(report),
        )
