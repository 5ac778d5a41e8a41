"""What a failed Jira call means: worth retrying later (TrackerUnavailable) or a person must fix something.

Jira's own status codes (developer.atlassian.com/cloud/jira/platform/rest/v3/intro/#status-codes):
5xx, 429 (rate limited, with Retry-After), 408 and timeouts or refused connections are transient. The
other 4xx will answer the same next time: 410 (a removed API, CHANGE-2046), 400 (invalid JQL or fields,
with `errorMessages` / `errors`), 403 (no permission), 404 (no such project or issue), and 401 once
the credentials have been re-read. Retrying those only promises people a ticket that cannot come.

Jira's own words (its reason, which can quote what it was sent) go to the log for an operator; people
are told what failed and what to do in opsdesk's words, with the status code.
"""

from __future__ import annotations

import logging
from typing import Any

from opsdesk.domain.tickets import TrackerError, TrackerRefused, TrackerUnavailable

logger = logging.getLogger(__name__)

TRANSIENT = frozenset({408, 409, 423, 425, 429})
CREDENTIALS_REFUSED = "Jira refused opsdesk's credentials: check jira_api_token and JIRA_EMAIL."
_REASON_LENGTH = 1000
# What an operator should look at, by the status Jira refused with (what the status means on Jira's API).
_TO_FIX = {
    400: "it did not accept the fields opsdesk sent; an operator should check the project's required fields",
    403: "opsdesk's Jira user may not do this; an operator should give it permission in the project",
    404: "the project or issue was not found; an operator should check JIRA_PROJECT",
    410: "Jira no longer offers the API opsdesk called; an operator should check JIRA_DEPLOYMENT",
}
_TO_FIX_OTHERWISE = "an operator should check the Jira set-up"


def status_of(error: Any) -> int:
    """The HTTP status of a JIRAError (0 when the client failed before an answer)."""
    return int(getattr(error, "status_code", 0) or 0)


def reason_of(error: Any) -> str:
    """Jira's own words (`errorMessages` and `errors`, as the client parsed them), trimmed, for the log."""
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
    logger.warning(
        "Jira refused to %s: HTTP %s", what, status, extra={"status": status, "reason": reason or "no reason given"}
    )
    to_fix = _TO_FIX.get(status, _TO_FIX_OTHERWISE)
    return TrackerRefused(f"Jira refused to {what} (HTTP {status}): {to_fix}. Jira's reason is in opsdesk's log.")
