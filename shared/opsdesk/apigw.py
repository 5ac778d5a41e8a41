"""API Gateway proxy requests: the exact bytes the client sent (what a signature covers), within a size limit.

Shared by the two front doors that authenticate a raw body before reading it: the Slack ingress and the
Jira and PagerDuty webhooks.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

MAX_BODY_BYTES = 256 * 1024  # Slack's largest payloads (modals) and Jira's issue webhooks are well under this


class BadRequest(Exception):
    """The request cannot be served; `status` and the message say why."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def headers_of(event: dict[str, Any]) -> dict[str, str]:
    """Lower-cased single-value headers (API Gateway keeps the client's casing)."""
    raw = event.get("headers") or {}
    return {str(key).lower(): str(value) for key, value in raw.items() if value is not None}


def raw_body(event: dict[str, Any]) -> bytes:
    """The exact bytes the client sent; a body over MAX_BODY_BYTES is refused (413) before anything reads it."""
    body = event.get("body") or ""
    if not isinstance(body, str):
        raise BadRequest(400, "the request body must be text")
    if event.get("isBase64Encoded"):
        try:
            data = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError) as error:
            raise BadRequest(400, "the request body is not valid base64") from error
    else:
        data = body.encode("utf-8")
    if len(data) > MAX_BODY_BYTES:
        raise BadRequest(413, f"the request body is larger than {MAX_BODY_BYTES // 1024} KiB")
    return data
