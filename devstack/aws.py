"""The embedded AWS: a moto server, and the template's tables, topics and queues created in it."""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import socket
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import ClientError

from devstack.settings import HOST, MOTO_PORT, REGION, aws_environment

if TYPE_CHECKING:
    from moto.server import ThreadedMotoServer

    from devstack.template import Resource, Template

# CloudFormation properties that create_table takes as they are.
_TABLE_CREATE_KEYS = (
    "AttributeDefinitions",
    "KeySchema",
    "BillingMode",
    "ProvisionedThroughput",
    "OnDemandThroughput",
    "LocalSecondaryIndexes",
    "Tags",
    "TableClass",
    "DeletionProtectionEnabled",
)
# CloudFormation-only keys inside an index that the DynamoDB API refuses.
_INDEX_CFN_ONLY = ("ContributorInsightsSpecification", "WarmThroughput")
_QUEUE_ATTRIBUTES = (
    "DelaySeconds",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds",
    "VisibilityTimeout",
    "FifoQueue",
    "ContentBasedDeduplication",
    "DeduplicationScope",
    "FifoThroughputLimit",
)


@dataclass
class LocalAws:
    """An AWS endpoint: a moto server this process started, or one given by AWS_ENDPOINT_URL."""

    endpoint_url: str
    server: ThreadedMotoServer | None = None

    def stop(self) -> None:
        """Stop the moto server if this process started it."""
        if self.server is not None:
            self.server.stop()
            self.server = None


_DYNAMODB_LOCK = threading.RLock()
# Every DynamoDB operation moto serves, as one request at a time. DynamoDB isolates a transaction from every
# other write ("serializable isolation" between TransactWriteItems and PutItem, UpdateItem, DeleteItem and
# other transactions: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html
# #transaction-isolation), and an UpdateItem is atomic. moto's threaded server is not: a cancelled
# TransactWriteItems restores a copy of the whole table taken when it began (moto/dynamodb/models/
# __init__.py, transact_write_items), undoing whatever other requests wrote meanwhile, so concurrent writers
# that DynamoDB keeps apart lose one another's items here. Serialising moto's DynamoDB makes it truthful.
_SERIALISED = (
    "put_item",
    "get_item",
    "update_item",
    "delete_item",
    "query",
    "scan",
    "batch_get_item",
    "transact_write_items",
    "transact_get_items",
)


