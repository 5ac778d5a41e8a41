"""API Gateway (REST, v1) behaviour: route matching, Lambda proxy events and proxy responses."""

from __future__ import annotations

import base64
import re
import time
import uuid
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.routing import Map, Rule

from devstack.httpserver import Reply
from devstack.settings import ACCOUNT_ID

if TYPE_CHECKING:
    from devstack.httpserver import Request
    from devstack.template import ApiRoute

_PARAMETER = re.compile(r"\{([^}/]+?)(\+?)\}")
_TEXT_TYPES = ("text/", "json", "xml", "x-www-form-urlencoded", "javascript", "graphql", "yaml")
_PROXY_RESPONSE_KEYS = {"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"}
MISSING_TOKEN = {"message": "Missing Authentication Token"}
INTERNAL_ERROR = {"message": "Internal server error"}


def _rule_path(path: str) -> str:
    """Write an API Gateway path as a werkzeug rule: `{id}` is one segment, `{proxy+}` the rest of the path."""
    return _PARAMETER.sub(lambda found: f"<{'path:' if found.group(2) else ''}{found.group(1)}>", path)


class RouteTable:
    """The template's API routes, matched as API Gateway (REST) matches them: literal segments before parameters."""

    def __init__(self, routes: list[ApiRoute]) -> None:
        self.routes = routes
        # Rules of one path are tried in order: exact methods before ANY. No redirects: API Gateway answers a
        # path as it is, never with a 308 to a tidier one.
        ordered = sorted(routes, key=lambda route: route.method == "ANY")
        rules = [
            Rule(_rule_path(route.path), endpoint=route, methods=None if route.method == "ANY" else [route.method])
            for route in ordered
        ]
        self._map = Map(rules, strict_slashes=False, merge_slashes=False)

    def match(self, method: str, path: str) -> tuple[ApiRoute | None, dict[str, str], bool]:
        """Return (route, path parameters, whether the path exists for some method)."""
        try:
            route, parameters = self._map.bind("local").match(path.rstrip("/") or "/", method=method)
        except MethodNotAllowed:
            return None, {}, True
        except HTTPException:  # NotFound
            return None, {}, False
        # werkzeug upper-cases the method and lets HEAD into GET rules; API Gateway's methods are exact.
        if route.method not in (method, "ANY"):
            return None, {}, True
        return route, dict(parameters), True


def _is_text(content_type: str, body: bytes) -> bool:
    if content_type and not any(marker in content_type.lower() for marker in _TEXT_TYPES):
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def proxy_event(request: Request, route: ApiRoute, path_parameters: dict[str, str], port: int) -> dict[str, Any]:
    """Return the Lambda proxy event API Gateway (REST) sends for this request and route."""
    headers: dict[str, str] = {}
    multi_headers: dict[str, list[str]] = {}
    forwarded = {"X-Forwarded-For": request.client_ip, "X-Forwarded-Port": str(port), "X-Forwarded-Proto": "http"}
    for name, value in request.header_items:
        headers[name] = value
        multi_headers.setdefault(name, []).append(value)
    present = {name.lower() for name in headers}
    for name, value in forwarded.items():
        if name.lower() not in present:
            headers[name] = value
            multi_headers[name] = [value]
    pairs = parse_qsl(request.raw_query, keep_blank_values=True)
    multi_query: dict[str, list[str]] = {}
    for name, value in pairs:
        multi_query.setdefault(name, []).append(value)
    text = _is_text(request.headers.get("content-type", ""), request.body)
    body = (request.body.decode("utf-8") if text else base64.b64encode(request.body).decode()) if request.body else None
    now = time.time()
    request_id = str(uuid.uuid4())
    return {
        "version": "1.0",
        "resource": route.path,
        "path": request.path,
        "httpMethod": request.method,
        "headers": headers or None,
        "multiValueHeaders": multi_headers or None,
        "queryStringParameters": {name: values[-1] for name, values in multi_query.items()} or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": path_parameters or None,
        "stageVariables": None,
        "requestContext": {
            "accountId": ACCOUNT_ID,
            "apiId": "local",
            "domainName": request.headers.get("host", f"127.0.0.1:{port}"),
            "domainPrefix": "local",
            "extendedRequestId": request_id,
            "httpMethod": request.method,
            "identity": {
                "accessKey": None,
                "accountId": None,
                "caller": None,
                "cognitoAuthenticationProvider": None,
                "cognitoAuthenticationType": None,
                "cognitoIdentityId": None,
                "cognitoIdentityPoolId": None,
                "principalOrgId": None,
                "sourceIp": request.client_ip,
                "user": None,
                "userAgent": request.headers.get("user-agent"),
                "userArn": None,
            },
            "path": request.path,
            "protocol": "HTTP/1.1",
            "requestId": request_id,
            "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "requestTimeEpoch": int(now * 1000),
            "resourceId": "local",
            "resourcePath": route.path,
            "stage": route.stage,
        },
        "body": body,
        "isBase64Encoded": bool(request.body) and not text,
    }


def proxy_reply(result: Any) -> tuple[Reply, str | None]:
    """Turn a function's proxy result into an HTTP reply; a malformed one is API Gateway's 502 (with the reason)."""
    if not isinstance(result, dict) or not set(result) <= _PROXY_RESPONSE_KEYS:
        return Reply(502, INTERNAL_ERROR), "Malformed Lambda proxy response: not an object with proxy keys only"
    try:
        status = int(result.get("statusCode", 200))
    except (TypeError, ValueError):
        return Reply(502, INTERNAL_ERROR), f"Malformed Lambda proxy response: statusCode {result.get('statusCode')!r}"
    body = result.get("body")
    if body is not None and not isinstance(body, str):
        return Reply(502, INTERNAL_ERROR), "Malformed Lambda proxy response: body must be a string"
    payload = base64.b64decode(body) if body and result.get("isBase64Encoded") else (body or "").encode()
    headers: dict[str, str] = {}
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers[name] = ", ".join(str(value) for value in values)
    headers.update({name: str(value) for name, value in (result.get("headers") or {}).items()})
    content_type = next((value for name, value in headers.items() if name.lower() == "content-type"), None)
    headers = {name: value for name, value in headers.items() if name.lower() not in ("content-type", "content-length")}
    return Reply(status, payload, headers, content_type or "application/json"), None
