"""What a person is told when their request could not be done, decided in one place."""

from __future__ import annotations

import logging
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError, ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError
from slack_sdk.errors import SlackApiError

from opsdesk.domain.errors import OpsdeskError
from opsdesk.slack.views.mrkdwn import worded

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from slack_bolt import Ack
    from slack_sdk import WebClient
    from slack_sdk.models.views import View

BUSY = (
    "opsdesk is busy and could not finish that just now. It retries by itself in a minute, so there is no need "
    "to send it again; if nothing has happened in a few minutes, please try again."
)
_BUSY_CODES = {
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "InternalServerError",
    "ServiceUnavailable",
    "TransactionConflictException",
}

logger = logging.getLogger(__name__)


def is_transient(error: Exception) -> bool:
    """A busy or unreachable dependency: worth retrying, and worth telling the person about."""
    if isinstance(error, ClientError):
        return error.response.get("Error", {}).get("Code") in _BUSY_CODES
    return isinstance(error, EndpointConnectionError | ConnectTimeoutError | ReadTimeoutError)


def tell_or_raise(error: Exception, tell: Callable[[str], object]) -> None:
    """Answer the person who asked; re-raise whatever Lambda should retry.

    A refusal (OpsdeskError) is answered and done. A busy dependency is answered and
    re-raised, so the async invocation is retried and, failing that, dead-lettered.
    Anything else is a bug: it is raised untold, never shown as a stack trace.
    """
    if isinstance(error, OpsdeskError):
        tell(worded(error))
        return
    if is_transient(error):
        tell(BUSY)
    raise error


def modal_opened(client: WebClient, trigger_id: str, view: View | dict[str, Any]) -> bool:
    """Open a modal on the 3-second path; False (logged) when Slack refuses (e.g. a 429) or is slow."""
    try:
        client.views_open(trigger_id=trigger_id, view=view)
    except (SlackApiError, OSError) as error:  # refused, or slow: a timeout is an OSError
        logger.warning("views.open failed: %s", type(error).__name__)
        return False
    return True


def open_modal(client: WebClient, ack: Ack, body: dict[str, Any], view: View | dict[str, Any]) -> None:
    """Open a modal on the 3-second path; if Slack refuses, tell the person instead of failing.

    A slash command's ack text is shown to whoever typed it; a button's or shortcut's is not (Slack ignores
    the body of an interaction's acknowledgement), so they hear it as an ephemeral line where they clicked,
    or by DM from the App Home, which has no channel.
    """
    if modal_opened(client, body["trigger_id"], view):
        ack()
        return
    if "command" in body:
        ack(text=BUSY, response_type="ephemeral")
        return
    ack()
    user = body["user"]["id"]
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
    if channel:
        answer_on_ack_path(client, channel, user, BUSY)
        return
    try:
        client.chat_postMessage(channel=user, text=BUSY)
    except (SlackApiError, OSError) as error:
        logger.warning("busy answer not sent to %s: %s", user, type(error).__name__)


def answer_on_ack_path(client: WebClient, channel: str, user: str, text: str) -> None:
    """An ephemeral answer sent before the ack returns: if Slack refuses or is slow, log it, never fail."""
    try:
        client.chat_postEphemeral(channel=channel, user=user, text=text)
    except (SlackApiError, OSError) as error:  # e.g. not_in_channel, or a timeout
        code = error.response.get("error") if isinstance(error, SlackApiError) else type(error).__name__
        logger.warning("ephemeral answer not sent in %s: %s", channel, code)


@contextmanager
def failures_told(tell: Callable[[str], object]) -> Iterator[None]:
    """Around a listener's lazy half: refusals and busy dependencies are told to the person, bugs raise (and retry)."""
    try:
        yield
    except Exception as error:  # tell_or_raise re-raises all but the refusals
        tell_or_raise(error, tell)
