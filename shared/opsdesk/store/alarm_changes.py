"""Alarm changes already applied, each alarm's last applied state, and the one read that decides a new change.

`ALARM#<arn>`/`STATE` keeps the time and value of the alarm's last applied change, and the alert group it
is in: a change older than it (an ALARM arriving after a newer OK) is stale, whatever else exists or not.
It is written in the same transaction as whatever the change did, on condition that it is still older.
`ALARM#<arn>`/`POINTER` names the open incident the alarm's changes go to (the incident flows keep it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from opsdesk.store.alerts import Companion, latest_key
from opsdesk.store.dynamodb import Item, client, iso, parse_time, put_new, to_dynamo, transact

# SNS and EventBridge retry for hours, not weeks: two weeks covers every redelivery.
KEEP_SEEN = timedelta(days=14)


def seen_key(change_key: str) -> dict[str, Any]:
    return {"pk": f"ALARMCHANGE#{change_key}", "sk": "SEEN"}


def alarm_pointer_key(arn: str) -> str:
    return f"ALARM#{arn}"


def _millis(moment: datetime) -> int:
    return int(moment.astimezone(UTC).timestamp() * 1000)


@dataclass(frozen=True)
class AppliedState:
    """An alarm's last applied change: its value, its time, and the alert group it went to (if any)."""

    state: str
    changed_at: datetime
    group_id: str | None = None


@dataclass(frozen=True)
class Lookup:
    """Whether this change was applied already, where its alarm stands, and its grouping key's latest group."""

    seen: bool
    incident_id: str | None
    last: AppliedState | None = None
    latest_group: str | None = None


class AlarmChanges:
    """The `ALARMCHANGE#<hash>`/`SEEN` items (with TTL) next to each alarm's `STATE` and `POINTER`."""

    def __init__(self, table_name: str) -> None:
        self.table = table_name

    def lookup(self, change_key: str, arn: str, group_key: str = "") -> Lookup:
        """One consistent BatchGetItem: the seen marker, the alarm's state and pointer, the key's latest group."""
        keys = [
            seen_key(change_key),
            {"pk": alarm_pointer_key(arn), "sk": "POINTER"},
            {"pk": alarm_pointer_key(arn), "sk": "STATE"},
            latest_key(group_key),
        ]
        request: dict[str, Any] = {
            self.table: {"Keys": [to_dynamo(key) for key in keys], "ConsistentRead": True},
        }
        found: dict[tuple[str, str], dict[str, Any]] = {}
        while request:
            response = client().batch_get_item(RequestItems=request)
            for item in response.get("Responses", {}).get(self.table, []):
                found[(item["pk"]["S"][: item["pk"]["S"].find("#")], item["sk"]["S"])] = item
            # Unprocessed keys come back under throttling; the client's standard retries back off.
            request = dict(response.get("UnprocessedKeys") or {})
        pointer, state, latest = (
            found.get(("ALARM", "POINTER")),
            found.get(("ALARM", "STATE")),
            found.get(("ALERTKEY", "LATEST")),
        )
        last = None
        if state is not None:
            changed_at = parse_time(state["changed_at"]["S"])
            assert changed_at is not None
            last = AppliedState(state["state"]["S"], changed_at, (state.get("group_id") or {}).get("S"))
        return Lookup(
            seen=("ALARMCHANGE", "SEEN") in found,
            incident_id=pointer["incident_id"]["S"] if pointer else None,
            last=last,
            latest_group=latest["group_id"]["S"] if latest else None,
        )

    def seen_item(self, change_key: str, *, arn: str, state: str, changed_at: datetime) -> Item:
        return {
            **seen_key(change_key),
            "arn": arn,
            "state": state,
            "changed_at": iso(changed_at),
            "expires_at": int((changed_at + KEEP_SEEN).timestamp()),
        }

    def state_write(self, arn: str, name: str, state: str, changed_at: datetime, group_id: str | None) -> Companion:
        """The alarm's new last state, written only if it is still newer than the stored one."""
        item = {
            "pk": alarm_pointer_key(arn),
            "sk": "STATE",
            "name": name,
            "state": state,
            "changed_at": iso(changed_at),
            "at_ms": _millis(changed_at),
            "group_id": group_id,
        }
        return Companion(
            {
                "TableName": self.table,
                "Item": to_dynamo(item),
                "ConditionExpression": "attribute_not_exists(pk) OR at_ms < :ms",
                "ExpressionAttributeValues": to_dynamo({":ms": _millis(changed_at)}),
            }
        )

    def record(self, state: Companion, seen: Item) -> bool:
        """Record an alarm's new state with the change as seen, in one write; False when a newer state won."""
        from opsdesk.store.dynamodb import CancelledTransaction  # noqa: PLC0415  # only here

        try:
            transact([{"Put": state.put}, {"Put": {"TableName": self.table, "Item": to_dynamo(seen)}}])
        except CancelledTransaction:
            return False
        return True

    def mark_seen(self, seen: Item) -> None:
        """Record a fully applied change; a later copy of it then costs one read."""
        client().put_item(TableName=self.table, Item=to_dynamo(seen))

    def point_to_incident(self, arn: str, incident_id: str, at: datetime) -> bool:
        """Send the alarm's later changes to the incident; False when it already points at another open one."""
        item = {"pk": alarm_pointer_key(arn), "sk": "POINTER", "incident_id": incident_id, "created_at": iso(at)}
        return put_new(self.table, item, "attribute_not_exists(pk) OR incident_id = :i", **{":i": incident_id})

    def forget_incident(self, arn: str, incident_id: str) -> None:
        """Drop a pointer to an incident that is no longer open (only if it still names that incident)."""
        from botocore.exceptions import ClientError  # noqa: PLC0415

        try:
            client().delete_item(
                TableName=self.table,
                Key=to_dynamo({"pk": alarm_pointer_key(arn), "sk": "POINTER"}),
                ConditionExpression="incident_id = :i",
                ExpressionAttributeValues=to_dynamo({":i": incident_id}),
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
