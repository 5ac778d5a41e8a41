"""Credentials read current: Parameter Store in AWS, the environment locally; never logged, placeholders never kept.

In AWS each credential is one SecureString parameter, `<PARAMETERS_PATH>/<name>` (`make secrets` writes them), so
template.yaml can grant each function's role exactly the ones that function uses. A value read is kept for
`max_age` seconds (POWERTOOLS_PARAMETERS_MAX_AGE, 300 by default) by Powertools' SSM provider: a credential filled
in or rotated after the deploy reaches warm containers within five minutes, and a busy function asks Parameter
Store about once per credential per five minutes. A value that is missing, empty or still `REPLACE_ME` is never
kept: every read asks again and logs which parameter to set, so a feature comes on as soon as the operator sets
it. When a neighbour refuses a credential (Slack `invalid_auth`, HTTP 401) the caller asks for `refresh(name)`:
the next read skips the cache once, so a rotation is picked up at the first refusal rather than after `max_age`.
"""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from collections.abc import Callable

NAMES = (
    "slack_signing_secret",
    "slack_bot_token",
    "jira_api_token",
    "pagerduty_routing_key",
    "jira_webhook_secret",
    "pagerduty_webhook_secret",
)
PLACEHOLDER = "REPLACE_ME"  # what an operator may leave in a parameter until the real value is known
DEFAULT_MAX_AGE = 300
MAX_AGE_VARIABLE = "POWERTOOLS_PARAMETERS_MAX_AGE"  # Powertools' own setting for its parameter cache

logger = logging.getLogger(__name__)


class SecretUnavailable(Exception):
    """The credential store could not be read (throttled, unreachable): the caller answers "try again"."""


class SecretSource(Protocol):
    """Where raw credential values come from."""

    def read(self, name: str, *, fresh: bool) -> str:
        """Return the stored value ("" when there is none); `fresh` skips any cache."""
        ...

    def where(self, name: str) -> str:
        """Say where an operator sets this credential."""
        ...

    def prefetch(self, names: tuple[str, ...]) -> None:
        """Read several values in one round trip ahead of their first use (a cold start's)."""
        ...


class EnvironmentSource:
    """Locally (`make run`, tests): each credential is an environment variable, read at every use."""

    def read(self, name: str, *, fresh: bool) -> str:
        return os.environ.get(name.upper(), "")

    def where(self, name: str) -> str:
        return f"the environment variable {name.upper()}"

    def prefetch(self, names: tuple[str, ...]) -> None:
        """Nothing to fetch: the environment is already in memory."""


def utc_now() -> datetime:
    return datetime.now(UTC)


class ParameterStoreSource:
    """In AWS: one SecureString per credential under the stack's path, cached by Powertools for `max_age` seconds."""

    def __init__(
        self, path: str, max_age: int = DEFAULT_MAX_AGE, now: Callable[[], datetime] = utc_now, client: Any = None
    ) -> None:
        self.path = path.rstrip("/")
        self.max_age = max_age
        # Read late, like the wiring's clock: tests swap it to travel past max_age without sleeping.
        self.now = now
        self._client = client
        self._provider: Any = None

    def parameter(self, name: str) -> str:
        return f"{self.path}/{name}"

    def where(self, name: str) -> str:
        return f"the SecureString parameter {self.parameter(name)} (`make secrets` sets it)"

    def read(self, name: str, *, fresh: bool) -> str:
        from aws_lambda_powertools.utilities.parameters import GetParameterError  # noqa: PLC0415  # in AWS only

        try:
            value = self._ssm().get(self.parameter(name), max_age=self.max_age, decrypt=True, force_fetch=fresh)
        except GetParameterError as error:
            # Powertools wraps the SDK's error; the original is the implicit context of its raise.
            code = getattr(error.__context__, "response", {}).get("Error", {}).get("Code", "")
            if code == "ParameterNotFound":
                return ""
            if code == "AccessDeniedException":
                # A code path reached a credential its function's role is not granted (template.yaml): that
                # integration stays off in this function; the log names the parameter, never a value.
                logger.error("this function's role may not read %s", self.parameter(name))
                return ""
            raise SecretUnavailable(f"Parameter Store did not answer for {self.parameter(name)}: {code}") from None
        return value if isinstance(value, str) else ""

    def prefetch(self, names: tuple[str, ...]) -> None:
        """One GetParameters call for a cold start's first reads (each then served from the cache)."""
        from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415  # in AWS only

        try:
            self._ssm().prefetch([self.parameter(name) for name in names], self.max_age)
        except (BotoCoreError, ClientError) as error:
            # Only an optimisation: the reads that follow ask one by one and report what is wrong.
            logger.info("could not prefetch %s: %s", ", ".join(names), type(error).__name__)

    def _ssm(self) -> Any:
        if self._provider is None:
            self._provider = _clocked_provider(self._clock, self._client)
        return self._provider

    def _clock(self) -> datetime:
        return self.now()  # looked up at each call: a clock swapped in later is the one used


