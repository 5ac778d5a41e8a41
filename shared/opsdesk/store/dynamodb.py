"""The low-level DynamoDB client, item (de)serialisation and transaction errors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import boto3
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.config import Config
from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

Item = dict[str, Any]

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()
# Standard retry mode backs off on throttling; short timeouts keep the Slack ack path inside 3 s.
_CONFIG = Config(retries={"mode": "standard", "max_attempts": 4}, connect_timeout=2, read_timeout=5)


@lru_cache(maxsize=1)
def client() -> DynamoDBClient:
    """The process-wide client; AWS_ENDPOINT_URL points it at the local stack."""
    return boto3.client("dynamodb", config=_CONFIG)


def to_dynamo(item: Item) -> dict[str, Any]:
    return {key: _serializer.serialize(value) for key, value in item.items() if value is not None and value != ""}


def from_dynamo(item: dict[str, Any]) -> Item:
    return {key: _deserializer.deserialize(value) for key, value in item.items()}


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def parse_time(text: object) -> datetime | None:
    return datetime.fromisoformat(str(text)) if text else None


class IdTaken(Exception):  # a signal, not a failure
    """The short id is another source's item: the creation takes the next longer one (domain/ids.py)."""


@dataclass(frozen=True)
class CancelledTransaction(Exception):
    """A transaction was refused; `reasons` says which item's condition failed."""

    reasons: tuple[str, ...]

    def failed_at(self, index: int) -> bool:
        return index < len(self.reasons) and self.reasons[index] == "ConditionalCheckFailed"


def transact(items: list[dict[str, Any]]) -> None:
    """Write all or nothing; raise CancelledTransaction with per-item reasons on a failed condition."""
    try:
        client().transact_write_items(TransactItems=items)  # type: ignore[arg-type]
    except ClientError as error:
        if error.response["Error"]["Code"] != "TransactionCanceledException":
            raise
        reasons = tuple(reason.get("Code", "None") for reason in error.response.get("CancellationReasons", []))
        if "ConditionalCheckFailed" not in reasons:
            raise
        raise CancelledTransaction(reasons) from error


def is_conditional_failure(error: ClientError) -> bool:
    return error.response["Error"]["Code"] == "ConditionalCheckFailedException"


def get_item(table: str, pk: str, sk: str) -> Item | None:
    """One item by its key, read consistently (flows decide on what they read)."""
    response = client().get_item(TableName=table, Key=to_dynamo({"pk": pk, "sk": sk}), ConsistentRead=True)
    return from_dynamo(response["Item"]) if "Item" in response else None


def put_new(table: str, item: Item, condition: str = "attribute_not_exists(pk)", **values: Any) -> bool:
    """Put an item only if `condition` holds (by default: it is new); False when it does not."""
    request: dict[str, Any] = {"TableName": table, "Item": to_dynamo(item), "ConditionExpression": condition}
    if values:
        request["ExpressionAttributeValues"] = to_dynamo(values)
    try:
        client().put_item(**request)
    except ClientError as error:
        if is_conditional_failure(error):
            return False
        raise
    return True


def query_all(table: str, key_condition: str, values: dict[str, Any], *, index: str | None = None) -> list[Item]:
    """Every item a key condition selects, following pagination."""
    request: dict[str, Any] = {
        "TableName": table,
        "KeyConditionExpression": key_condition,
        "ExpressionAttributeValues": to_dynamo(values),
    }
    if index:
        request["IndexName"] = index
    items: list[Item] = []
    while True:
        response = client().query(**request)
        items += [from_dynamo(item) for item in response.get("Items", [])]
        if "LastEvaluatedKey" not in response:
            return items
        request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
