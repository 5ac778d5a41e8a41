"""The two shapes a CloudWatch alarm state change arrives in, and the one change they mean.

The envelopes are Powertools' parser models: an SNS record (`SnsRecordModel`, the records of
`SnsModel`, validated one by one so that one junk record never hides a good one) and an EventBridge
event (`EventBridgeModel`). Powertools has no model of the alarm itself (only of CloudWatch Logs),
so the alarm is ours: in an SNS record it is a JSON *string* in `Sns.Message`, in EventBridge the
`detail`. Both normalise to `AlarmChange`, whose key is the same whichever path it took.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Literal

from aws_lambda_powertools.utilities.parser.models import EventBridgeModel, SnsNotificationModel, SnsRecordModel
from pydantic import BaseModel, ConfigDict, Field, Json, ValidationError, field_validator

ALARM_DETAIL_TYPE = "CloudWatch Alarm State Change"


class AlarmState(StrEnum):
    ALARM = "ALARM"
    OK = "OK"
    INSUFFICIENT_DATA = "INSUFFICIENT_DATA"


def _utc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    except OverflowError as error:  # e.g. 0001-01-01T00:00+05:00: before year 1 in UTC
        # A ValueError, so pydantic reports it as a validation error and the change is rejected, not raised.
        raise ValueError("the time is outside the range of dates") from error


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class SnsTrigger(_Model):
    metric_name: str = Field(default="", alias="MetricName")
    namespace: str = Field(default="", alias="Namespace")
    threshold: float | None = Field(default=None, alias="Threshold")
    comparison_operator: str = Field(default="", alias="ComparisonOperator")


class SnsAlarmMessage(_Model):
    """The JSON CloudWatch publishes to an SNS topic when an alarm changes state."""

    alarm_name: str = Field(min_length=1, alias="AlarmName")
    alarm_description: str | None = Field(default=None, alias="AlarmDescription")
    new_state_value: AlarmState = Field(alias="NewStateValue")
    new_state_reason: str = Field(default="", alias="NewStateReason")
    state_change_time: datetime = Field(alias="StateChangeTime")
    alarm_arn: str = Field(pattern=r"^arn:aws[\w-]*:cloudwatch:", alias="AlarmArn")
    region: str = Field(default="", alias="Region")
    trigger: SnsTrigger | None = Field(default=None, alias="Trigger")

    _utc_time = field_validator("state_change_time")(_utc)


class AlarmNotification(SnsNotificationModel):
    """Powertools' SNS notification, its message the alarm."""

    Message: Json[SnsAlarmMessage]  # type: ignore[assignment]  # narrowed from Powertools' str


class AlarmSnsRecord(SnsRecordModel):
    """One record of Powertools' `SnsModel`, carrying an alarm."""

    Sns: AlarmNotification

    @field_validator("Sns", mode="before")
    @classmethod
    def _an_object(cls, value: object) -> object:
        # SnsNotificationModel's own before-validator iterates its input: `"Sns": null` would raise TypeError
        # there (found by fuzzing), not a validation error, and the junk would fail the invocation.
        if not isinstance(value, dict):
            raise ValueError("Sns must be an object")
        return value


class EventBridgeState(_Model):
    value: AlarmState
    reason: str = ""
    timestamp: datetime
    reason_data: str = Field(default="", alias="reasonData")

    _utc_time = field_validator("timestamp")(_utc)


class EventBridgeConfiguration(_Model):
    description: str | None = None
    metrics: list[dict[str, Any]] = Field(default_factory=list)


class EventBridgeDetail(_Model):
    alarm_name: str = Field(min_length=1, alias="alarmName")
    state: EventBridgeState
    previous_state: EventBridgeState | None = Field(default=None, alias="previousState")
    configuration: EventBridgeConfiguration = Field(default_factory=EventBridgeConfiguration)


class EventBridgeAlarmEvent(EventBridgeModel):
    """Powertools' EventBridge event, narrowed to a `CloudWatch Alarm State Change`."""

    detail_type: Literal["CloudWatch Alarm State Change"] = Field(alias="detail-type")
    source: Literal["aws.cloudwatch"]
    resources: list[str] = Field(min_length=1)
    detail: EventBridgeDetail

    @field_validator("resources")
    @classmethod
    def _alarm_arn_first(cls, value: list[str]) -> list[str]:
        if not value[0].startswith("arn:") or ":alarm:" not in value[0]:
            raise ValueError("resources[0] must be the alarm ARN")
        return value


