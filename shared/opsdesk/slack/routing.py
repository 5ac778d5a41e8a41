"""Listener tables: each feature lists its listeners once; the app binds each to what it names, by name.

A listener is a module-level function. Bolt's arguments (`ack`, `body`, `command`, `respond`, `client`...)
come first; after a `*` come the collaborators it works with, by name (`incidents`, `desk`, `now`...),
which are fields of `Collaborators`. Registering binds exactly those: Bolt reads the function's own
signature (it unwraps the binding), so it still injects only its arguments, and a lazy half keeps its
name (Bolt finds the lazy half to run by name). A listener asking for something the app does not have
fails when the app is built, not when Slack first calls it. In a test, a listener is called alone with
stand-ins for what it names.
"""

from __future__ import annotations

import functools
import inspect
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, Literal

from opsdesk.slack.payloads import just_ack

if TYPE_CHECKING:
    import re
    from collections.abc import Callable, Sequence
    from datetime import datetime

    from slack_bolt import App

    from opsdesk.flows.checkins import CheckIns
    from opsdesk.flows.day import WorkingDay
    from opsdesk.flows.incidents import IncidentFlows, IncidentRunner
    from opsdesk.flows.paging import Paging
    from opsdesk.flows.postmortem_actions import PostmortemActions
    from opsdesk.flows.postmortem_publishing import PostmortemPublishing
    from opsdesk.flows.postmortems import PostmortemFlows
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


@dataclass(frozen=True)
class Collaborators:
    """What listeners may name: the flows, and the Slack side of answering a person."""

    incidents: IncidentFlows
    changes: IncidentRunner
    checkins: CheckIns
    paging: Paging
    postmortems: PostmortemFlows
    actions: PostmortemActions
    publishing: PostmortemPublishing
    desk: SupportDesk
    tickets: Tickets
    rota: Rota
    day: WorkingDay
    stats: Stats
    team: SlackTeam
    incident_notifier: SlackIncidentNotifier
    support_notifier: SlackSupportNotifier
    home: HomeTab
    settings: Settings
    now: Callable[[], datetime]


def bind(function: Callable[..., Any], collaborators: Collaborators) -> Callable[..., Any]:
    """The function with the collaborators it names (its keyword-only parameters) filled in."""
    named = [
        parameter.name
        for parameter in inspect.signature(function).parameters.values()
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY
    ]
    if not named:
        return function
    known = {part.name for part in fields(collaborators)}
    if unknown := [name for name in named if name not in known]:
        raise TypeError(f"{function.__qualname__} names {', '.join(unknown)}: not something a listener is given")
    given = {name: getattr(collaborators, name) for name in named}

    @functools.wraps(function)
    def bound(*args: Any, **kwargs: Any) -> Any:
        return function(*args, **kwargs, **given)

    return bound


def register(app: App, listeners: Sequence[Listener], collaborators: Collaborators) -> None:
    """Attach one feature's table of listeners, in its order (Bolt tries listeners in registration order)."""
    for listener in listeners:
        matchers = [bind(matcher, collaborators) for matcher in listener.matchers] or None
        route = getattr(app, listener.kind)(listener.key, matchers=matchers)
        route(ack=bind(listener.ack, collaborators), lazy=[bind(work, collaborators) for work in listener.lazy])
