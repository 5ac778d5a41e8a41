"""Each job's slot runs once: Powertools idempotency on the table, keyed on the job and the slot only.

A record per job and slot (pk `JOB#<job>`, sk `RUN#<slot>#<hash>`: Powertools appends its hash of
`{"job", "slot"}`, never of the event, whose execution id changes between retries):

- the first tick writes it INPROGRESS, conditionally, with `in_progress_until` (ms) at the invocation's
  deadline (opsdesk.deadline): a run that Lambda kills frees its slot before Lambda retries the tick a
  minute later, and a duplicate tick meanwhile finds a live run and leaves it alone;
- a run that raises deletes it, so Lambda's retry runs the job again;
- a run that finishes marks it COMPLETED with its result; until `expires_at` (the table's TTL, 14 days)
  a repeated tick is answered with that result and does nothing.

Two DynamoDB calls per run (PutItem, UpdateItem), one per repeated tick (the failed PutItem returns the
record): what the hand-written claim cost. Its clock is the wall clock, as the old lease's was in AWS.
"""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any, cast

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)

from opsdesk.deadline import RemainingTime
from opsdesk.store.dynamodb import client

if TYPE_CHECKING:
    from collections.abc import Callable

    from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord
    from aws_lambda_powertools.utilities.typing import LambdaContext

KEEP = timedelta(days=14)
ALREADY_RAN = "already ran"


def _already_ran(response: Any, idempotent_data: DataRecord) -> dict[str, object]:
    """A repeated tick answers what the run returned, marked as skipped."""
    return {**(response or {}), "skipped": ALREADY_RAN}


CONFIG = IdempotencyConfig(
    expires_after_seconds=int(KEEP.total_seconds()),
    raise_on_no_idempotency_key=True,
    # The in-progress lock ends with the invocation (the remaining time is all Powertools reads from a context).
    lambda_context=cast("LambdaContext", RemainingTime()),
    response_hook=_already_ran,
)


@lru_cache(maxsize=64)
def _records(dynamodb: Any, table_name: str, job: str) -> DynamoDBPersistenceLayer:
    """One persistence layer per job, on opsdesk's own client (its retries, the local endpoint, the bench's count)."""
    return DynamoDBPersistenceLayer(
        table_name=table_name,
        key_attr="pk",
        sort_key_attr="sk",
        static_pk_value=f"JOB#{job}",
        expiry_attr="expires_at",
        in_progress_expiry_attr="in_progress_until",
        status_attr="status",
        data_attr="result",
        boto3_client=dynamodb,
    )


def run_once(table_name: str, job: str, slot: str, work: Callable[[], dict[str, object]]) -> dict[str, object]:
    """Do `work` unless this job's slot is done or running; raises IdempotencyAlreadyInProgressError if running.

    The key prefix is set on the job's layer at each call (Powertools' `key_prefix`): safe because a
    container runs one invocation at a time.
    """

    def run(*, slot_key: dict[str, str]) -> dict[str, object]:
        return work()

    once = idempotent_function(
        run,
        data_keyword_argument="slot_key",
        persistence_store=_records(client(), table_name, job),
        config=CONFIG,
        key_prefix=f"RUN#{slot}",
    )
    result: dict[str, object] = once(slot_key={"job": job, "slot": slot})
    return result
