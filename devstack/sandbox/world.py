"""What the outside world sends opsdesk: CloudWatch alarms (via SNS), schedule ticks and Jira webhooks."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from devstack.settings import ACCOUNT_ID, REGION

if TYPE_CHECKING:
    from collections.abc import Callable

# Jira's status categories: what stage_of() reads first.
JIRA_STATUSES = {"To Do": ("new", "10000"), "In Progress": ("indeterminate", "3"), "Done": ("done", "10001")}
_LONDON = ZoneInfo("Europe/London")


def cloudwatch_time(moment: datetime) -> str:
    """Return a time as CloudWatch writes it in alarm notifications (milliseconds, +0000)."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def alarm_event(name: str, state: str, at: datetime, *, description: str = "", reason: str = "") -> dict[str, Any]:
    """Return the SNS-record event Lambda receives when CloudWatch publishes an alarm state change."""
    old = "OK" if state == "ALARM" else "ALARM"
    message = {
        "AlarmName": name,
        "AlarmDescription": description or f"{name} fired in the sandbox.",
        "AWSAccountId": ACCOUNT_ID,
        "AlarmConfigurationUpdatedTimestamp": cloudwatch_time(at),
        "NewStateValue": state,
        "NewStateReason": reason or f"Sandbox: {name} went from {old} to {state}.",
        "StateChangeTime": cloudwatch_time(at),
        "Region": "EU (London)",
        "AlarmArn": f"arn:aws:cloudwatch:{REGION}:{ACCOUNT_ID}:alarm:{name}",
        "OldStateValue": old,
        "OKActions": [],
        "AlarmActions": [f"arn:aws:sns:{REGION}:{ACCOUNT_ID}:opsdesk-alarms"],
        "InsufficientDataActions": [],
        "Trigger": {
            "MetricName": "5XXError", "Namespace": "AWS/ApiGateway", "StatisticType": "Statistic",
            "Statistic": "SUM", "Unit": None, "Dimensions": [{"value": name, "name": "ApiName"}], "Period": 60,
            "EvaluationPeriods": 1, "ComparisonOperator": "GreaterThanThreshold", "Threshold": 5.0,
            "TreatMissingData": "missing", "EvaluateLowSampleCountPercentile": "",
        },
    }  # fmt: skip
    topic = f"arn:aws:sns:{REGION}:{ACCOUNT_ID}:opsdesk-alarms"
    subscription = uuid.uuid4()
    return {
        "Records": [{
            "EventSource": "aws:sns",
            "EventVersion": "1.0",
            "EventSubscriptionArn": f"{topic}:{subscription}",
            "Sns": {
                "Type": "Notification",
                "MessageId": str(uuid.uuid4()),
                "TopicArn": topic,
                "Subject": f'{state}: "{name}" in EU (London)'[:100],
                "Message": json.dumps(message),
                "Timestamp": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
                "SignatureVersion": "1",
                "Signature": "EXAMPLE",
                "SigningCertUrl": f"https://sns.{REGION}.amazonaws.com/SimpleNotificationService-EXAMPLE.pem",
                "UnsubscribeUrl": (
                    f"https://sns.{REGION}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={topic}:{subscription}"
                ),
                "MessageAttributes": {},
            },
        }]
    }  # fmt: skip


def schedule_event(job: str, at: datetime, schedule_name: str = "") -> dict[str, Any]:
    """Return what EventBridge Scheduler delivers for one tick of a job (its Input, placeholders filled)."""
    return {
        "job": job,
        "time": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "schedule_arn": f"arn:aws:scheduler:{REGION}:{ACCOUNT_ID}:schedule/default/{schedule_name or job}",
        "execution_id": str(uuid.uuid4()),
        "attempt_number": "1",
    }


def jira_issue_updated(key: str, status: str, *, previous: str = "To Do", who: str = "Sandbox User") -> dict[str, Any]:
    """Return Jira's `jira:issue_updated` webhook body for a status transition."""
    category, status_id = JIRA_STATUSES.get(status, ("indeterminate", "3"))
    old_id = JIRA_STATUSES.get(previous, ("new", "10000"))[1]
    user = {"accountId": "5b10ac8d82e05b22cc7d4ef5", "displayName": who, "active": True}
    return {
        "timestamp": int(datetime.now(UTC).timestamp() * 1000),
        "webhookEvent": "jira:issue_updated",
        "issue_event_type_name": "issue_generic",
        "user": user,
        "issue": {
            "id": str(sum(map(ord, key)) * 7),
            "key": key,
            "fields": {
                "summary": f"{key} (moved in the sandbox)",
                "status": {"name": status, "id": status_id, "statusCategory": {"key": category}},
            },
        },
        "changelog": {
            "id": str(uuid.uuid4().int % 10**6),
            "items": [
                {
                    "field": "status",
                    "fieldtype": "jira",
                    "fieldId": "status",
                    "from": old_id,
                    "fromString": previous,
                    "to": status_id,
                    "toString": status,
                }
            ],
        },
    }


def parse_local_time(text: str) -> datetime:
    """Read a datetime-local value ("2026-11-30T09:00") as Europe/London; empty means now (to the millisecond,
    so an OK sent right after an ALARM is still later than it)."""
    if not text.strip():
        return datetime.now(UTC)
    moment = datetime.fromisoformat(text.strip())
    return moment.replace(tzinfo=_LONDON) if moment.tzinfo is None else moment


def post_json(
    url: str,
    body: dict[str, Any],
    headers: dict[str, str] | None = None,
    timeout: float = 30.0,
    *,
    sign: Callable[[bytes], dict[str, str]] | None = None,
) -> tuple[int, str]:
    """POST a JSON body to the local API (with `sign`'s headers for those exact bytes); return (status, text)."""
    data = json.dumps(body).encode()
    headers = {"Content-Type": "application/json", **(headers or {}), **(sign(data) if sign else {})}
    request = urllib.request.Request(url, data=data, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")
