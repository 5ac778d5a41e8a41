"""The Slack ingress's answers to API Gateway: plain-text refusals, JSON for Bolt's replies."""

from __future__ import annotations

import json
from typing import Any

Response = dict[str, Any]


def reply(status: int, body: str | dict[str, Any] = "", content_type: str = "text/plain; charset=utf-8") -> Response:
    if isinstance(body, dict):
        return {
            "statusCode": status,
            "headers": {"Content-Type": "application/json"},
            "body": json.dumps(body),
        }
    return {"statusCode": status, "headers": {"Content-Type": content_type}, "body": body}
