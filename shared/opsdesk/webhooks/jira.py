"""Jira's webhook: signed by Jira (or carrying the shared secret), it moves requests and posts new board issues."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler.exceptions import BadRequestError, ServiceError, UnauthorizedError

from opsdesk.apigw import BadRequest, headers_of, raw_body
from opsdesk.domain.tickets import Ticket
from opsdesk.integrations.jira import stage_of

if TYPE_CHECKING:
    from opsdesk.wiring import Wiring

logger = logging.getLogger(__name__)
SIGNATURE_HEADER = "x-hub-signature"
SECRET_HEADER = "x-opsdesk-webhook-secret"  # noqa: S105  # a header name, not a secret


def signature_of(secret: str, body: bytes) -> str:
    """Jira's signature of an admin webhook's raw body: "sha256=" + hex HMAC-SHA256 keyed by the webhook secret."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def authenticated(event: dict[str, Any], body: bytes, expected: str) -> bool:
    """Jira's body signature; else, where Jira cannot sign, the secret itself. Constant time; no secret, no entry.

    A webhook created in Jira's admin screens with this secret signs each body in `X-Hub-Signature`
    (developer.atlassian.com/cloud/jira/platform/webhooks/#secure-admin-webhooks): a signed request must
    carry the right signature. Without one, the documented fallback is the secret in the URL
    (`?secret=`, for a Jira that cannot sign) or in the `X-Opsdesk-Webhook-Secret` header.
    """
    if not expected:
        return False
    headers = headers_of(event)
    if SIGNATURE_HEADER in headers:
        return hmac.compare_digest(headers[SIGNATURE_HEADER].strip().encode(), signature_of(expected, body).encode())
    given = headers.get(SECRET_HEADER) or str((event.get("queryStringParameters") or {}).get("secret") or "")
    return bool(given) and hmac.compare_digest(given.encode(), expected.encode())


def handle(event: dict[str, Any], services: Wiring) -> dict[str, Any]:
    """Authenticate the raw body, then read it; refusals raise the resolver's HTTP errors (413, 401, 400)."""
    try:
        raw = raw_body(event)
    except BadRequest as error:
        raise ServiceError(error.status, error.reason) from None
    if not authenticated(event, raw, services.secrets.jira_webhook_secret):
        raise UnauthorizedError("unauthorised")
    try:
        body = json.loads(raw or b"{}")
    except (ValueError, RecursionError):  # RecursionError: JSON nested past the parser's limit
        raise BadRequestError("the body is not JSON") from None
    if not isinstance(body, dict) or not isinstance(body.get("issue"), dict):
        raise BadRequestError("a Jira issue webhook carries an issue object")
    kind = str(body.get("webhookEvent") or "")
    if kind in ("jira:issue_updated", "jira:issue_created") and (problem := _malformed(body)):
        raise BadRequestError(problem)
    if kind == "jira:issue_updated":
        return {"moved": _issue_updated(body, services)}
    if kind == "jira:issue_created":
        return {"posted": _issue_created(body, services)}
    return {"ignored": kind or "unknown event"}


def _malformed(body: dict[str, Any]) -> str | None:
    """Why an issue event cannot be read (Jira always sends these shapes), or None: checked before anything is done."""
    issue = body["issue"]
    if not isinstance(issue.get("key"), str) or not issue["key"].strip():
        return "the issue has no key"
    fields, changelog = issue.get("fields"), body.get("changelog")
    objects: dict[str, object] = {"issue.fields": fields, "user": body.get("user"), "changelog": changelog}
    lists: dict[str, object] = {}
    if isinstance(fields, dict):
        status = fields.get("status")
        objects |= {"issue.fields.status": status, "issue.fields.reporter": fields.get("reporter")}
        if isinstance(status, dict):
            objects["issue.fields.status.statusCategory"] = status.get("statusCategory")
        lists["issue.fields.labels"] = fields.get("labels")
    if isinstance(changelog, dict):
        lists["changelog.items"] = changelog.get("items")
    for where, value in objects.items():
        if value is not None and not isinstance(value, dict):
            return f"{where} must be an object"
    for where, value in lists.items():
        if value is not None and not isinstance(value, list):
            return f"{where} must be a list"
    if isinstance(changelog, dict) and not all(isinstance(item, dict) for item in changelog.get("items") or []):
        return "changelog.items must be objects"
    return None


def _status_changed(body: dict[str, Any]) -> bool:
    items = (body.get("changelog") or {}).get("items") or []
    return any(str(item.get("field", "")).lower() == "status" for item in items) or not items


def _issue_updated(body: dict[str, Any], services: Wiring) -> bool:
    issue = body["issue"]
    stage = stage_of((issue.get("fields") or {}).get("status") or {})
    if stage is None or not _status_changed(body):
        return False
    who = str((body.get("user") or {}).get("displayName") or "someone")
    return services.desk.ticket_moved(str(issue.get("key")), stage, who, services.now())


def _issue_created(body: dict[str, Any], services: Wiring) -> bool:
    issue = body["issue"]
    fields = issue.get("fields") or {}
    labels = [str(label).lower() for label in fields.get("labels") or []]
    if "opsdesk" in labels or any(label.startswith("opsdesk-") for label in labels):
        return False  # ours: already in a thread
    key = str(issue.get("key"))
    server = services.settings.jira_url.rstrip("/")
    ticket = Ticket(key, f"{server}/browse/{key}" if server else key, str(fields.get("summary") or ""))
    reporter = str((fields.get("reporter") or body.get("user") or {}).get("displayName") or "someone")
    return services.tickets.board_issue_created(ticket, reporter, services.now())
