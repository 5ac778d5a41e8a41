"""How one CloudWatch alarm reads in Slack: its console link, metric, threshold, reason and runbook."""

from __future__ import annotations

from typing import TYPE_CHECKING

from opsdesk.slack.fit import fit

if TYPE_CHECKING:
    from opsdesk.domain.incidents import AlarmInfo


def console_url(alarm: AlarmInfo) -> str:
    return (
        f"https://{alarm.region}.console.aws.amazon.com/cloudwatch/home?region={alarm.region}"
        f"#alarmsV2:alarm/{alarm.name}"
    )


def alarm_text(alarm: AlarmInfo, *, reason_room: int = 500) -> str:
    """The alarm's lines: state with the console link, metric and threshold, reason, runbook."""
    lines = [f"*Alarm:* <{console_url(alarm)}|{alarm.name}> is {alarm.state}"]
    if alarm.metric:
        lines.append(f"*Metric:* {alarm.metric} (threshold {alarm.threshold})")
    if alarm.reason:
        lines.append(f"*Reason:* {fit(alarm.reason, reason_room)}")
    if alarm.runbook_url:
        lines.append(f"*Runbook:* <{alarm.runbook_url}|open the runbook>")
    return "\n".join(lines)
