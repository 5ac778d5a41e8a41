"""Credentials are read when used: placeholders never kept, a refresh skips the cache once, adapters follow them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from opsdesk.secrets import PLACEHOLDER, Secrets, from_environment
from opsdesk.settings import Settings
from opsdesk.wiring import Wiring

if TYPE_CHECKING:
    import pytest


@dataclass
class StoredValues:
    """A credential store that counts its reads (Parameter Store's part is tested against moto in tests/deploy)."""

    values: dict[str, str] = field(default_factory=dict)
    reads: list[tuple[str, bool]] = field(default_factory=list)

    def read(self, name: str, *, fresh: bool) -> str:
        self.reads.append((name, fresh))
        return self.values.get(name, "")

    def where(self, name: str) -> str:
        return f"the test store's {name}"


def wired(store: StoredValues) -> Wiring:
    settings = Settings(
        table_name="t",
        ops_channel_id="C0OPS",
        team_channel_id="C0TEAM",
        jira_url="https://jira.invalid",
        paging_enabled=True,
        pagerduty_events_url="https://events.invalid/v2/enqueue",
    )
    return Wiring(settings=settings, secrets=Secrets(store))


def test_a_placeholder_reads_as_unset_and_is_asked_for_again_skipping_any_cache(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = StoredValues({"slack_bot_token": PLACEHOLDER})
    secrets = Secrets(store)
    assert secrets.slack_bot_token == ""
    assert "slack_bot_token is not set: put it in the test store's slack_bot_token" in caplog.text
    assert PLACEHOLDER not in caplog.text.replace("slack_bot_token", "")
    store.values["slack_bot_token"] = "xoxb-set"
    assert secrets.slack_bot_token == "xoxb-set"
    assert store.reads == [("slack_bot_token", False), ("slack_bot_token", True)]


def test_a_refresh_skips_the_cache_once() -> None:
    store = StoredValues({"jira_api_token": "one"})
    secrets = Secrets(store)
    secrets.jira_api_token  # noqa: B018  # a read
    secrets.refresh("jira_api_token")
    secrets.jira_api_token  # noqa: B018
    secrets.jira_api_token  # noqa: B018
    assert [fresh for _, fresh in store.reads] == [False, True, False]


def test_the_jira_client_is_rebuilt_only_when_its_token_changes() -> None:
    # GIVEN the Jira adapter as wired, on a site whose deployment is known (no serverInfo call)
    store = StoredValues({"jira_api_token": "token-one"})
    tracker = wired(store).integrations.jira
    tracker.deployment = "cloud"
    first = tracker._jira()
    # WHEN nothing changes, THEN the client is kept; WHEN the token is rotated, THEN the next call builds a new one
    assert tracker._jira() is first
    store.values["jira_api_token"] = "token-two"
    rebuilt = tracker._jira()
    assert rebuilt is not first
    assert rebuilt._session.auth == ("", "token-two")


def test_pages_carry_the_routing_key_in_force() -> None:
    store = StoredValues({"pagerduty_routing_key": "a" * 32})
    built = wired(store)
    assert built.integrations._current_pagerduty().routing_key == "a" * 32
    store.values["pagerduty_routing_key"] = "b" * 32
    assert built.integrations._current_pagerduty().routing_key == "b" * 32


def test_the_source_follows_the_environment() -> None:
    assert type(from_environment({}).source).__name__ == "EnvironmentSource"
    aws = from_environment({"PARAMETERS_PATH": "/opsdesk", "POWERTOOLS_PARAMETERS_MAX_AGE": "120"}).source
    assert type(aws).__name__ == "ParameterStoreSource"
    assert (aws.path, aws.max_age) == ("/opsdesk", 120)  # type: ignore[attr-defined]
    assert "/opsdesk/slack_bot_token" in aws.where("slack_bot_token")


def test_repr_names_the_source_never_a_value() -> None:
    assert repr(Secrets(StoredValues({"slack_bot_token": "xoxb-secret"}))) == "Secrets(StoredValues)"