def _clocked_provider(now: Callable[[], datetime], client: Any) -> Any:
    """Powertools' SSMProvider with its cache timed by `now` (it reads datetime.now() itself)."""
    import boto3  # noqa: PLC0415  # in AWS only
    from aws_lambda_powertools.utilities.parameters import SSMProvider  # noqa: PLC0415
    from aws_lambda_powertools.utilities.parameters.base import ExpirableValue  # noqa: PLC0415

    class ClockedSSMProvider(SSMProvider):
        def has_not_expired_in_cache(self, key: tuple[Any, ...]) -> bool:
            return key in self.store and self.store[key].ttl >= now()

        def add_to_cache(self, key: tuple[Any, ...], value: Any, max_age: int) -> None:
            if max_age > 0:
                self.store[key] = ExpirableValue(value, now() + timedelta(seconds=max_age))

        def prefetch(self, names: list[str], max_age: int) -> None:
            # Powertools' get_parameters_by_name caches under other keys than get(): fill get()'s own.
            for item in self.client.get_parameters(Names=names, WithDecryption=True)["Parameters"]:
                self.add_to_cache(self._build_cache_key(name=item["Name"]), item["Value"], max_age)

    # The process's default session: its loaded endpoint data is shared with the other clients (~10 ms).
    return ClockedSSMProvider(boto3_client=client or boto3.client("ssm"))


class Secrets:
    """The credentials opsdesk holds, each read when used; nothing here ever prints a value."""

    def __init__(self, source: SecretSource) -> None:
        self.source = source
        self._stale: set[str] = set()  # names whose next read skips the cache

    def __repr__(self) -> str:
        return f"Secrets({type(self.source).__name__})"

    def get(self, name: str) -> str:
        """Return the credential now in force, or "" while it is unset (logged by name, asked again next time)."""
        value = self.source.read(name, fresh=name in self._stale)
        if value and value != PLACEHOLDER:
            self._stale.discard(name)
            return value
        self._stale.add(name)
        logger.warning("%s is not set: put it in %s", name, self.source.where(name))
        return ""

    def refresh(self, name: str) -> None:
        """Make the next read of `name` ask the store again (a neighbour refused the value in hand)."""
        self._stale.add(name)

    def where(self, name: str) -> str:
        return self.source.where(name)

    def prefetch(self, *names: str) -> None:
        """Read these values in one round trip now; later reads of them are served from the cache."""
        self.source.prefetch(names)

    def stack_value(self, name: str) -> str:
        """A value the stack writes beside the credentials (`api_url`): not secret, no placeholder, "" if none."""
        return self.source.read(name, fresh=False)

    def values(self) -> list[str]:
        """Every credential that is set (tests check none of them leaks)."""
        return [value for value in (self.get(name) for name in NAMES) if value]

    @property
    def slack_signing_secret(self) -> str:
        return self.get("slack_signing_secret")

    @property
    def slack_bot_token(self) -> str:
        return self.get("slack_bot_token")

    @property
    def jira_api_token(self) -> str:
        return self.get("jira_api_token")

    @property
    def pagerduty_routing_key(self) -> str:
        return self.get("pagerduty_routing_key")

    @property
    def jira_webhook_secret(self) -> str:
        return self.get("jira_webhook_secret")

    @property
    def pagerduty_webhook_secret(self) -> str:
        return self.get("pagerduty_webhook_secret")


def from_environment(environ: dict[str, str] | None = None) -> Secrets:
    """Parameter Store under PARAMETERS_PATH when it is set (in AWS), else the environment."""
    source = os.environ if environ is None else environ
    path = source.get("PARAMETERS_PATH", "")
    if not path:
        return Secrets(EnvironmentSource())
    return Secrets(ParameterStoreSource(path, max_age=int(source.get(MAX_AGE_VARIABLE) or DEFAULT_MAX_AGE)))


@lru_cache(maxsize=1)
def secrets() -> Secrets:
    """The process-wide credentials (one cache per container)."""
    return from_environment()
