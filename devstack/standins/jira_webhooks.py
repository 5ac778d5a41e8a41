"""Jira admin webhooks as the stand-in sends them: Jira's event bodies, signed with the webhook's secret.

Jira Cloud signs an admin webhook that has a secret: `X-Hub-Signature: sha256=<hex HMAC-SHA256 of the
raw body, keyed by the secret>` (the WebSub format; developer.atlassian.com/cloud/jira/platform/webhooks/
#secure-admin-webhooks). Jira delivers asynchronously, so tests deliver the queue when they choose
(`deliver()`), and `make run` delivers each event on its own thread as it happens.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

SIGNATURE_HEADER = "X-Hub-Signature"
# Jira's webhookEvent for each change the stand-in's tracker reports.
EVENTS = {"issue_created": "jira:issue_created", "issue_updated": "jira:issue_updated", "comment_created": ""}
# A person working on the board (not through opsdesk): who Jira says made the stand-in's "by hand" changes.
BOARD_USER = {"accountId": "5b10ac8d82e05b22cc7d4ef5", "displayName": "Dana (Jira)", "active": True}


def signature(body: bytes, secret: str) -> str:
    """Return the X-Hub-Signature value Jira sends for `body` under `secret`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def http_delivery(url: str, timeout: float = 30.0) -> Callable[[bytes, dict[str, str]], int]:
    """Deliver to a URL (the local API's /jira/webhook under `make run`); return the status answered."""

    def deliver(raw: bytes, headers: dict[str, str]) -> int:
        request = urllib.request.Request(url, data=raw, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return int(response.status)
        except urllib.error.HTTPError as error:
            return int(error.code)
        except OSError:
            return 0  # unreachable: Jira would retry; the stand-in records it and moves on

    return deliver


def event_body(kind: str, issue: dict[str, Any], changelog: list[dict[str, Any]], user: dict[str, Any]) -> bytes:
    """Return the raw body of Jira's `jira:issue_created` / `jira:issue_updated` webhook."""
    body: dict[str, Any] = {
        "timestamp": int(datetime.now(UTC).timestamp() * 1000),
        "webhookEvent": kind,
        "issue_event_type_name": "issue_created" if kind == "jira:issue_created" else "issue_generic",
        "user": user,
        "issue": issue,
    }
    if changelog:
        body["changelog"] = {"id": str(uuid.uuid4().int % 10**6), "items": changelog}
    return json.dumps(body).encode()


@dataclass
class _Hook:
    deliver: Callable[[bytes, dict[str, str]], int]
    secret: str
    background: bool


@dataclass
class JiraWebhooks:
    """Registered webhooks, the events waiting for delivery, and what each delivery was answered."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    hooks: list[_Hook] = field(default_factory=list)
    queued: list[tuple[bytes, _Hook]] = field(default_factory=list)
    delivered: list[dict[str, Any]] = field(default_factory=list)

    def register(
        self, deliver: Callable[[bytes, dict[str, str]], int], secret: str, *, background: bool = False
    ) -> None:
        """Send every issue event to `deliver(raw body, headers)`, signed when `secret` is set."""
        with self.lock:
            self.hooks.append(_Hook(deliver, secret, background))

    def clear(self) -> None:
        with self.lock:
            self.hooks.clear()
            self.queued.clear()
            self.delivered.clear()

    def changed(self, change: dict[str, Any]) -> None:
        """Queue the webhook body for a change (the tracker's on_change hook)."""
        kind = EVENTS.get(change["type"], "")
        if not kind:
            return
        with self.lock:
            for hook in self.hooks:
                raw = event_body(kind, change["issue"], change["changelog"], change.get("user") or BOARD_USER)
                if hook.background:
                    threading.Thread(target=self._send, args=(raw, hook), daemon=True).start()
                else:
                    self.queued.append((raw, hook))

    def deliver(self) -> list[int]:
        """Deliver every queued event, oldest first; return the statuses opsdesk answered."""
        with self.lock:
            waiting, self.queued = self.queued, []
        return [self._send(raw, hook) for raw, hook in waiting]

    def _send(self, raw: bytes, hook: _Hook) -> int:
        headers = {"Content-Type": "application/json", "X-Atlassian-Webhook-Identifier": uuid.uuid4().hex}
        if hook.secret:
            headers[SIGNATURE_HEADER] = signature(raw, hook.secret)
        status = hook.deliver(raw, headers)
        with self.lock:
            self.delivered.append({"body": json.loads(raw), "headers": headers, "status": status})
        return status
