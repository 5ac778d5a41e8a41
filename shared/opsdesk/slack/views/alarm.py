"""How one CloudWatch alarm reads in Slack: its console link, metric, threshold, reason and runbook."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

from opsdesk.slack.views.mrkdwn import link, literal, said

if TYPE_CHECKING:
    from opsdesk.domain.incidents import AlarmInfo


def console_url(alarm: AlarmInfo) -> str:
    # The name and region come from the alarm's event: encoded, so neither can end the link or add markup.
    region = quote(alarm.region, safe="")
    return (
        f"https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}"
        f"#alarmsV2:alarm/{quote(alarm.name, safe='')}"
    )


def alarm_text(alarm: AlarmInfo, *, reason_room: int = 500) -> str:
    """The alarm's lines: state with the console link, metric and threshold, reason, runbook."""
    lines = [f"*Alarm:* {link(console_url(alarm), alarm.name)} is {literal(alarm.state)}"]
    if alarm.metric:
        lines.append(f"*Metric:* {literal(alarm.metric)} (threshold {literal(alarm.threshold)})")
    if alarm.reason:
        lines.append(f"*Reason:* {said(alarm.reason, reason_room)}")
    if alarm.runbook_url:
        lines.append(f"*Runbook:* {link(alarm.runbook_url, 'open the runbook')}")
    return "\n".join(lines)
