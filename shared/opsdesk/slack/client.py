"""A Slack WebClient that sends the bot token in force, retries once when Slack refuses it, and never sleeps past
the invocation's deadline."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.handler import RetryHandler

from opsdesk import deadline

if TYPE_CHECKING:
    from collections.abc import Callable

    from slack_sdk.http_retry.request import HttpRequest
    from slack_sdk.http_retry.response import HttpResponse
    from slack_sdk.http_retry.state import RetryState
    from slack_sdk.web import SlackResponse

# What Slack answers when the token itself is wrong (https://docs.slack.dev/reference/methods/auth.test, "Errors").
AUTH_ERRORS = frozenset({"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive"})

logger = logging.getLogger(__name__)


class WithinDeadline(RetryHandler):
    """One of slack_sdk's retry handlers, declining a back-off the invocation has no time for (opsdesk.deadline).

    Declined, the call fails as it would with its retries spent (a 429 raises `ratelimited`), so the
    invocation raises and Lambda's retry does what is still owed.
    """

    def __init__(self, inner: RetryHandler) -> None:
        super().__init__(inner.max_retry_count, inner.interval_calculator)
        self.inner = inner

    def can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if not self.inner.can_retry(state=state, request=request, response=response, error=error):
            return False
        wait = self._planned_wait(state, response)
        if deadline.allows(wait):
            return True
        logger.warning(
            "not retrying Slack after %s: a %.0f s back-off would leave too little of the invocation's %.0f s; "
            "the invocation fails and Lambda retries it",
            response.status_code if response is not None else type(error).__name__,
            wait,
            deadline.remaining_seconds() or 0.0,
        )
        return False

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        self.inner.prepare_for_next_attempt(state=state, request=request, response=response, error=error)

    def _planned_wait(self, state: RetryState, response: HttpResponse | None) -> float:
        """What the inner handler will sleep, at most (its jitter adds up to a second)."""
        if response is not None and response.status_code == 429:
            # RateLimitErrorRetryHandler sleeps Retry-After plus up to a second (one second without the header).
            after = next((values for name, values in response.headers.items() if name.lower() == "retry-after"), None)
            try:
                return float(after[0] if after else 0) + 1
            except ValueError:
                return 1.0
        return self.inner.interval_calculator.calculate_sleep_duration(state.current_attempt) + 1


class CurrentTokenClient(WebClient):
    """Read the token at every call (the secret is cached for minutes, not for the container's life).

    A token rotated in Parameter Store reaches this client within the cache's max_age; when Slack refuses the
    token in hand first, the secret is refreshed and the call is sent once more, only if the token changed
    (a refused token that is still the stored one fails at once: retrying cannot help).
    Every retry handler it is given (slack_sdk's defaults too) is wrapped in `WithinDeadline`.
    """

    def __init__(self, token: Callable[[], str], refresh: Callable[[], None], **kwargs: Any) -> None:
        super().__init__(token=None, **kwargs)
        self._current_token = token
        self._refresh_token = refresh
        self.retry_handlers = [
            handler if isinstance(handler, WithinDeadline) else WithinDeadline(handler)
            for handler in self.retry_handlers
        ]

    def __deepcopy__(self, memo: dict[int, Any]) -> CurrentTokenClient:
        # Bolt deep-copies each request (its context holds this client) to hand it to a lazy listener; the client
        # keeps no per-request state, and a copy would drag in the secrets' store client and its locks.
        return self

    def api_call(self, api_method: str, **kwargs: Any) -> SlackResponse:
        self.token = self._current_token() or None
        try:
            return super().api_call(api_method, **kwargs)
        except SlackApiError as error:
            if error.response.get("error") not in AUTH_ERRORS:
                raise
            refused = self.token
            self._refresh_token()
            self.token = self._current_token() or None
            if self.token is None or self.token == refused:
                raise
            logger.info("Slack refused the bot token on %s; retrying once with the rotated one", api_method)
            return super().api_call(api_method, **kwargs)
