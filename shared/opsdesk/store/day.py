"""The working day's records: the start-of-day checklist (who ticked what) and the handover."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from opsdesk.domain.errors import Conflict
from opsdesk.domain.ports import Checklist, Posted, Ticks
from opsdesk.store.dynamodb import client, get_item, is_conditional_failure, to_dynamo

_KEEP = timedelta(days=400)


class DayRepository:
    """One partition per day (`DAY#<yyyy-mm-dd>`): the checklist message, ticks, the handover."""

    def __init__(self, table_name: str) -> None:
        self.table = table_name

    def _key(self, day: str, sk: str) -> dict[str, Any]:
        return to_dynamo({"pk": f"DAY#{day}", "sk": sk})

    def record_post(self, day: str, what: str, channel: str, ts: str, at: datetime, **details: Any) -> None:
        """Remember where the checklist or handover message is (and what it showed), to edit it as people act."""
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
                    **details,
                }
            ),
        )

    def record_checklist(self, checklist: Checklist, where: Posted, at: datetime) -> None:
        """Keep the checklist's pair and sections, so a tick redraws the same message rather than a new one."""
        self.record_post(
            checklist.day,
            "CHECKLIST",
            where.channel,
            where.ts,
            at,
            pair=list(checklist.pair),
            sections=list(checklist.sections),
            ticks=dict(checklist.ticks),
        )

    def post_of(self, day: str, what: str) -> dict[str, Any] | None:
        return get_item(self.table, f"DAY#{day}", what)

    def checklist(self, day: str) -> tuple[Posted, Checklist] | None:
        """The posted checklist and what it shows; None if it was never recorded with its content."""
        item = self.post_of(day, "CHECKLIST")
        if not item or not item.get("ts") or "sections" not in item:
            return None
        checklist = Checklist(
            day,
            tuple(str(user) for user in item.get("pair") or ()),
            tuple(str(section) for section in item["sections"]),
            {str(key): str(value) for key, value in (item.get("ticks") or {}).items()},
        )
        return Posted(str(item["channel"]), str(item["ts"])), checklist

    def ticks(self, day: str) -> Ticks:
        """Who ticked what on the day's checklist, with the version a save is conditional on."""
        current = self.post_of(day, "CHECKLIST") or {}
        ticks = {str(item): str(who) for item, who in (current.get("ticks") or {}).items()}
        return Ticks(ticks, int(current.get("ticks_version", 0)))

    def save_ticks(self, day: str, ticks: Ticks) -> Ticks:
        """Write the ticks if nobody ticked since they were read; Conflict otherwise."""
        try:
            client().update_item(
                TableName=self.table,
                Key=self._key(day, "CHECKLIST"),
                UpdateExpression="SET ticks = :t, ticks_version = :next",
                ConditionExpression="attribute_not_exists(ticks_version) OR ticks_version = :v",
                ExpressionAttributeValues=to_dynamo(
                    {":t": dict(ticks.ticks), ":next": ticks.version + 1, ":v": ticks.version}
                ),
            )
        except ClientError as error:
            if is_conditional_failure(error):
                raise Conflict("The checklist is changing fast; please tick again.") from error
            raise
        return Ticks(ticks.ticks, ticks.version + 1)

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
