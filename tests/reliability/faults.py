"""Fault injection for the reliability suite: DynamoDB errors through botocore hooks, and no-wait retries.

The Slack, Jira and PagerDuty stand-ins have their own `fail_next` / `delay_next`; DynamoDB is
the moto server, so faults are injected in front of it, on opsdesk's own botocore client.
"""

from __future__ import annotations

import json
import threading
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import pytest
from botocore.awsrequest import AWSResponse

if TYPE_CHECKING:
    from collections.abc import Iterator

WRITE_OPERATIONS = frozenset(
    {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems", "ExecuteStatement"}
)
THROTTLED = "ProvisionedThroughputExceededException"


class _Raw:
    """The raw stream botocore reads an HTTP body from."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


def error_response(url: str, code: str, status: int = 400, message: str = "injected by the reliability suite") -> Any:
    """A DynamoDB JSON-protocol error reply, as the service sends it."""
    body = json.dumps({"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": message}).encode()
    headers = {"x-amzn-RequestId": "injected", "Content-Type": "application/x-amz-json-1.0"}
    return AWSResponse(url, status, headers, _Raw(body))


@dataclass
class _Rule:
    code: str
    status: int
    times: int
    operations: frozenset[str] | None
    after: int = 0  # let this many matching calls through first


@dataclass
class DynamoFaults:
    """Answer chosen DynamoDB calls of one botocore client with errors, before they reach the server.

    `calls` lists every operation the client sent (attempts, including retries), `injected`
    the ones answered with an error: the figures tests assert retries and side effects with.
    """

    client: Any
    calls: list[str] = field(default_factory=list)
    injected: list[str] = field(default_factory=list)
    _rules: list[_Rule] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.client.meta.events.register("before-send.dynamodb", self._before_send)

    def close(self) -> None:
        self.client.meta.events.unregister("before-send.dynamodb", self._before_send)

    def throttle(self, times: int, operations: set[str] | None = None) -> None:
        """Answer the next `times` matching calls with ProvisionedThroughputExceededException."""
        self.fail(THROTTLED, times=times, operations=operations)

    def fail(
        self, code: str, *, times: int = 1, status: int = 400, operations: set[str] | None = None, after: int = 0
    ) -> None:
        with self._lock:
            self._rules.append(_Rule(code, status, times, frozenset(operations) if operations else None, after))

    def fail_nth_write(self, n: int, code: str = "InternalServerError", times: int = 1) -> None:
        """Fail the n-th write from now (1-based), `times` attempts in a row (exhaust retries with 4)."""
        self.fail(code, status=500, times=times, operations=set(WRITE_OPERATIONS), after=n - 1)

    def writes(self) -> list[str]:
        return [name for name in self.calls if name in WRITE_OPERATIONS]

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def _before_send(self, request: Any, **kwargs: Any) -> Any:
        event_name = str(kwargs.get("event_name", ""))
        operation = event_name.rsplit(".", 1)[-1]
        with self._lock:
            self.calls.append(operation)
            for rule in self._rules:
                if rule.operations is not None and operation not in rule.operations:
                    continue
                if rule.after > 0:
                    rule.after -= 1
                    return None
                rule.times -= 1
                if rule.times <= 0:
                    self._rules.remove(rule)
                self.injected.append(operation)
                return error_response(request.url, rule.code, rule.status)
        return None


@dataclass
class Sleeps:
    """Stands in for `time` in the retry modules: records each back-off instead of waiting it out."""

    durations: list[tuple[str, float]] = field(default_factory=list)
    threads: list[str] = field(default_factory=list)
    gate: threading.Event | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def module(self, who: str) -> SimpleNamespace:
        def sleep(seconds: float) -> None:
            with self._lock:
                self.durations.append((who, float(seconds)))
                self.threads.append(threading.current_thread().name)
            if self.gate is not None:
                # Bounded: a retry that waits on the gate proves it runs after the ack was returned.
                self.gate.wait(5)

        return SimpleNamespace(sleep=sleep)

    def of(self, who: str) -> list[float]:
        with self._lock:
            return [seconds for name, seconds in self.durations if name == who]


@contextmanager
def rendezvous(owner: type, name: str, parties: int, timeout: float = 2.0) -> Iterator[threading.Barrier]:
    """Hold every concurrent caller of owner.name until `parties` have arrived (or `timeout` passed), then let them go.

    This makes a race deterministic: all deliveries reach the step together, as they can in production.
    A fix that stops the others earlier (a claim) makes the wait time out, and the one caller proceeds.
    """
    original = getattr(owner, name)
    barrier = threading.Barrier(parties)

    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        with suppress(threading.BrokenBarrierError):
            barrier.wait(timeout)
        return original(self, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(owner, name, wrapper)
        yield barrier
