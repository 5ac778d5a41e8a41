"""Listeners are named functions in one table per feature, bound by name to what they work with."""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from slack_bolt.util.utils import get_arg_names_of_callable

from opsdesk.domain.errors import InvalidRequest
from opsdesk.domain.rota import parse_on_call
from opsdesk.slack.app import FEATURES
from opsdesk.slack.listeners.incident_commands import SUBCOMMANDS
from opsdesk.slack.listeners.rota import run_rota_command
from opsdesk.slack.routing import NAMES, Listener, bind
from opsdesk.slack.views.incidents import HELP

LISTENERS = [listener for table in FEATURES for listener in table]


def functions_of(listener: Listener) -> list[Any]:
    return [listener.ack, *listener.lazy, *listener.matchers]


def named_collaborators(function: Any) -> set[str]:
    parameters = inspect.signature(function).parameters.values()
    return {parameter.name for parameter in parameters if parameter.kind is inspect.Parameter.KEYWORD_ONLY}


@pytest.mark.parametrize("listener", LISTENERS, ids=lambda listener: f"{listener.kind}:{listener.key}")
def test_every_listener_names_only_what_the_app_gives_it(listener: Listener) -> None:
    for function in functions_of(listener):
        # A module-level function of the Slack adapter: found by its name, callable alone.
        assert function.__module__.startswith("opsdesk.slack.") and function.__qualname__ == function.__name__
        assert named_collaborators(function) <= NAMES, function.__qualname__


def test_each_feature_registers_each_of_its_listeners_once() -> None:
    keys = [(listener.kind, str(listener.key)) for listener in LISTENERS if not listener.matchers]
    # The message and reaction events come twice on purpose: once with the work (a matcher), once to drop the rest.
    assert len(keys) == len(set(keys))


def test_every_subcommand_the_help_names_is_in_the_one_table_and_no_other() -> None:
    named = set(re.findall(r"`/incident ([\w-]+)", HELP))
    assert named == set(SUBCOMMANDS)


@dataclass
class StandInCollaborators:
    """Only the collaborator the listener under test names; `bind` reads attributes by name."""

    now: Any = None
    told: list[str] = field(default_factory=list)


def test_binding_fills_what_a_listener_names_and_leaves_bolt_its_own_arguments() -> None:
    calls: list[tuple[Any, ...]] = []

    def answer(ack: Any, body: dict[str, Any], *, now: Any) -> None:
        calls.append((ack, body, now()))

    given = StandInCollaborators(now=lambda: "12:00")
    bound = bind(answer, given)  # type: ignore[arg-type]
    # Bolt reads the arguments to inject, and the lazy half's name, from the function as written.
    assert get_arg_names_of_callable(bound) == ["ack", "body"]
    assert bound.__name__ == "answer"
    bound(ack="ack", body={"a": 1})
    # Collaborators are read at each call: one swapped in later (a test's clock) is the one used.
    given.now = lambda: "12:05"
    bound(ack="ack", body={"b": 2})
    assert calls == [("ack", {"a": 1}, "12:00"), ("ack", {"b": 2}, "12:05")]


def test_a_listener_naming_something_the_app_does_not_give_fails_when_the_app_is_built() -> None:
    def needs_a_repository(body: dict[str, Any], *, repository: Any) -> None:
        raise AssertionError("never called")

    with pytest.raises(TypeError, match="repository"):
        bind(needs_a_repository, StandInCollaborators())  # type: ignore[arg-type]


# ---- a listener tested alone, with a stand-in for exactly what it names
@dataclass
class StandInRota:
    on_call: list[str] = field(default_factory=list)

    def set_on_call(self, text: str, by: str) -> str:
        user = parse_on_call(text)
        self.on_call.append(user)
        return user


@dataclass
class Said:
    answers: list[dict[str, Any]] = field(default_factory=list)

    def __call__(self, **answer: Any) -> None:
        self.answers.append(answer)


def test_rota_oncall_sets_on_call_and_says_so_to_the_channel() -> None:
    rota, respond = StandInRota(), Said()
    run_rota_command({"text": "oncall <@U0DAN>", "user_id": "U0ALICE"}, respond, rota=rota)  # type: ignore[arg-type]
    assert rota.on_call == ["U0DAN"]
    assert respond.answers == [{"text": "<@U0DAN> is on call out of hours.", "response_type": "in_channel"}]


def test_rota_refusals_are_told_to_the_person_alone() -> None:
    respond = Said()

    class Refusing(StandInRota):
        def set_on_call(self, text: str, by: str) -> str:
            raise InvalidRequest("Use `/rota oncall @someone`.")

    run_rota_command({"text": "oncall nobody", "user_id": "U0ALICE"}, respond, rota=Refusing())  # type: ignore[arg-type]
    assert respond.answers == [{"text": "Use `/rota oncall @someone`.", "response_type": "ephemeral"}]
