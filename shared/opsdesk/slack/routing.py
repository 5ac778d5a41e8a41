"""Listener tables: each feature lists its listeners once; the app binds each to what it names, by name.

A listener is a module-level function. Bolt's arguments (`ack`, `body`, `command`, `respond`, `client`...)
come first; after a `*` come the collaborators it works with, by name (`incidents`, `desk`, `now`...),
which are the members of `Collaborators` (the wiring has each). Registering binds exactly those: Bolt
reads the function's own signature (it unwraps the binding), so it still injects only its arguments,
and a lazy half keeps its name (Bolt finds the lazy half to run by name). A listener asking for
something the app does not have fails when the app is built, not when Slack first calls it. In a
test, a listener is called alone with stand-ins for what it names.
"""

from __future__ import annotations

import functools
import inspect
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol

from opsdesk.slack.payloads import just_ack

if TYPE_CHECKING:
    import re
    from collections.abc import Callable, Sequence
    from datetime import datetime

    from slack_bolt import App

    from opsdesk.flows.alerts import AlertDecisions
    from opsdesk.flows.checkins import CheckIns
    from opsdesk.flows.day import WorkingDay
    from opsdesk.flows.incidents import IncidentFlows, IncidentRunner
    from opsdesk.flows.paging import Paging
    from opsdesk.flows.postmortem_actions import PostmortemActions
    from opsdesk.flows.postmortem_publishing import PostmortemPublishing
    from opsdesk.flows.postmortems import PostmortemFlows
    from opsdesk.flows.public_status import PublicStatus
    from opsdesk.flows.rota import Rota
    from opsdesk.flows.stats import Stats
    from opsdesk.flows.support import SupportDesk
    from opsdesk.flows.tickets import Tickets
    from opsdesk.settings import Settings
    from opsdesk.slack.home import HomeTab
    from opsdesk.slack.notifier import SlackIncidentNotifier
    from opsdesk.slack.support_notifier import SlackSupportNotifier
    from opsdesk.slack.team import SlackTeam

Kind = Literal["command", "action", "view", "shortcut", "event"]


@dataclass(frozen=True)
class Listener:
    """One Bolt listener: what it answers, its ack half, its lazy half, and matchers run before the ack."""

    kind: Kind
    key: str | re.Pattern[str]
    ack: Callable[..., None] = just_ack
    lazy: tuple[Callable[..., None], ...] = ()
    matchers: tuple[Callable[..., bool], ...] = ()


class Collaborators(Protocol):
    """What listeners may name: the flows, and the Slack side of answering a person (the wiring has each)."""

    @property
    def incidents(self) -> IncidentFlows: ...

    @property
    def changes(self) -> IncidentRunner: ...

    @property
    def checkins(self) -> CheckIns: ...

    @property
    def paging(self) -> Paging: ...

    @property
    def public_status(self) -> PublicStatus: ...

    @property
    def postmortems(self) -> PostmortemFlows: ...

    @property
    def postmortem_actions(self) -> PostmortemActions: ...

    @property
    def publishing(self) -> PostmortemPublishing: ...

    @property
    def desk(self) -> SupportDesk: ...

    @property
    def tickets(self) -> Tickets: ...

    @property
    def rota(self) -> Rota: ...

    @property
    def day(self) -> WorkingDay: ...

    @property
    def stats(self) -> Stats: ...

    @property
    def alerts(self) -> AlertDecisions: ...

    @property
    def team(self) -> SlackTeam: ...

    @property
    def incident_notifier(self) -> SlackIncidentNotifier: ...

    @property
    def support_notifier(self) -> SlackSupportNotifier: ...

    @property
    def home(self) -> HomeTab: ...

    @property
    def settings(self) -> Settings: ...

    @property
    def now(self) -> Callable[[], datetime]: ...


# The names a listener may give after its `*`.
NAMES = frozenset(name for name in vars(Collaborators) if not name.startswith("_"))


def bind(function: Callable[..., Any], collaborators: Collaborators) -> Callable[..., Any]:
    """The function with the collaborators it names (its keyword-only parameters) filled in at each call.

    Read at the call, not now: a flow is built by the first listener that needs it, so the cold start
    that answers Slack's first request builds (and imports) only what that request needs.
    """
    named = [
        parameter.name
        for parameter in inspect.signature(function).parameters.values()
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY
    ]
    if not named:
        return function
    if unknown := [name for name in named if name not in NAMES]:
        raise TypeError(f"{function.__qualname__} names {', '.join(unknown)}: not something a listener is given")

    @functools.wraps(function)
    def bound(*args: Any, **kwargs: Any) -> Any:
        return function(*args, **kwargs, **{name: getattr(collaborators, name) for name in named})

    return bound


def register(app: App, listeners: Sequence[Listener], collaborators: Collaborators) -> None:
    """Attach one feature's table of listeners, in its order (Bolt tries listeners in registration order)."""
    for listener in listeners:
        matchers = [bind(matcher, collaborators) for matcher in listener.matchers] or None
        route = getattr(app, listener.kind)(listener.key, matchers=matchers)
        route(ack=bind(listener.ack, collaborators), lazy=[bind(work, collaborators) for work in listener.lazy])
