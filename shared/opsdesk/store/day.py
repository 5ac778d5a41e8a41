"""The working day's records: the start-of-day checklist (who ticked what) and the handover."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from opsdesk.store.dynamodb import client, get_item, is_conditional_failure, to_dynamo

_KEEP = timedelta(days=400)


class DayRepository:
    """One partition per day (`DAY#<yyyy-mm-dd>`): the checklist message, ticks, the handover."""

    def __init__(self, table_name: str) -> None:
        self.table = table_name

    def _key(self, day: str, sk: str) -> dict[str, Any]:
        return to_dynamo({"pk": f"DAY#{day}", "sk": sk})

    def record_post(self, day: str, what: str, channel: str, ts: str, at: datetime) -> None:
        """Remember where the checklist or handover message is, to edit it as people act."""
        client().put_item(
            TableName=self.table,
            Item=to_dynamo(
                {
                    "pk": f"DAY#{day}",
                    "sk": what,
                    "channel": channel,
                    "ts": ts,
                    "posted_at": at.isoformat(),
                    "expires_at": int((at + _KEEP).timestamp()),
                }
            ),
        )

    def post_of(self, day: str, what: str) -> dict[str, Any] | None:
        return get_item(self.table, f"DAY#{day}", what)

    def record_ticks(self, day: str, selected: list[str], user: str, at: datetime) -> dict[str, str]:
        """Keep the first ticker of each item still ticked; return item -> who ticked it."""
        current = self.post_of(day, "CHECKLIST") or {}
        ticks: dict[str, str] = dict(current.get("ticks") or {})
        ticks = {item: who for item, who in ticks.items() if item in selected}
        for item in selected:
            ticks.setdefault(item, f"{user}@{at.isoformat()}")
        client().update_item(
            TableName=self.table,
            Key=self._key(day, "CHECKLIST"),
            UpdateExpression="SET ticks = :t",
            ExpressionAttributeValues=to_dynamo({":t": ticks}),
        )
        return ticks

    def record_handover(self, day: str, user: str, at: datetime) -> bool:
        """Record who handed over; False if someone already did (the first one counts)."""
        try:
            client().update_item(
                TableName=self.table,
                Key=self._key(day, "HANDOVER"),
                UpdateExpression="SET done_by = :u, done_at = :at",
                ConditionExpression="attribute_not_exists(done_by)",
                ExpressionAttributeValues=to_dynamo({":u": user, ":at": at.isoformat()}),
            )
        except ClientError as error:
            if is_conditional_failure(error):
                return False
            raise
        return True
