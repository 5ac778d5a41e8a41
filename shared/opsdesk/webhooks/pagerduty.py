"""PagerDuty V3 webhooks: verify the signature, then record acknowledgements on the incident."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler.exceptions import (
    BadRequestError,
    NotFoundError,
    ServiceError,
    UnauthorizedError,
)

from opsdesk.apigw import BadRequest, headers_of, raw_body
from opsdesk.domain.ids import normalise_incident_id
from opsdesk.flows.incidents import Change
from opsdesk.observability import logger

if TYPE_CHECKING:
    from opsdesk.wiring import Wiring


def signature_valid(secret: str, body: bytes, header: str) -> bool:
    """PagerDuty signs with every active secret: any one "v1=<hex>" matching is enough."""
    if not secret or not header:
        return False
    expected = "v1=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(expected, part.strip()) for part in header.split(","))


def _incident_id(data: dict[str, Any]) -> str | None:
    # Our dedup_key is the incident id; PagerDuty echoes it as the incident_key.
    for key in ("incident_key", "dedup_key"):
        value = data.get(key)
        if isinstance(value, str) and (found := normalise_incident_id(value)):
            return found
    return None


def handle(event: dict[str, Any], services: Wiring) -> dict[str, Any]:
    """Verify the raw body's signature, then read it; refusals raise the resolver's HTTP errors."""
    if not services.settings.paging_enabled:
        raise NotFoundError("paging is off")
    try:
        body = raw_body(event)
    except BadRequest as bad:
        raise ServiceError(bad.status, bad.reason) from None
    header = headers_of(event).get("x-pagerduty-signature", "")
    if not signature_valid(services.secrets.pagerduty_webhook_secret, body, header):
        raise UnauthorizedError("bad signature")
    try:
        message = json.loads(body)["event"]
        kind, data = str(message["event_type"]), dict(message.get("data") or {})
    except (ValueError, KeyError, TypeError, RecursionError):  # RecursionError: JSON nested past the parser's limit
        raise BadRequestError("not a PagerDuty V3 webhook") from None
    return _record(services, message, kind, data)


def _record(services: Wiring, message: dict[str, Any], kind: str, data: dict[str, Any]) -> dict[str, Any]:
    if kind != "incident.acknowledged":
        return {"ignored": kind}
    incident_id = _incident_id(data)
    who = message.get("agent")
    agent = str((who if isinstance(who, dict) else {}).get("summary") or "the on-call engineer")
    at = _time(message.get("occurred_at")) or services.now()
    change = Change("pagerduty", at, f"pagerduty:{message.get('id') or data.get('id')}:{kind}")
    recorded = services.paging.acknowledged(incident_id, agent, change) if incident_id else None
    if recorded is None:
        logger.info("acknowledgement for an incident we do not know", extra={"pagerduty": data.get("id")})
        return {"ignored": "unknown incident"}
    incident, changed = recorded
    return {"recorded": changed, "incident": incident.id}


def _time(value: object) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00")) if value else None
        return moment.astimezone(UTC) if moment else None
    except (ValueError, OverflowError):  # not a time, or one that leaves datetime's range in UTC
        return None
