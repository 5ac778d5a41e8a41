"""A small threaded stdlib HTTP server that hands each request to one callable."""

from __future__ import annotations

import json
import threading
import traceback
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import parse_qs, unquote, urlsplit

from devstack.settings import HOST

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import TracebackType


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


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def _dispatch(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        request = Request(
            method=self.command,
            path=unquote(parts.path),
            query=parse_qs(parts.query, keep_blank_values=True),
            header_items=list(self.headers.items()),
            body=body,
            client_ip=self.client_address[0],
            raw_query=parts.query,
        )
        try:
            reply = self.server.handle_http(request)
        except Exception:  # A bug in a local server must answer 500, not drop the connection.
            traceback.print_exc()
            reply = Reply(500, {"message": "local server error", "detail": traceback.format_exc(limit=5)})
        payload, content_type = reply.encode()
        try:
            self.send_response(reply.status)
            headers = {"Content-Type": content_type, **reply.headers, "Content-Length": str(len(payload))}
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # The client gave up waiting (a timeout test, usually): nothing to answer.

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _dispatch

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: servers print their own one-line summaries."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], handle: Callable[[Request], Reply]) -> None:
        super().__init__(address, _Handler)
        self.handle_http = handle


class LocalHttpServer:
    """Serve `handle(request) -> Reply` on host:port (port 0 picks a free one) in a daemon thread."""

    def __init__(self, handle: Callable[[Request], Reply], host: str = HOST, port: int = 0) -> None:
        self._handle = handle
        self.host = host
        self.port = port
        self._server: _Server | None = None
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
            self._server = _Server((self.host, self.port), self._handle)
            self.port = self._server.server_address[1]
            self._thread = threading.Thread(
                target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
            )
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
