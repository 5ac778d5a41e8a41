"""The local API on :3000: template routes as `sam local start-api` serves them, plus /_local/* helpers."""

from __future__ import annotations

import html
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule

from devstack.apigw import MISSING_TOKEN, RouteTable, proxy_event, proxy_reply
from devstack.httpserver import HttpService, LocalHttpServer, Reply, Request
from devstack.runtime import FunctionError
from devstack.scheduler import scheduler_event
from devstack.settings import API_PORT, HOST

if TYPE_CHECKING:
    from collections.abc import Mapping

    from devstack.runtime import Runtime
    from devstack.standins.base import StandIn

RouteHandler = Callable[[Request], tuple[int, dict[str, str], bytes | str]]
"""A mounted route: takes the request, returns (status, headers, body)."""

_LOCAL_HELPERS = Map(
    [
        Rule("/_local/invoke/<logical_id>", endpoint="invoke", methods=["POST"]),
        Rule("/_local/schedule/<event_name>", endpoint="schedule", methods=["POST"]),
        Rule("/_local/calls", endpoint="calls", methods=["GET"]),
        Rule("/_local/reset", endpoint="reset", methods=["POST"]),
        Rule("/_local/routes", endpoint="routes", methods=["GET"]),
    ],
    strict_slashes=False,
    merge_slashes=False,
)

# Routes mounted by other modules (the sandbox): (method or "*", path prefix, handler).
extra_routes: list[tuple[str, str, RouteHandler]] = []


def register_route(method: str, prefix: str, handler: RouteHandler) -> None:
    """Mount a handler: prefix "/" matches only the root; any other prefix matches itself and everything below."""
    extra_routes.append((method.upper(), prefix, handler))


def _extra_route(method: str, path: str) -> RouteHandler | None:
    best: tuple[int, RouteHandler] | None = None
    for route_method, prefix, handler in extra_routes:
        if route_method not in ("*", method):
            continue
        base = prefix.rstrip("/")
        matches = path == "/" if prefix == "/" else path == base or path.startswith(base + "/")
        if matches and (best is None or len(prefix) > best[0]):
            best = (len(prefix), handler)
    return best[1] if best else None


