"""Count (and time) every DynamoDB request by operation through botocore's event hooks."""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any

import boto3
from botocore.awsrequest import AWSResponse

from opsdesk.store import dynamodb

_HOOK_ID = "opsdesk-bench"


class DynamoDBCalls:
    """Installed once on boto3's default session (every client made later inherits it) and on opsdesk's client."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._local = threading.local()
        self.stub_storage = False
        self.scans_seen = 0  # over the whole run, never reset
        self.reset()
        self._register(boto3._get_default_session().events)  # the session boto3.client() uses

    def attach(self) -> None:
        """Hook opsdesk's own client too (it may predate the session hook); unique ids prevent double counts."""
        self._register(dynamodb.client().meta.events)

    def _register(self, emitter: Any) -> None:
        emitter.register("before-call.dynamodb", self._before, unique_id=f"{_HOOK_ID}-before")
        emitter.register("after-call.dynamodb", self._after, unique_id=f"{_HOOK_ID}-after")

    def reset(self) -> None:
        with self._lock:
            self.operations: Counter[str] = Counter()
            self.seconds = 0.0
            self.items_read = 0

    @property
    def total(self) -> int:
        return sum(self.operations.values())

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(sorted(self.operations.items()))

    def _before(self, model: Any, **_: Any) -> Any:
        with self._lock:
            self.operations[model.name] += 1
            self.scans_seen += model.name == "Scan"
        self._local.started = time.perf_counter()
        if self.stub_storage:
            # Short-circuit the HTTP request: the overhead figure must not include the database.
            return AWSResponse("http://stub", 200, {}, None), {}
        return None

    def _after(self, parsed: dict[str, Any] | None = None, **_: Any) -> None:
        elapsed = time.perf_counter() - getattr(self._local, "started", time.perf_counter())
        with self._lock:
            self.seconds += elapsed
            # DynamoDB bills and waits by the items it reads, not by those it returns.
            if parsed:
                self.items_read += int(parsed.get("ScannedCount", parsed.get("Count", 0)) or 0)
                self.items_read += 1 if "Item" in parsed else 0
