"""DayNotifier on Slack: the start-of-day checklist and the end-of-day handover in the team channel."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError

from opsdesk.domain.ports import Posted
from opsdesk.slack.errors import unavailable
from opsdesk.slack.fit import PLAIN_MESSAGE, fit_lines
from opsdesk.slack.views.day import checklist_blocks, handover_blocks, people
from opsdesk.slack.views.incidents import as_dicts

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from slack_sdk import WebClient

    from opsdesk.domain.ports import Checklist

HISTORY_LIMIT = 200


class SlackDayNotifier:
    """Posts and edits the day's messages with a WebClient that retries rate limits."""

    def __init__(self, client: WebClient, team_channel: str) -> None:
        self.client = client
        self.team_channel = team_channel

    def post_checklist(self, checklist: Checklist) -> Posted:
        response = self.client.chat_postMessage(
            channel=self.team_channel,
            text=f"Start of day {checklist.day}: the support checklist",
            blocks=as_dicts(checklist_blocks(checklist.day, checklist.pair, checklist.sections, checklist.ticks)),
        )
        return Posted(str(response["channel"]), str(response["ts"]))

    def show_ticks(self, where: Posted, checklist: Checklist) -> None:
        self.client.chat_update(
            channel=where.channel,
            ts=where.ts,
            text=f"Start of day {checklist.day}: the support checklist",
            blocks=as_dicts(checklist_blocks(checklist.day, checklist.pair, checklist.sections, checklist.ticks)),
        )

    def post_handover(self, day: str, on_call: str | None, sections: Sequence[str]) -> Posted:
        response = self.client.chat_postMessage(
            channel=self.team_channel,
            text=f"End-of-day handover {day}" + (f" to <@{on_call}>" if on_call else ""),
            blocks=as_dicts(handover_blocks(day, on_call, sections)),
        )
        return Posted(str(response["channel"]), str(response["ts"]))

    def send_handover_to_on_call(self, on_call: str, sections: Sequence[str]) -> None:
        handover = fit_lines(list(sections), PLAIN_MESSAGE - 40, separator="\n\n")
        self.client.chat_postMessage(channel=on_call, text=f"You are on call tonight. The handover:\n\n{handover}")

    def show_handover_done(
        self, where: Posted, day: str, on_call: str | None, sections: Sequence[str], by: str
    ) -> None:
        self.client.chat_update(
            channel=where.channel,
            ts=where.ts,
            text=f"End-of-day handover {day}: done by <@{by}>",
            blocks=as_dicts(handover_blocks(day, on_call, sections, done_by=by)),
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
