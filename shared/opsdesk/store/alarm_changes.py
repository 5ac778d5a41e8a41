"""Alarm changes already applied, and the one read that decides what a new change needs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from opsdesk.store.dynamodb import client, iso, to_dynamo

# SNS and EventBridge retry for hours, not weeks: two weeks covers every redelivery.
KEEP_SEEN = timedelta(days=14)


def seen_key(change_key: str) -> dict[str, Any]:
    return {"pk": f"ALARMCHANGE#{change_key}", "sk": "SEEN"}


def alarm_pointer_key(arn: str) -> str:
    return f"ALARM#{arn}"


@dataclass(frozen=True)
class Lookup:
    """Whether this change was applied already, and which incident its alarm has open (if any)."""

    seen: bool
    incident_id: str | None


class AlarmChanges:
    """The `ALARMCHANGE#<hash>`/`SEEN` items (with TTL) next to the incidents' `ALARM#<arn>` pointers."""

    def __init__(self, table_name: str) -> None:
        self.table = table_name

    def lookup(self, change_key: str, arn: str) -> Lookup:
        """One consistent BatchGetItem for both the seen marker and the alarm's pointer."""
        keys = [seen_key(change_key), {"pk": alarm_pointer_key(arn), "sk": "POINTER"}]
        request: dict[str, Any] = {
            self.table: {"Keys": [to_dynamo(key) for key in keys], "ConsistentRead": True},
        }
        found: list[dict[str, Any]] = []
        while request:
            response = client().batch_get_item(RequestItems=request)
            found += response.get("Responses", {}).get(self.table, [])
            # Unprocessed keys come back under throttling; the client's standard retries back off.
            request = dict(response.get("UnprocessedKeys") or {})
        seen = any(item["pk"]["S"].startswith("ALARMCHANGE#") for item in found)
        pointer = next((item for item in found if item["pk"]["S"].startswith("ALARM#")), None)
        return Lookup(seen=seen, incident_id=pointer["incident_id"]["S"] if pointer else None)

    def mark_seen(self, change_key: str, *, arn: str, state: str, changed_at: datetime) -> None:
        """Record a fully applied change; a later copy of it then costs one read."""
        client().put_item(
            TableName=self.table,
            Item=to_dynamo(
                {
                    **seen_key(change_key),
                    "arn": arn,
                    "state": state,
                    "changed_at": iso(changed_at),
                    "expires_at": int((changed_at + KEEP_SEEN).timestamp()),
                }
            ),
        )
