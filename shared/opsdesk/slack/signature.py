"""Slack request signing, checked on the raw body before anything else looks at it."""

from __future__ import annotations

from slack_sdk.signature import Clock, SignatureVerifier


def verify(
    secret: str, body: bytes, timestamp: str | None, signature: str | None, clock: Clock | None = None
) -> str | None:
    """Return why the request is not from Slack, or None when it is.

    slack_sdk's verifier does the HMAC and the five-minute window (both ways); the
    guards before it stop a junk timestamp or body from becoming a 500 instead of a 401.
    """
    if not secret:
        return "signing secret is not configured"
    if not timestamp or not signature:
        return "missing Slack signature headers"
    # ASCII digits only: "²³".isdigit() is True and int("²³") raises, which would be a 500, not a 401.
    if not (timestamp.isascii() and timestamp.isdigit()) or len(timestamp) > 12:
        return "malformed request timestamp"
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return "request body is not UTF-8"
    verifier = SignatureVerifier(secret, clock or Clock())
    if not verifier.is_valid(body=text, timestamp=timestamp, signature=signature):
        return "signature mismatch or request outside the five-minute window"
    return None
