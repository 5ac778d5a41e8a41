"""Running Bolt's lazy listeners: an async self-invocation on Lambda, in-process locally."""

from __future__ import annotations

import json
import logging
import os
import threading
from typing import TYPE_CHECKING, Any

from slack_bolt.kwargs_injection import build_required_kwargs
from slack_bolt.lazy_listener import LazyListenerRunner
from slack_bolt.request import BoltRequest
from slack_bolt.util.utils import get_arg_names_of_callable

if TYPE_CHECKING:
    from collections.abc import Callable

LAZY_KEY = "opsdesk_lazy"
# Lambda retries a failed asynchronous invocation twice; the local runner does the same.
ASYNC_ATTEMPTS = 3

logger = logging.getLogger(__name__)


def lazy_event(request: BoltRequest) -> dict[str, Any]:
    """The payload of the second invocation: enough to rebuild the request."""
    headers = {name: values[0] for name, values in request.headers.items() if values}
    return {LAZY_KEY: {"function": request.lazy_function_name, "body": request.raw_body, "headers": headers}}


def request_from_lazy_event(event: dict[str, Any]) -> BoltRequest:
    lazy = event[LAZY_KEY]
    headers = dict(lazy.get("headers") or {})
    headers["x-slack-bolt-lazy-only"] = "1"
    headers["x-slack-bolt-lazy-function-name"] = str(lazy["function"])
    return BoltRequest(body=str(lazy["body"]), headers=headers)


class _PropagatingRunner(LazyListenerRunner):
    """Bolt's default run() logs and swallows errors; ours raises, so Lambda retries and DLQs work."""

    def __init__(self) -> None:
        self.logger = logger

    def run(self, function: Callable[..., None], request: BoltRequest) -> None:
        kwargs = build_required_kwargs(
            logger=self.logger,
            required_arg_names=get_arg_names_of_callable(function),
            request=request,
            response=None,
            this_func=function,
        )
        function(**kwargs)


class SelfInvokingRunner(_PropagatingRunner):
    """On Lambda: invoke this same function asynchronously with the lazy payload."""

    def __init__(self) -> None:
        super().__init__()
        self._client: Any = None

    def start(self, function: Callable[..., None], request: BoltRequest) -> None:
        if self._client is None:
            import boto3  # noqa: PLC0415  # not needed to answer Slack, only to hand off

            self._client = boto3.client("lambda")
        self._client.invoke(
            FunctionName=os.environ["AWS_LAMBDA_FUNCTION_NAME"],
            InvocationType="Event",
            Payload=json.dumps(lazy_event(request)).encode(),
        )


class InProcessRunner(_PropagatingRunner):
    """Locally: run the lazy payload as Lambda runs an async invocation, inline (tests) or on a thread.

    Like Lambda, a failure never reaches the ack that Slack already has: the work is
    retried twice more, then kept in `dead_letters` (the local stand-in for SlackDLQ).
    """

    def __init__(self, invoke: Callable[[dict[str, Any]], object], *, threaded: bool) -> None:
        super().__init__()
        self._invoke = invoke
        self._threaded = threaded
        self.threads: list[threading.Thread] = []
        self.dead_letters: list[dict[str, Any]] = []

    def start(self, function: Callable[..., None], request: BoltRequest) -> None:
        event = lazy_event(request)
        if not self._threaded:
            self._invoke_like_lambda(event)
            return
        thread = threading.Thread(target=self._invoke_like_lambda, args=(event,), daemon=True)
        self.threads.append(thread)
        thread.start()

    def _invoke_like_lambda(self, event: dict[str, Any]) -> None:
        for attempt in range(1, ASYNC_ATTEMPTS + 1):
            try:
                self._invoke(event)
                return
            except Exception:
                logger.exception("lazy listener failed (attempt %s of %s)", attempt, ASYNC_ATTEMPTS)
        self.dead_letters.append(event)

    def wait(self, timeout: float = 10.0) -> None:
        """Join the work started so far (tests and the local stack's shutdown)."""
        for thread in list(self.threads):
            thread.join(timeout)
        self.threads = [thread for thread in self.threads if thread.is_alive()]
