"""What a failed Jira call means: worth retrying later (TrackerUnavailable) or a person must fix something.

Jira's own status codes (developer.atlassian.com/cloud/jira/platform/rest/v3/intro/#status-codes):
5xx, 429 (rate limited, with Retry-After), 408 and timeouts or refused connections are transient. The
other 4xx will answer the same next time: 410 (a removed API, CHANGE-2046), 400 (invalid JQL or fields,
with `errorMessages` / `errors`), 403 (no permission), 404 (no such project or issue), and 401 once
the credentials have been re-read. Retrying those only promises people a ticket that cannot come.
"""

from __future__ import annotations

from typing import Any

from opsdesk.domain.tickets import TrackerError, TrackerRefused, TrackerUnavailable

TRANSIENT = frozenset({408, 409, 423, 425, 429})
CREDENTIALS_REFUSED = "Jira refused opsdesk's credentials: check jira_api_token and JIRA_EMAIL."
_REASON_LENGTH = 300


def status_of(error: Any) -> int:
    """The HTTP status of a JIRAError (0 when the client failed before an answer)."""
    return int(getattr(error, "status_code", 0) or 0)


def reason_of(error: Any) -> str:
    """Jira's own words (`errorMessages` and `errors`, as the client parsed them), trimmed; never headers."""
    text = " ".join(str(getattr(error, "text", "") or "").split())
    return text[:_REASON_LENGTH]


def retry_after(error: Any) -> float | None:
    """The seconds a 429 asks us to wait, if it says (Retry-After in seconds)."""
    response = getattr(error, "response", None)
    value = (getattr(response, "headers", None) or {}).get("Retry-After")
    try:
        return max(float(value), 0.0) if value is not None else None
    except ValueError:
        return None


def is_transient(status: int) -> bool:
    return status == 0 or status >= 500 or status in TRANSIENT


def classify(error: Any, what: str) -> TrackerError:
    """The port's error for a JIRAError raised while trying to `what` (e.g. "create a ticket")."""
    status = status_of(error)
    reason = reason_of(error)
    if status == 401:
        return TrackerRefused(CREDENTIALS_REFUSED)
    if is_transient(status):
        if status == 429:
            wait = retry_after(error)
            later = f"; Jira asks to wait {wait:g} s" if wait is not None else ""
            return TrackerUnavailable(f"Jira is rate limiting opsdesk (HTTP 429{later}), so it did not {what}.")
        return TrackerUnavailable(f"Jira did not answer when asked to {what} (HTTP {status}).")
    return TrackerRefused(f"Jira refused to {what} (HTTP {status}: {reason or 'no reason given'}).")
