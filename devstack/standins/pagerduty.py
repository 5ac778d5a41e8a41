"""A PagerDuty Events API v2 stand-in: validates events like PagerDuty, keeps alert state per dedup_key, rate limits.

Sources (docs/stand-ins.md lists each behaviour): PagerDuty/api-schema reference/events-v2/openapiv3.json
and developer.pagerduty.com/docs/events-api-v2/trigger-events/ (fields, 202 and 400 bodies, dedup_key),
developer.pagerduty.com/docs/events-api-v2/rate-limits/ (about 120 calls a minute per integration key,
over the 60 seconds looking back from now; then 429 and the event is not ingested).
"""

from __future__ import annotations

import copy
import uuid
from collections import defaultdict, deque
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from devstack.httpserver import Reply, Request
from devstack.standins.base import StandIn

if TYPE_CHECKING:
    from collections.abc import Callable

ACTIONS = ("trigger", "acknowledge", "resolve")
SEVERITIES = ("critical", "error", "warning", "info")
ROUTING_KEY_LENGTH = 32
MAX_DEDUP_KEY = 255
MAX_SUMMARY = 1024
RATE_LIMIT = 120  # calls per integration key ...
RATE_WINDOW = timedelta(seconds=60)  # ... over the 60 seconds looking back from now
THROTTLED = {"status": "throttle event", "message": "Requests for this service are arriving too quickly."}


def validate(event: Any) -> list[str]:
    """Return what is wrong with an Events API v2 event ([] when PagerDuty would accept it)."""
    if not isinstance(event, dict):
        return ["Event object is invalid: the body must be a JSON object"]
    errors = []
    routing_key = event.get("routing_key")
    if not isinstance(routing_key, str) or not routing_key:
        errors.append("'routing_key' is missing or blank")
    elif len(routing_key) != ROUTING_KEY_LENGTH:
        errors.append(f"'routing_key' must be {ROUTING_KEY_LENGTH} characters")
    action = event.get("event_action")
    if action not in ACTIONS:
        errors.append(f"'event_action' must be one of {', '.join(ACTIONS)}")
    dedup_key = event.get("dedup_key")
    if dedup_key is not None and (not isinstance(dedup_key, str) or len(dedup_key) > MAX_DEDUP_KEY):
        errors.append(f"'dedup_key' must be a string of at most {MAX_DEDUP_KEY} characters")
    if action in ("acknowledge", "resolve") and not dedup_key:
        errors.append(f"'dedup_key' is required for {action}")
    if action == "trigger":
        errors.extend(_payload_errors(event.get("payload")))
    return errors


def _payload_errors(payload: Any) -> list[str]:
    if not isinstance(payload, dict):
        return ["'payload' is missing or not an object"]
    errors = [f"'payload.{name}' is missing or blank" for name in ("summary", "source") if not payload.get(name)]
    if len(str(payload.get("summary") or "")) > MAX_SUMMARY:
        errors.append(f"'payload.summary' must be at most {MAX_SUMMARY} characters")
    if payload.get("severity") not in SEVERITIES:
        errors.append(f"'payload.severity' must be one of {', '.join(SEVERITIES)}")
    if payload.get("timestamp") is not None:
        try:
            datetime.fromisoformat(str(payload["timestamp"]).replace("Z", "+00:00"))
        except ValueError:
            errors.append("'payload.timestamp' must be an ISO 8601 timestamp")
    return errors


