"""A tiny in-process Lambda runtime: import each function's handler by file path and call it."""

from __future__ import annotations

import importlib.util
import os
import re
import sys
import threading
import time
import traceback
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from devstack.settings import ACCOUNT_ID, REGION, UNSET_LOCALLY

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from pathlib import Path

    from devstack.template import Function, Template

    Handler = Callable[[Any, Any], Any]


@dataclass
class LambdaContext:
    """The attributes of Lambda's context object that handlers and Powertools read."""

    function_name: str
    memory_limit_in_mb: int = 128
    timeout_seconds: int = 3
    function_version: str = "$LATEST"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    invoked_function_arn: str = ""
    log_group_name: str = ""
    log_stream_name: str = ""
    identity: Any = None
    client_context: Any = None
    _deadline: float = 0.0

    def __post_init__(self) -> None:
        self.invoked_function_arn = (
            self.invoked_function_arn or f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{self.function_name}"
        )
        self.log_group_name = self.log_group_name or f"/aws/lambda/{self.function_name}"
        self.log_stream_name = self.log_stream_name or f"{time.strftime('%Y/%m/%d')}/[$LATEST]{uuid.uuid4().hex}"
        self._deadline = time.monotonic() + self.timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        """Return the milliseconds left before this invocation's timeout."""
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class FunctionError(Exception):
    """A handler raised; carries Lambda's error shape (errorMessage, errorType, stackTrace)."""

    def __init__(self, logical_id: str, error: BaseException, error_type: str | None = None) -> None:
        super().__init__(f"{logical_id}: {type(error).__name__}: {error}")
        self.payload = {
            "errorMessage": str(error),
            "errorType": error_type or type(error).__name__,
            "stackTrace": traceback.format_exception(error),
        }


class Runtime:
    """Invoke the template's functions in this process with their local environment."""

    def __init__(
        self,
        template: Template,
        environment: Mapping[str, str],
        *,
        verbose: bool = False,
        log: Callable[[str], None] = print,
    ) -> None:
        self.template = template
        self.functions = {function.logical_id: function for function in template.functions()}
        self.local_environment = dict(environment)
        self.verbose = verbose
        self.log = log
        self._handlers: dict[str, Handler] = {}
        self._lock = threading.RLock()
        # Taken once: later os.environ changes are our own, not the developer's.
        self._developer_environment = dict(os.environ)

    def environment(self, logical_id: str) -> dict[str, str]:
        """Return a function's environment: template values, then local defaults, then the developer's own."""
        function = self.functions[logical_id]
        env = {name: value for name, value in function.environment.items() if value is not None}
        env.update(self.local_environment)
        for name in {*function.environment, *self.local_environment}:
            if name in self._developer_environment:
                env[name] = self._developer_environment[name]
        for name in UNSET_LOCALLY:
            if name not in self._developer_environment:
                env.pop(name, None)
        return env

    def handler(self, logical_id: str) -> Handler:
        """Import (once) and return a function's handler."""
        with self._lock:
            if logical_id not in self._handlers:
                self._apply_environment(logical_id)
                self._handlers[logical_id] = _import_handler(self.functions[logical_id], self.template.root / "shared")
            return self._handlers[logical_id]

    def prewarm(self) -> None:
        """Import every handler now, so that the first Slack request is not the one that waits for a cold start."""
        for logical_id in self.functions:
            try:
                self.handler(logical_id)
            except Exception as error:  # A missing or broken function must not stop the rest of the stack.
                self.log(f"[lambda] {logical_id}: cannot load its handler yet: {type(error).__name__}: {error}")

    def context(self, logical_id: str) -> LambdaContext:
        """Return a fresh context for one invocation of a function."""
        function = self.functions[logical_id]
        return LambdaContext(
            function_name=function.function_name,
            memory_limit_in_mb=function.memory_size,
            timeout_seconds=function.timeout,
        )

    def invoke(self, logical_id: str, event: Any) -> Any:
        """Invoke a function with an event as Lambda would; raise FunctionError if the handler raises."""
        if logical_id not in self.functions:
            raise KeyError(f"no function {logical_id!r} in the template")
        try:
            handler = self.handler(logical_id)
        except Exception as error:  # Lambda answers Runtime.ImportModuleError; so do we, without crashing callers.
            raise FunctionError(logical_id, error, "Runtime.ImportModuleError") from error
        self._apply_environment(logical_id)
        context = self.context(logical_id)
        started = time.monotonic()
        try:
            result = handler(event, context)
        except Exception as error:
            self._report(logical_id, started, f"error {type(error).__name__}: {error}")
            raise FunctionError(logical_id, error) from error
        self._report(logical_id, started, _outcome(result))
        return result

    def _apply_environment(self, logical_id: str) -> None:
        # Handlers run in this process, so os.environ is their environment. Functions share most settings.
        os.environ.update(self.environment(logical_id))
        for name in UNSET_LOCALLY:
            if name not in self._developer_environment:
                os.environ.pop(name, None)

    def _report(self, logical_id: str, started: float, outcome: str) -> None:
        if self.verbose:
            self.log(f"[lambda] {logical_id} {(time.monotonic() - started) * 1000:.0f} ms -> {outcome}")


def _outcome(result: Any) -> str:
    if isinstance(result, dict) and "statusCode" in result:
        return f"HTTP {result['statusCode']}"
    return "ok"


def module_name(function: Function) -> str:
    """Return the unique module name a function's handler module is loaded under (opsdesk_fn_<dir>)."""
    return "opsdesk_fn_" + re.sub(r"\W", "_", function.code_uri.name or function.logical_id.lower())


def _import_handler(function: Function, shared_dir: Path) -> Handler:
    module_path, _, attribute = function.handler.rpartition(".")
    source = function.code_uri / (module_path.replace(".", "/") + ".py")
    if not source.is_file():
        raise FileNotFoundError(f"{function.logical_id}: handler module {source} does not exist")
    for directory in (shared_dir, *function.layer_dirs, function.code_uri):
        if directory.is_dir() and str(directory) not in sys.path:
            sys.path.insert(0, str(directory))
    name = module_name(function)
    spec = importlib.util.spec_from_file_location(name, source)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {source}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    handler: Handler = getattr(module, attribute)
    return handler
