"""A Slack WebClient that always sends the bot token in force, and retries once when Slack refuses it."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

if TYPE_CHECKING:
    from collections.abc import Callable

    from slack_sdk.web import SlackResponse

# What Slack answers when the token itself is wrong (https://docs.slack.dev/reference/methods/auth.test, "Errors").
AUTH_ERRORS = frozenset({"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive"})

logger = logging.getLogger(__name__)


class CurrentTokenClient(WebClient):
    """Read the token at every call (the secret is cached for minutes, not for the container's life).

    A token rotated in Parameter Store reaches this client within the cache's max_age; when Slack refuses the
    token in hand first, the secret is refreshed and the call is sent once more, only if the token changed
    (a refused token that is still the stored one fails at once: retrying cannot help).
    """

    def __init__(self, token: Callable[[], str], refresh: Callable[[], None], **kwargs: Any) -> None:
        super().__init__(token=None, **kwargs)
        self._current_token = token
        self._refresh_token = refresh

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
