"""Claims on scheduled job runs, so a repeated or retried tick never does a job twice."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from opsdesk.store.dynamodb import client, is_conditional_failure, to_dynamo

_KEEP = timedelta(days=14)
# Longer than the function timeout (20 s): a claim older than this has no live run behind it,
# so Lambda's retry a minute later takes the slot over instead of skipping the day's job.
_LEASE = timedelta(seconds=30)


class JobRuns:
    """One claim per job and slot (e.g. start-of-day on 2026-11-30): the first tick wins."""

    def __init__(self, table_name: str) -> None:
        self.table = table_name

    def _key(self, job: str, slot: str) -> dict[str, Any]:
        return to_dynamo({"pk": f"JOB#{job}", "sk": f"RUN#{slot}"})

    def claim(self, job: str, slot: str, now: datetime) -> bool:
        """Claim the slot; False if it is done, or being done by a live attempt."""
        try:
            client().put_item(
                TableName=self.table,
                Item=to_dynamo(
                    {
                        "pk": f"JOB#{job}",
                        "sk": f"RUN#{slot}",
                        "status": "running",
                        "lease_until": (now + _LEASE).isoformat(),
                        "expires_at": int((now + _KEEP).timestamp()),
                    }
                ),
                ConditionExpression="attribute_not_exists(pk) OR (#s = :running AND lease_until < :now)",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues=to_dynamo({":running": "running", ":now": now.isoformat()}),
            )
        except ClientError as error:
            if is_conditional_failure(error):
                return False
            raise
        return True

    def complete(self, job: str, slot: str) -> None:
        client().update_item(
            TableName=self.table,
            Key=self._key(job, slot),
            UpdateExpression="SET #s = :done",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues=to_dynamo({":done": "done"}),
        )

    def release(self, job: str, slot: str) -> None:
        """Give the slot back after a failure so the retry runs it."""
        client().delete_item(TableName=self.table, Key=self._key(job, slot))