class LocalApi(HttpService):
    """Serve the template's Api routes by invoking functions in-process through the runtime."""

    def __init__(
        self,
        runtime: Runtime,
        *,
        stand_ins: Mapping[str, StandIn] | None = None,
        host: str = HOST,
        port: int = API_PORT,
        verbose: bool = False,
        log: Callable[[str], None] = print,
    ) -> None:
        self.runtime = runtime
        self.routes = RouteTable(runtime.template.api_routes())
        self.stand_ins = dict(stand_ins or {})
        self.verbose = verbose
        self.log = log
        self._server = LocalHttpServer(self.handle, host, port)

    def handle(self, request: Request) -> Reply:
        """Answer: /_local helpers, template routes, mounted routes, the index, else API Gateway's 403."""
        started = time.monotonic()
        if request.path.startswith("/_local/"):
            return self._local(request)
        route, path_parameters, path_exists = self.routes.match(request.method, request.path)
        if route is not None:
            return self._invoke_route(
                request, route.function, proxy_event(request, route, path_parameters, self._server.port), started
            )
        handler = _extra_route(request.method, request.path)
        if handler is not None:
            status, headers, body = handler(request)
            return Reply(status, body, dict(headers), headers.get("Content-Type") or headers.get("content-type"))
        if path_exists:
            return Reply(403, MISSING_TOKEN, {"x-amzn-ErrorType": "MissingAuthenticationTokenException"})
        if request.method == "GET" and request.path == "/":
            return Reply(200, self._index(), content_type="text/html; charset=utf-8")
        # API Gateway (and `sam local start-api`) answer an unknown route with 403, not 404.
        return Reply(403, MISSING_TOKEN, {"x-amzn-ErrorType": "MissingAuthenticationTokenException"})

    def _invoke_route(self, request: Request, logical_id: str, event: dict[str, Any], started: float) -> Reply:
        try:
            reply, problem = proxy_reply(self.runtime.invoke(logical_id, event))
        except FunctionError as error:
            reply, problem = Reply(502, {"message": "Internal server error"}), "".join(error.payload["stackTrace"])
        if problem:
            self.log(f"[api] {request.method} {request.path} -> {logical_id}: {problem}")
        if self.verbose:
            elapsed = (time.monotonic() - started) * 1000
            self.log(f"[api] {request.method} {request.path} -> {logical_id} {reply.status} ({elapsed:.0f} ms)")
        return reply

    def _local(self, request: Request) -> Reply:
        try:
            helper, arguments = _LOCAL_HELPERS.bind("local").match(request.path, method=request.method)
        except HTTPException:
            return Reply(404, {"message": f"No local helper at {request.method} {request.path}"})
        if helper == "invoke":
            return self._invoke_raw(arguments["logical_id"], request)
        if helper == "schedule":
            return self._fire_schedule(arguments["event_name"], request)
        if helper == "calls":
            return Reply(200, {name: stand_in.calls() for name, stand_in in self.stand_ins.items()})
        if helper == "reset":
            for stand_in in self.stand_ins.values():
                stand_in.reset()
            return Reply(200, {"reset": sorted(self.stand_ins)})
        return Reply(200, self._describe())

    def _invoke_raw(self, logical_id: str, request: Request) -> Reply:
        """Invoke like `sam local invoke -e`: the body is the event, the answer is the function's result."""
        if logical_id not in self.runtime.functions:
            return Reply(404, {"message": f"Function not found: {logical_id}"})
        try:
            event = json.loads(request.body) if request.body.strip() else {}
        except ValueError as error:
            return Reply(400, {"message": f"The event is not JSON: {error}"})
        return self._run(logical_id, event)

    def _fire_schedule(self, event_name: str, request: Request) -> Reply:
        """Run one schedule now (or at {"time": "<ISO 8601>"}) with the event Scheduler would send."""
        schedule = next((item for item in self.runtime.template.schedules() if item.event_name == event_name), None)
        if schedule is None:
            return Reply(404, {"message": f"Schedule not found: {event_name}"})
        body = request.json() or {}
        when = body.get("time") if isinstance(body, dict) else None
        scheduled = (
            datetime.fromisoformat(when.replace("Z", "+00:00"))
            if when
            else datetime.now(UTC).replace(second=0, microsecond=0)
        )
        return self._run(schedule.function, scheduler_event(schedule, scheduled))

    def _run(self, logical_id: str, event: Any) -> Reply:
        try:
            result = self.runtime.invoke(logical_id, event)
        except FunctionError as error:
            return Reply(200, error.payload, {"X-Amz-Function-Error": "Unhandled"})
        return Reply(200, json.dumps(result, default=str), content_type="application/json")

    def _describe(self) -> dict[str, Any]:
        return {
            "routes": [{"method": r.method, "path": r.path, "function": r.function} for r in self.routes.routes],
            "functions": sorted(self.runtime.functions),
            "schedules": [
                {"name": s.event_name, "expression": s.expression, "timezone": s.timezone, "function": s.function}
                for s in self.runtime.template.schedules()
            ],
            "stand_ins": {name: stand_in.url for name, stand_in in self.stand_ins.items()},
        }

    def _index(self) -> str:
        description = self._describe()
        items = [
            f"<li><code>{html.escape(route['method'])} {html.escape(route['path'])}</code>"
            f" &rarr; {html.escape(route['function'])}</li>"
            for route in description["routes"]
        ]
        helpers = [
            "POST /_local/invoke/&lt;LogicalId&gt; (body: the event)",
            'POST /_local/schedule/&lt;EventName&gt; (body: {"time": ...}, optional)',
        ]
        links = [
            '<a href="/_local/calls">GET /_local/calls</a>',
            "POST /_local/reset",
            '<a href="/_local/routes">GET /_local/routes</a>',
        ]
        helpers += links
        return (
            "<!doctype html><html><head><meta charset='utf-8'><title>opsdesk local</title></head><body>"
            "<h1>opsdesk local stack</h1><h2>API routes</h2><ul>" + "".join(items) + "</ul>"
            "<h2>Local helpers</h2><ul>" + "".join(f"<li>{item}</li>" for item in helpers) + "</ul></body></html>"
        )