def serialise_dynamodb() -> None:
    """Make moto's DynamoDB serve one operation at a time, as isolated as DynamoDB's own (idempotent)."""
    from moto.dynamodb.models import DynamoDBBackend

    for name in _SERIALISED:
        original = getattr(DynamoDBBackend, name, None)
        if original is None or getattr(original, "_opsdesk_serialised", False):
            continue

        def serialised(self: Any, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
            with _DYNAMODB_LOCK:
                return _original(self, *args, **kwargs)

        wrapped = functools.wraps(original)(serialised)
        wrapped._opsdesk_serialised = True  # type: ignore[attr-defined]
        setattr(DynamoDBBackend, name, wrapped)


def start_moto(host: str = HOST, port: int = MOTO_PORT, *, use_existing: bool = True) -> LocalAws:
    """Start a moto server (port 0 picks a free port) unless AWS_ENDPOINT_URL already points elsewhere."""
    existing = os.environ.get("AWS_ENDPOINT_URL", "").rstrip("/")
    if use_existing and existing and existing != f"http://{host}:{port}":
        return LocalAws(existing)
    if port:
        _ensure_free(host, port)
    from moto.server import ThreadedMotoServer

    serialise_dynamodb()
    # werkzeug logs every request to stderr; boto3's calls would drown the stack's own output.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    _isolate_dynamodb_operations()
    server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
    server.start()
    bound_host, bound_port = server.get_host_and_port()
    return LocalAws(f"http://{bound_host}:{bound_port}", server)


# DynamoDB applies each item operation and each transaction atomically, and transactions are serializable
# with the other writes and reads of their items ("Isolation levels for DynamoDB transactions",
# https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html#transaction-isolation).
# moto's threaded server runs requests concurrently without that: TransactWriteItems checks its conditions,
# writes, and on a failed condition restores a deep copy of the whole table taken before it started, which
# erases any write another thread committed in between (a stale version comes back, and a conditional write
# that must lose then wins). One lock around moto's DynamoDB operations gives the isolation DynamoDB gives.
_DYNAMODB_OPERATIONS = (
    "put_item",
    "update_item",
    "delete_item",
    "batch_write_item",
    "transact_write_items",
    "get_item",
    "batch_get_item",
    "transact_get_items",
    "query",
    "scan",
)
_dynamodb_lock = threading.RLock()


def _isolate_dynamodb_operations() -> None:
    """Make each of moto's DynamoDB operations atomic, as DynamoDB's are (once per process)."""
    from moto.dynamodb.models import DynamoDBBackend

    for name in _DYNAMODB_OPERATIONS:
        operation = getattr(DynamoDBBackend, name)
        if getattr(operation, "_isolated", False):
            continue

        @functools.wraps(operation)
        def isolated(self: Any, *args: Any, _operation: Any = operation, **kwargs: Any) -> Any:
            with _dynamodb_lock:
                return _operation(self, *args, **kwargs)

        isolated._isolated = True  # type: ignore[attr-defined]
        setattr(DynamoDBBackend, name, isolated)


def _ensure_free(host: str, port: int) -> None:
    # ThreadedMotoServer waits forever when its thread cannot bind: fail fast with a readable reason.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise RuntimeError(f"{host}:{port} is in use; is another `make run` running?") from error


def client(service: str, endpoint_url: str, region: str = REGION) -> Any:
    """Return a boto3 client for the local endpoint with fake credentials."""
    env = aws_environment(endpoint_url, region)
    return boto3.client(
        service,  # type: ignore[call-overload]
        endpoint_url=endpoint_url,
        region_name=region,
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=env["AWS_SESSION_TOKEN"],
    )


def create_resources(template: Template, endpoint_url: str, region: str = REGION) -> dict[str, str]:
    """Create the template's tables, topics and queues (existing ones are kept); return logical id -> name/ARN/URL."""
    created: dict[str, str] = {}
    dynamodb = client("dynamodb", endpoint_url, region)
    for table in template.tables():
        create_table(dynamodb, table)
        created[table.logical_id] = table.name
    sns = client("sns", endpoint_url, region)
    for topic in template.topics():
        attributes = _strings(topic.properties, ("FifoTopic", "ContentBasedDeduplication"))
        created[topic.logical_id] = sns.create_topic(Name=topic.name, Attributes=attributes)["TopicArn"]
    sqs = client("sqs", endpoint_url, region)
    for queue in template.queues():
        created[queue.logical_id] = _create_queue(sqs, queue)
    for queue in template.queues():
        redrive = queue.properties.get("RedrivePolicy")
        if isinstance(redrive, dict) and redrive.get("deadLetterTargetArn"):
            sqs.set_queue_attributes(
                QueueUrl=created[queue.logical_id], Attributes={"RedrivePolicy": json.dumps(redrive)}
            )
    return created


def table_request(table: Resource) -> dict[str, Any]:
    """Translate a table's CloudFormation Properties into create_table arguments."""
    properties = _coerce(_without_none(table.properties))
    if table.type == "AWS::Serverless::SimpleTable":
        key = properties.get("PrimaryKey") or {"Name": "id", "Type": "String"}
        key_type = {"String": "S", "Number": "N", "Binary": "B"}[key.get("Type", "String")]
        request: dict[str, Any] = {
            "AttributeDefinitions": [{"AttributeName": key["Name"], "AttributeType": key_type}],
            "KeySchema": [{"AttributeName": key["Name"], "KeyType": "HASH"}],
            "BillingMode": "PROVISIONED" if "ProvisionedThroughput" in properties else "PAY_PER_REQUEST",
        }
    else:
        request = {key: properties[key] for key in _TABLE_CREATE_KEYS if key in properties}
    request["TableName"] = table.name
    if properties.get("ProvisionedThroughput") and "BillingMode" not in request:
        request["BillingMode"] = "PROVISIONED"
    if properties.get("GlobalSecondaryIndexes"):
        request["GlobalSecondaryIndexes"] = [
            {key: value for key, value in index.items() if key not in _INDEX_CFN_ONLY}
            for index in properties["GlobalSecondaryIndexes"]
        ]
    if sse := properties.get("SSESpecification"):
        request["SSESpecification"] = {
            "Enabled": sse.get("SSEEnabled", False),
            **{key: sse[key] for key in ("SSEType", "KMSMasterKeyId") if key in sse},
        }
    if stream := properties.get("StreamSpecification"):
        request["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": stream["StreamViewType"]}
    return request


def create_table(dynamodb: Any, table: Resource) -> None:
    """Create one table from its Properties, then its TTL and point-in-time recovery; an existing table is kept."""
    try:
        dynamodb.create_table(**table_request(table))
    except ClientError as error:
        if error.response["Error"]["Code"] != "ResourceInUseException":
            raise
    dynamodb.get_waiter("table_exists").wait(TableName=table.name, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    properties = _coerce(_without_none(table.properties))
    ttl = properties.get("TimeToLiveSpecification") or {}
    if ttl.get("Enabled"):
        current = dynamodb.describe_time_to_live(TableName=table.name)["TimeToLiveDescription"]
        if current.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING"):
            dynamodb.update_time_to_live(
                TableName=table.name,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["AttributeName"]},
            )
    pitr = properties.get("PointInTimeRecoverySpecification") or {}
    if pitr.get("PointInTimeRecoveryEnabled"):
        # Some local engines lack backups; nothing the code reads depends on them.
        with contextlib.suppress(ClientError):
            dynamodb.update_continuous_backups(
                TableName=table.name,
                PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
            )


def _create_queue(sqs: Any, queue: Resource) -> str:
    attributes = _strings(queue.properties, _QUEUE_ATTRIBUTES)
    try:
        return str(sqs.create_queue(QueueName=queue.name, Attributes=attributes)["QueueUrl"])
    except ClientError as error:
        if "QueueAlreadyExists" not in error.response["Error"]["Code"]:
            raise
        return str(sqs.get_queue_url(QueueName=queue.name)["QueueUrl"])


def _strings(properties: dict[str, Any], keys: tuple[str, ...]) -> dict[str, str]:
    """Return the given properties as the string attributes SNS and SQS take."""
    return {
        key: str(value).lower() if isinstance(value, bool) else str(value)
        for key, value in properties.items()
        if key in keys and value is not None
    }


def _without_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _without_none(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_without_none(item) for item in value if item is not None]
    return value


def _coerce(value: Any, key: str = "") -> Any:
    """Turn CloudFormation's string booleans and numbers (often from !Ref) into what boto3 validates."""
    if isinstance(value, dict):
        return {name: _coerce(item, name) for name, item in value.items()}
    if isinstance(value, list):
        return [_coerce(item, key) for item in value]
    if key.endswith("Enabled") and isinstance(value, str):
        return value.lower() == "true"
    if key.endswith(("CapacityUnits", "RequestUnits")) and isinstance(value, str):
        return int(value)
    return value
