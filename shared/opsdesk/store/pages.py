"""Page counts per person and month, for the paging trial's review (an atomic counter per item)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from opsdesk.store.dynamodb import client, query_all, to_dynamo

if TYPE_CHECKING:
    from datetime import datetime


class PageCounts:
    """`PAGES#<yyyy-mm>` / `PERSON#<who>`: how many times each person was paged that month."""

    def __init__(self, table_name: str) -> None:
        self.table = table_name

    def add(self, person: str, at: datetime) -> None:
        client().update_item(
            TableName=self.table,
            Key=to_dynamo({"pk": f"PAGES#{at:%Y-%m}", "sk": f"PERSON#{person}"}),
            UpdateExpression="ADD pages :one SET person = :p",
            ExpressionAttributeValues=to_dynamo({":one": 1, ":p": person}),
        )

    def month(self, month: str) -> dict[str, int]:
        items = query_all(self.table, "pk = :pk", {":pk": f"PAGES#{month}"})
        return {str(item["person"]): int(item["pages"]) for item in items}
