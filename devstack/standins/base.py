"""What every stand-in shares: serving, recording each call, and injected failures and delays."""

from __future__ import annotations

import threading
import time
import traceback
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from devstack.httpserver import HttpService, LocalHttpServer, Reply, Request
from devstack.settings import HOST

if TYPE_CHECKING:
    from collections.abc import Callable


@dataclass
class _Fault:
    key: str
    times: int
    status: int = 0
    headers: dict[str, str] | None = None
    body: Any = None
    seconds: float = 0.0


def _matches(key: str, name: str, request: Request) -> bool:
    """Say whether a fault or filter key names this call: "*", a call name, a path, "VERB /path" or a verb."""
    return key in ("*", name, request.path, request.method, f"{request.method} {request.path}")


class StandIn(HttpService):
    """A local HTTP stand-in for an external API; subclasses implement `handle` and `call_name`."""

    name = "stand-in"

    def __init__(
        self, host: str = HOST, port: int = 0, *, verbose: bool = False, log: Callable[[str], None] = print
    ) -> None:
        self.verbose = verbose
        self.log = log
        self.lock = threading.RLock()
        self._server = LocalHttpServer(self._serve, host, port)
        self._calls: list[dict[str, Any]] = []
        self._failures: list[_Fault] = []
        self._delays: list[_Fault] = []

    # ---- what tests use
    def calls(self, method: str | None = None) -> list[dict[str, Any]]:
        """Return recorded calls, oldest first; `method` filters by call name, path, "VERB /path" or verb."""
        with self.lock:
            return [
                dict(call)
                for call in self._calls
                if method is None or _matches(method, call["name"], _as_request(call))
            ]

    def reset(self) -> None:
        """Forget every call, pending fault and stored state."""
        with self.lock:
            self._calls.clear()
            self._failures.clear()
            self._delays.clear()
            self.reset_state()

    def fail_next(
        self,
        method_or_path: str,
        status: int,
        times: int = 1,
        headers: dict[str, str] | None = None,
        body: Any = None,
    ) -> None:
        """Answer the next `times` matching calls with `status` (and headers/body) instead of handling them."""
        with self.lock:
            self._failures.append(_Fault(method_or_path, times, status, headers, body))

    def delay_next(self, method_or_path: str, seconds: float, times: int = 1) -> None:
        """Hold the next `times` matching calls for `seconds` before answering (the call still takes effect)."""
        with self.lock:
            self._delays.append(_Fault(method_or_path, times, seconds=seconds))

    # ---- what subclasses provide
    def call_name(self, request: Request) -> str:
        """Return the name a call is recorded under (default "VERB /path")."""
        return f"{request.method} {request.path}"

    def handle(self, request: Request) -> Reply:
        """Answer one request; runs under `self.lock`."""
        raise NotImplementedError

    def injected_reply(self, status: int, headers: dict[str, str] | None, body: Any) -> Reply:
        """Return the reply for an injected failure (subclasses give the API's own error body)."""
        return Reply(status, body if body is not None else {"error": f"injected {status}"}, dict(headers or {}))

    def summarize(self, call: dict[str, Any]) -> str:
        """Return a readable one-line description of a recorded call."""
        return f"{call['name']} -> {call['status']}"

    def reset_state(self) -> None:
        """Forget stored state (messages, issues, alerts); runs under `self.lock`."""

    # ---- machinery
    def _take(self, faults: list[_Fault], name: str, request: Request) -> _Fault | None:
        with self.lock:
            for fault in faults:
                if _matches(fault.key, name, request):
                    fault.times -= 1
                    if fault.times <= 0:
                        faults.remove(fault)
                    return fault
        return None

    def _handle_safely(self, request: Request) -> Reply:
        try:
            return self.handle(request)
        except Exception:  # A stand-in bug must answer 500, not hang the client under test.
            self.log(f"[{self.name}] error handling {request.method} {request.path}:\n{traceback.format_exc()}")
            return Reply(500, {"error": "stand-in error", "detail": traceback.format_exc(limit=3)})

    def _serve(self, request: Request) -> Reply:
        name = self.call_name(request)
        delay = self._take(self._delays, name, request)
        if delay is not None:
            time.sleep(delay.seconds)
        failure = self._take(self._failures, name, request)
        with self.lock:
            if failure is not None:
                reply = self.injected_reply(failure.status, failure.headers, failure.body)
            else:
                reply = self._handle_safely(request)
            call = {
                "name": name,
                "method": request.method,
                "path": request.path,
                "query": {key: values[0] for key, values in request.query.items()},
                "params": request.params(),
                "json": request.json() if "json" in request.headers.get("content-type", "") else None,
                "status": reply.status,
                "response": reply.body if isinstance(reply.body, dict | list) else None,
                "injected": failure is not None,
                "time": time.time(),
            }
            self._calls.append(call)
        if self.verbose:
            self.log(f"[{self.name}] {self.summarize(call)}")
        return reply


def _as_request(call: dict[str, Any]) -> Request:
    return Request(method=call["method"], path=call["path"])
