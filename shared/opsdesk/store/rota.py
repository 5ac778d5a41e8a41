"""The rota in the table: pairs by start date, cover periods by day, the on-call engineer."""

from __future__ import annotations

from datetime import date, time
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from opsdesk.domain.rota import Cover, Pair, RotaToday
from opsdesk.store.dynamodb import client, from_dynamo, get_item, is_conditional_failure, query_all, to_dynamo

if TYPE_CHECKING:
    from datetime import datetime

_PK = "ROTA"


def _cover_sk(cover: Cover) -> str:
    return f"COVER#{cover.day.isoformat()}#{cover.starts:%H:%M}#{cover.user}"


class RotaRepository:
    """One partition, read with key queries: the latest pair on or before a day, that day's covers."""

    def __init__(self, table_name: str) -> None:
        self.table = table_name

    def set_pair(self, pair: Pair) -> None:
        client().put_item(
            TableName=self.table,
            Item=to_dynamo(
                {
                    "pk": _PK,
                    "sk": f"PAIR#{pair.starts.isoformat()}",
                    "engineers": list(pair.engineers),
                    "set_by": pair.set_by,
                }
            ),
        )

    def add_cover(self, cover: Cover) -> None:
        client().put_item(
            TableName=self.table,
            Item=to_dynamo(
                {
                    "pk": _PK,
                    "sk": _cover_sk(cover),
                    "user": cover.user,
                    "starts": f"{cover.starts:%H:%M}",
                    "ends": f"{cover.ends:%H:%M}",
                }
            ),
        )

    def mark_cover_reminded(self, cover: Cover, at: datetime) -> bool:
        """Record that the cover person was reminded at the start of their window; False if already recorded."""
        try:
            client().update_item(
                TableName=self.table,
                Key=to_dynamo({"pk": _PK, "sk": _cover_sk(cover)}),
                UpdateExpression="SET reminded_at = :at",
                ConditionExpression="attribute_exists(sk) AND attribute_not_exists(reminded_at)",
                ExpressionAttributeValues=to_dynamo({":at": at.isoformat()}),
            )
        except ClientError as error:
            if is_conditional_failure(error):
                return False
            raise
        return True

    def unmark_cover_reminded(self, cover: Cover) -> None:
        """The reminder did not go out: let the next sweep send it."""
        client().update_item(
            TableName=self.table,
            Key=to_dynamo({"pk": _PK, "sk": _cover_sk(cover)}),
            UpdateExpression="REMOVE reminded_at",
        )

    def set_on_call(self, user: str, at: datetime) -> None:
        client().put_item(
            TableName=self.table,
            Item=to_dynamo({"pk": _PK, "sk": "ONCALL", "user": user, "set_at": at.isoformat()}),
        )

    def pair_on(self, day: date) -> Pair | None:
        response = client().query(
            TableName=self.table,
            KeyConditionExpression="pk = :pk AND sk BETWEEN :low AND :high",
            ExpressionAttributeValues=to_dynamo({":pk": _PK, ":low": "PAIR#", ":high": f"PAIR#{day.isoformat()}"}),
            ScanIndexForward=False,
            Limit=1,
        )
        items = [from_dynamo(item) for item in response.get("Items", [])]
        if not items:
            return None
        item = items[0]
        return Pair(tuple(item["engineers"]), date.fromisoformat(item["sk"][5:]), item.get("set_by", ""))

    def covers_on(self, day: date) -> tuple[Cover, ...]:
        values = {":pk": _PK, ":prefix": f"COVER#{day.isoformat()}#"}
        return tuple(
            Cover(item["user"], day, time.fromisoformat(item["starts"]), time.fromisoformat(item["ends"]))
            for item in query_all(self.table, "pk = :pk AND begins_with(sk, :prefix)", values)
        )

    def on_call(self) -> str | None:
        item = get_item(self.table, _PK, "ONCALL")
        return str(item["user"]) if item else None

    def today(self, day: date) -> RotaToday:
        return RotaToday(day, self.pair_on(day), self.covers_on(day), self.on_call())
