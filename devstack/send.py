"""Send signed Slack requests to the local stack: `python -m devstack.send "/incident declare Database down"`.

The body builders and `signed_headers` are reused by tests; they need only the standard library and slack_sdk.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import time
import urllib.error
import urllib.request
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

from devstack.settings import API_PORT, HOST, LOCAL_DEFAULTS, SLACK_PORT
from devstack.standins.slack_workspace import APP_ID, BOT_USER_ID, TEAM_ID, person

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


def signed_headers(
    body: str | bytes, secret: str, timestamp: int | None = None, content_type: str = FORM
) -> dict[str, str]:
    """Return Content-Type, X-Slack-Request-Timestamp and X-Slack-Signature headers for a body."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    text = body.decode("utf-8") if isinstance(body, bytes) else body
    signature = str(SignatureVerifier(secret).generate_signature(timestamp=str(timestamp), body=text))
    return {"Content-Type": content_type, "X-Slack-Request-Timestamp": str(timestamp), "X-Slack-Signature": signature}


def slack_stand_in_url() -> str:
    """Return the Slack stand-in's base URL (from SLACK_API_URL, else the `make run` default)."""
    api_url = os.environ.get("SLACK_API_URL")
    return api_url.rstrip("/").removesuffix("/api") if api_url else f"http://{HOST}:{SLACK_PORT}"


def new_trigger_id() -> str:
    """Return a unique trigger_id shaped like Slack's."""
    return f"{int(time.time())}{secrets.randbelow(1000):03d}.{secrets.randbelow(10**11):011d}.{secrets.token_hex(16)}"


def slash_command_body(
    command: str,
    text: str = "",
    user: str = "U0ALICE",
    channel: str = "C0OPS",
    *,
    response_url: str | None = None,
    trigger_id: str | None = None,
) -> str:
    """Return a slash command's form body as Slack sends it (response_url defaults to the Slack stand-in)."""
    nonce = secrets.token_hex(8)
    return urlencode(
        {
            "token": "local-verification-token",
            "team_id": TEAM_ID,
            "team_domain": "opsdesk-local",
            "channel_id": channel,
            "channel_name": channel[2:].lower() if channel.startswith("C0") else channel.lower(),
            "user_id": user,
            "user_name": person(user)["name"],
            "command": command,
            "text": text,
            "api_app_id": APP_ID,
            "is_enterprise_install": "false",
            "response_url": response_url or f"{slack_stand_in_url()}/response/{channel}-{user}-{nonce}",
            "trigger_id": trigger_id or new_trigger_id(),
        }
    )


def interaction_body(payload: dict[str, object]) -> str:
    """Return an interaction's form body: payload=<url-encoded JSON>."""
    return urlencode({"payload": json.dumps(payload)})


def event_body(event: dict[str, object], *, event_id: str | None = None, event_time: int | None = None) -> str:
    """Return an Events API `event_callback` JSON body wrapping one event."""
    return json.dumps(
        {
            "token": "local-verification-token",
            "team_id": TEAM_ID,
            "api_app_id": APP_ID,
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{secrets.token_hex(5).upper()}",
            "event_time": event_time or int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": TEAM_ID,
                    "user_id": BOT_USER_ID,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
        }
    )


def post_signed(
    url: str, body: str, *, secret: str, content_type: str = FORM, timeout: float = 10.0
) -> tuple[int, str, float]:
    """POST a signed body; return (status, response text, seconds taken)."""
    request = urllib.request.Request(
        url, data=body.encode(), headers=signed_headers(body, secret, content_type=content_type)
    )
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read().decode("utf-8", "replace"), time.monotonic() - started
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace"), time.monotonic() - started


def main(argv: list[str] | None = None) -> int:
    """Send one slash command to the local stack and print what came back."""
    parser = argparse.ArgumentParser(prog="python -m devstack.send", description=__doc__.splitlines()[0])
    parser.add_argument("command_line", help='e.g. "/incident declare Database down"')
    parser.add_argument("--user", default="U0ALICE")
    parser.add_argument("--channel", default="C0OPS")
    parser.add_argument("--url", default=f"http://{HOST}:{API_PORT}", help="the local API's base URL")
    args = parser.parse_args(argv)
    command, _, text = args.command_line.strip().partition(" ")
    if not command.startswith("/"):
        parser.error("the command must start with '/', e.g. /incident declare Database down")
    secret = os.environ.get("SLACK_SIGNING_SECRET", LOCAL_DEFAULTS["SLACK_SIGNING_SECRET"])
    url = f"{args.url.rstrip('/')}/slack/commands"
    print(f"POST {url}  {command} {text}  (user {args.user}, channel {args.channel})")
    try:
        status, body, seconds = post_signed(
            url, slash_command_body(command, text, args.user, args.channel), secret=secret
        )
    except urllib.error.URLError as error:
        print(f"cannot reach {url}: {error.reason}. Is `make run` running?", file=sys.stderr)
        return 2
    print(f"-> {status} in {seconds * 1000:.0f} ms")
    try:
        print(json.dumps(json.loads(body), indent=2))
    except ValueError:
        print(body)
    return 0 if status < 400 else 1


if __name__ == "__main__":
    sys.exit(main())