@dataclass(frozen=True)
class AlarmChange:
    """One alarm state change, whichever path delivered it."""

    arn: str
    name: str
    state: AlarmState
    changed_at: datetime
    reason: str = ""
    metric: str = ""
    threshold: str = ""
    region: str = ""
    description: str = ""
    via: str = ""  # "sns" or "eventbridge": how it arrived (not part of the key)

    @property
    def key(self) -> str:
        """ARN + state time + state value: identical for the SNS and EventBridge copies of a change."""
        text = f"{self.arn}|{self.changed_at.isoformat()}|{self.state.value}"
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Rejected:
    """Something that is not a CloudWatch alarm state change, and why."""

    reason: str
    source: str


def _region_of(arn: str, fallback: str) -> str:
    # SNS's "Region" is a display name ("EU (London)"); the ARN holds the code the console needs.
    parts = arn.split(":")
    return parts[3] if len(parts) > 3 and parts[3] else fallback


def _number(value: object) -> str:
    """A threshold as people write it ("5", "0.5"); "" for anything that is not a number."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return ""
    try:
        number = float(value)
    except (ValueError, OverflowError):  # "abc", or an integer too large for a float
        return ""
    return str(int(number)) if number.is_integer() else str(value)


def from_sns(message: SnsAlarmMessage) -> AlarmChange:
    trigger = message.trigger or SnsTrigger()
    metric = "/".join(part for part in (trigger.namespace, trigger.metric_name) if part)
    threshold = _number(trigger.threshold)
    if threshold and trigger.comparison_operator:
        threshold = f"{trigger.comparison_operator} {threshold}"
    return AlarmChange(
        arn=message.alarm_arn,
        name=message.alarm_name,
        state=message.new_state_value,
        changed_at=message.state_change_time,
        reason=message.new_state_reason,
        metric=metric,
        threshold=threshold,
        region=_region_of(message.alarm_arn, message.region),
        description=message.alarm_description or "",
        via="sns",
    )


def from_eventbridge(event: EventBridgeAlarmEvent) -> AlarmChange:
    detail = event.detail
    metric = ""
    for query in detail.configuration.metrics:
        # Optional and only descriptive: a part of an odd shape is skipped, never a reason to drop the alarm.
        stat = query.get("metricStat")
        found = stat.get("metric") if isinstance(stat, dict) else None
        if isinstance(found, dict) and isinstance(found.get("name"), str) and found["name"]:
            namespace = found.get("namespace")
            parts = (namespace if isinstance(namespace, str) else "", found["name"])
            metric = "/".join(part for part in parts if part)
            break
    threshold = ""
    try:
        # The threshold is only in the state's reasonData; metric-math alarms may have none.
        reason_data = json.loads(detail.state.reason_data) if detail.state.reason_data else {}
        threshold = _number(reason_data.get("threshold")) if isinstance(reason_data, dict) else ""
    except (ValueError, RecursionError):  # not JSON, or nested past the parser's limit
        threshold = ""
    arn = event.resources[0]
    return AlarmChange(
        arn=arn,
        name=detail.alarm_name,
        state=detail.state.value,
        changed_at=detail.state.timestamp,
        reason=detail.state.reason,
        metric=metric,
        threshold=threshold,
        region=_region_of(arn, event.region),
        description=detail.configuration.description or "",
        via="eventbridge",
    )


def _first_error(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    return f"{where}: {first['msg']}" if where else str(first["msg"])


def parse_event(event: object) -> list[AlarmChange | Rejected]:
    """Every alarm change in a Lambda event (SNS batch or one EventBridge event); junk is Rejected, never raised."""
    if not isinstance(event, dict):
        return [Rejected("the event is not a JSON object", "unknown")]
    if "Records" in event:
        records = event["Records"] if isinstance(event["Records"], list) else []
        parsed: list[AlarmChange | Rejected] = []
        for index, record in enumerate(records):
            try:
                parsed.append(from_sns(AlarmSnsRecord.model_validate(record).Sns.Message))
            except ValidationError as error:
                parsed.append(Rejected(f"not a CloudWatch alarm ({_first_error(error)})", f"sns record {index}"))
        return parsed or [Rejected("an SNS event with no records", "sns")]
    if "detail-type" in event:
        try:
            return [from_eventbridge(EventBridgeAlarmEvent.model_validate(event))]
        except ValidationError as error:
            return [Rejected(f"not a CloudWatch alarm ({_first_error(error)})", "eventbridge")]
    return [Rejected("neither an SNS nor an EventBridge event", "unknown")]
