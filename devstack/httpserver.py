"""Serve one `handle(Request) -> Reply` callable on werkzeug's threaded development server."""

from __future__ import annotations

import json
import threading
import traceback
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import parse_qs

from werkzeug.datastructures import Headers
from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request as WerkzeugRequest
from werkzeug.wrappers import Response

from devstack.settings import HOST

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from types import TracebackType

    from _typeshed.wsgi import StartResponse, WSGIEnvironment
    from werkzeug.serving import BaseWSGIServer

_HEADER_ITEMS = "devstack.header_items"


@dataclass
class Request:
    """One HTTP request as received: method, decoded path, query lists, headers and raw body."""

    method: str
    path: str
    query: dict[str, list[str]] = field(default_factory=dict)
    header_items: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    client_ip: str = HOST
    raw_query: str = ""

    @classmethod
    def from_environ(cls, environ: WSGIEnvironment) -> Request:
        """Read a WSGI request: werkzeug parses it; header names keep the case the client sent."""
        request = WerkzeugRequest(environ)
        return cls(
            method=environ["REQUEST_METHOD"],  # as sent: HTTP methods are case-sensitive (werkzeug upper-cases)
            path=request.path,
            query=request.args.to_dict(flat=False),
            header_items=environ.get(_HEADER_ITEMS) or list(request.headers.items()),
            body=request.get_data(),
            client_ip=request.remote_addr or HOST,
            raw_query=environ.get("QUERY_STRING", ""),
        )

    @property
    def headers(self) -> dict[str, str]:
        """Return the headers keyed in lower case (the last value of a repeated header wins)."""
        return {name.lower(): value for name, value in self.header_items}

    def text(self) -> str:
        """Return the body decoded as UTF-8."""
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """Return the body parsed as JSON, or None when it is not JSON."""
        try:
            return json.loads(self.body) if self.body else None
        except ValueError:
            return None

    def form(self) -> dict[str, str]:
        """Return a form-encoded body as a dict (first value of each field)."""
        return {key: values[0] for key, values in parse_qs(self.text(), keep_blank_values=True).items()}

    def params(self) -> dict[str, Any]:
        """Return query parameters merged with the body's form fields or JSON object."""
        merged: dict[str, Any] = {key: values[0] for key, values in self.query.items()}
        content_type = self.headers.get("content-type", "")
        if "json" in content_type:
            body = self.json()
            if isinstance(body, dict):
                merged.update(body)
        elif "form-urlencoded" in content_type:
            merged.update(self.form())
        return merged


@dataclass
class Reply:
    """An HTTP response: a dict or list body is sent as JSON, str and bytes as they are."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str | None = None

    def encode(self) -> tuple[bytes, str]:
        """Return the body bytes and their content type."""
        if isinstance(self.body, bytes):
            return self.body, self.content_type or "application/octet-stream"
        if isinstance(self.body, str):
            return self.body.encode(), self.content_type or "text/plain; charset=utf-8"
        if self.body is None:
            return b"", self.content_type or "text/plain; charset=utf-8"
        return json.dumps(self.body).encode(), self.content_type or "application/json; charset=utf-8"

    def response(self) -> Response:
        """Render as a werkzeug response (the reply's own headers win over the content type)."""
        payload, content_type = self.encode()
        headers = Headers({"Content-Type": content_type})
        for name, value in self.headers.items():
            headers[name] = value  # replaces a header of the same name in any case
        return Response(payload, status=self.status, headers=headers)


class _QuietHandler(WSGIRequestHandler):
    """werkzeug's handler, minus its access log (servers print their own summaries), plus raw header names."""

    def make_environ(self) -> WSGIEnvironment:
        environ = super().make_environ()
        # WSGI keeps header names only as HTTP_UPPER_CASE; API Gateway passes them as the client wrote them.
        environ[_HEADER_ITEMS] = list(self.headers.items())
        return environ

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Stay quiet."""


def _wsgi(handle: Callable[[Request], Reply]) -> Callable[[WSGIEnvironment, StartResponse], Iterable[bytes]]:
    def application(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        try:
            reply = handle(Request.from_environ(environ))
        except Exception:  # A bug in a local server must answer 500 with the reason, not drop the connection.
            traceback.print_exc()
            reply = Reply(500, {"message": "local server error", "detail": traceback.format_exc(limit=5)})
        return reply.response()(environ, start_response)

    return application


class LocalHttpServer:
    """Serve `handle(request) -> Reply` on host:port (port 0 picks a free one) in a daemon thread."""

    def __init__(self, handle: Callable[[Request], Reply], host: str = HOST, port: int = 0) -> None:
        self._handle = handle
        self.host = host
        self.port = port
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Return the base URL, e.g. http://127.0.0.1:4567 (no trailing slash)."""
        if self._server is None:
            raise RuntimeError("the server is not started")
        return f"http://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        """Return whether the server is serving."""
        return self._server is not None

    def start(self) -> Self:
        """Bind and serve in a daemon thread."""
        if self._server is None:
            try:
                server = make_server(
                    self.host, self.port, _wsgi(self._handle), threaded=True, request_handler=_QuietHandler
                )
            except SystemExit as refused:  # werkzeug prints why it cannot bind, then exits: let callers decide
                raise OSError(f"cannot serve on {self.host}:{self.port}") from refused
            if isinstance(server, ThreadedWSGIServer):  # always, with threaded=True
                # Stopping must not wait for requests still running (the sandbox's 20-second long polls).
                server.block_on_close = False
            self._server = server
            self.port = server.port
            self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            if self._thread is not None:
                self._thread.join(timeout=5)
            self._server = None


class HttpService:
    """What a local service built on LocalHttpServer shares: a URL, start, stop, `with`.

    Subclasses set `self._server` in __init__ and implement `handle`.
    """

    _server: LocalHttpServer

    @property
    def url(self) -> str:
        """Return the base URL, e.g. http://127.0.0.1:4567 (no trailing slash)."""
        return self._server.url

    def start(self) -> Self:
        """Start serving in a daemon thread (on an ephemeral port unless one was given)."""
        self._server.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self._server.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