class PagerDutyStandIn(StandIn):
    """POST /v2/enqueue (and /v2/change/enqueue); alerts() shows what would have paged whom."""

    name = "pagerduty"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._alerts: list[dict[str, Any]] = []
        self._changes: list[dict[str, Any]] = []
        self._calls_by_key: dict[str, deque[datetime]] = defaultdict(deque)
        # What "now" is for the rate limit and alert times; tests give it their clock.
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    def alerts(self, dedup_key: str | None = None, status: str | None = None) -> list[dict[str, Any]]:
        """Return alerts (status triggered, acknowledged or resolved), oldest first, optionally filtered."""
        with self.lock:
            return [
                copy.deepcopy(alert)
                for alert in self._alerts
                if dedup_key in (None, alert["dedup_key"]) and status in (None, alert["status"])
            ]

    def change_events(self) -> list[dict[str, Any]]:
        """Return the change events received."""
        with self.lock:
            return copy.deepcopy(self._changes)

    def reset_state(self) -> None:
        self._alerts.clear()
        self._changes.clear()
        self._calls_by_key.clear()

    def injected_reply(self, status: int, headers: dict[str, str] | None, body: Any) -> Reply:
        if body is None and status == 429:
            body = THROTTLED
        return Reply(
            status, body if body is not None else {"status": "error", "message": "Internal error"}, dict(headers or {})
        )

    def summarize(self, call: dict[str, Any]) -> str:
        event = call["params"]
        summary = (event.get("payload") or {}).get("summary", "") if isinstance(event.get("payload"), dict) else ""
        what = f"{event.get('event_action', '?')} dedup_key={event.get('dedup_key')!r}"
        return f"{call['name']} {what} {summary[:60]!r} -> {call['status']}"

    def handle(self, request: Request) -> Reply:
        if request.method != "POST" or request.path.rstrip("/") not in ("/v2/enqueue", "/v2/change/enqueue"):
            return Reply(404, {"status": "not found", "message": f"No route for {request.method} {request.path}"})
        event = request.json()
        if self._throttled(event):
            return Reply(429, dict(THROTTLED))
        if event is None and request.body:
            return Reply(
                400, {"status": "invalid event", "message": "Event object is invalid", "errors": ["Invalid JSON"]}
            )
        if request.path.startswith("/v2/change"):
            return self._change(event)
        errors = validate(event)
        if errors:
            return Reply(400, {"status": "invalid event", "message": "Event object is invalid", "errors": errors})
        dedup_key = event.get("dedup_key") or uuid.uuid4().hex
        self._apply(event, dedup_key)
        return Reply(202, {"status": "success", "message": "Event processed", "dedup_key": dedup_key})

    def _throttled(self, event: Any) -> bool:
        """Count the call against its integration key; True when it is over the limit (it is then not ingested)."""
        key = event.get("routing_key") if isinstance(event, dict) else None
        if not isinstance(key, str) or not key:
            return False
        now = self.clock()
        calls = self._calls_by_key[key]
        while calls and now - calls[0] >= RATE_WINDOW:
            calls.popleft()
        if len(calls) >= RATE_LIMIT:
            return True
        calls.append(now)
        return False

    def _change(self, event: Any) -> Reply:
        if (
            not isinstance(event, dict)
            or not event.get("routing_key")
            or not (event.get("payload") or {}).get("summary")
        ):
            return Reply(
                400,
                {
                    "status": "invalid event",
                    "message": "Event object is invalid",
                    "errors": ["'routing_key' and 'payload.summary' are required"],
                },
            )
        self._changes.append(copy.deepcopy(event))
        return Reply(202, {"status": "success", "message": "Change event processed"})

    def _apply(self, event: dict[str, Any], dedup_key: str) -> None:
        now = self.clock().astimezone(UTC).isoformat().replace("+00:00", "Z")
        action = event["event_action"]
        open_alert = next(
            (alert for alert in self._alerts if alert["dedup_key"] == dedup_key and alert["status"] != "resolved"),
            None,
        )
        record = {"event_action": action, "received_at": now, "event": copy.deepcopy(event)}
        if action == "trigger" and open_alert is None:
            payload = event["payload"]
            self._alerts.append(
                {
                    "id": f"PALERT{len(self._alerts) + 1:04d}",
                    "dedup_key": dedup_key,
                    "routing_key": event["routing_key"],
                    "status": "triggered",
                    "summary": payload["summary"],
                    "severity": payload["severity"],
                    "source": payload["source"],
                    "created_at": now,
                    "events": [record],
                }
            )
            return
        if open_alert is None:
            return  # PagerDuty drops acknowledge and resolve for an alert that is not open.
        open_alert["events"].append(record)
        if action == "acknowledge":
            open_alert["status"] = "acknowledged"
        elif action == "resolve":
            open_alert["status"] = "resolved"
            open_alert["resolved_at"] = now
