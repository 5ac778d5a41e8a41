"""Blameless postmortems: the draft built from what was recorded, action items, publishing."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import TYPE_CHECKING

from opsdesk.domain.errors import Conflict, InvalidRequest
from opsdesk.domain.incidents import EntryKind

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence
    from datetime import date, datetime, timedelta

    from opsdesk.domain.incidents import Incident, TimelineEntry

NEUTRAL_PERSON = "a support engineer"
NEUTRAL_CHANNEL = "a Slack channel"
# The entries a postmortem walks through; hourly check-in prompts are noise in the write-up.
_TIMELINE_KINDS = frozenset(EntryKind) - {EntryKind.CHECKIN}
_RECOVERY_KINDS = {EntryKind.RECOVERED, EntryKind.RESOLVED}


class Stage(StrEnum):
    DRAFT = "draft"  # session not held yet
    HELD = "held"  # group session held, write-up being finished
    PUBLISHED = "published"


class ActionPriority(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


_RANK = {ActionPriority.HIGH: 0, ActionPriority.MEDIUM: 1, ActionPriority.LOW: 2}


def parse_action_priority(text: str) -> ActionPriority:
    value = text.strip().lower()
    aliases = {"h": "high", "p1": "high", "m": "medium", "med": "medium", "p2": "medium", "l": "low", "p3": "low"}
    try:
        return ActionPriority(aliases.get(value, value))
    except ValueError:
        raise InvalidRequest(f"Action priority must be high, medium or low, not `{text}`.") from None


@dataclass(frozen=True)
class DraftEntry:
    """One line of the postmortem timeline."""

    at: datetime
    kind: str
    text: str


@dataclass(frozen=True)
class ActionItem:
    """An improvement agreed at the session, with an owner and a priority."""

    number: int
    description: str
    owner: str
    priority: ActionPriority
    created_at: datetime
    due: date | None = None
    ticket_key: str = ""
    done: bool = False

    def overdue(self, today: date) -> bool:
        return not self.done and self.due is not None and self.due < today


def in_priority_order(items: Iterable[ActionItem]) -> list[ActionItem]:
    """High first, then medium, then low; the order agreed within each."""
    return sorted(items, key=lambda item: (item.done, _RANK[item.priority], item.number))


@dataclass(frozen=True)
class Postmortem:
    """The write-up of one high-priority incident (keyed by the incident id)."""

    incident_id: str
    title: str
    service: str
    opened_at: datetime
    lead: str | None
    summary: str
    impact: str
    timeline: tuple[DraftEntry, ...]
    started_at: datetime
    resolved_at: datetime | None
    time_to_repair: timedelta | None
    time_to_resolve: timedelta | None
    contributing_factors: str = ""
    went_well: str = ""
    to_improve: str = ""
    stage: Stage = Stage.DRAFT
    held_at: datetime | None = None
    published_at: datetime | None = None
    last_reminded_on: date | None = None
    names: Mapping[str, str] = field(default_factory=dict)
    version: int = 0

    @property
    def is_published(self) -> bool:
        return self.stage is Stage.PUBLISHED

    def mark_held(self, at: datetime) -> Postmortem:
        if self.held_at is not None:
            raise Conflict(f"The session for {self.incident_id} was already marked held.")
        return replace(self, held_at=at, stage=Stage.PUBLISHED if self.is_published else Stage.HELD)

    def publish(self, at: datetime, names: Mapping[str, str]) -> Postmortem:
        """Publish with the display names captured now, so the public page never needs Slack ids."""
        return replace(self, stage=Stage.PUBLISHED, published_at=self.published_at or at, names=dict(names))

    def needs_session_reminder(self, today: date) -> bool:
        return self.held_at is None and self.last_reminded_on != today


def draft_from(incident: Incident, entries: Sequence[TimelineEntry], at: datetime) -> Postmortem:
    """Build the draft from the incident and its recorded timeline, detection first."""
    ordered = sorted((entry for entry in entries if entry.kind in _TIMELINE_KINDS), key=lambda entry: entry.at)
    lines: list[DraftEntry] = []
    first_alarm = next((entry for entry in ordered if entry.kind is EntryKind.ALARM), None)
    detected = incident.detected_at or (first_alarm.at if first_alarm else None)
    if detected is not None:
        what = f"Detected: alarm {incident.alarm.name} went off" if incident.alarm else "Detected: first alarm"
        lines.append(DraftEntry(detected, "detected", what))
    lines += [DraftEntry(entry.at, entry.kind.value, entry.text) for entry in ordered]
    started = detected or incident.declared_at
    recovery = next((entry.at for entry in ordered if entry.kind in _RECOVERY_KINDS and entry.at >= started), None)
    resolved = incident.resolved_at
    return Postmortem(
        incident_id=incident.id,
        title=incident.title,
        service=incident.service,
        opened_at=at,
        lead=incident.lead,
        summary=incident.resolution or incident.title,
        impact=incident.user_impact or "To be described at the session: who was affected, how, and for how long.",
        timeline=tuple(lines),
        started_at=started,
        resolved_at=resolved,
        time_to_repair=(recovery - started) if recovery else None,
        time_to_resolve=(resolved - started) if resolved else None,
        contributing_factors="To discuss at the session: what conditions allowed this to happen?",
        went_well="To discuss at the session.",
        to_improve="To discuss at the session; agree actions with owners and priorities.",
    )


_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_CHANNEL = re.compile(r"<#(C[A-Z0-9]+|G[A-Z0-9]+)(?:\|([^>]*))?>")
_LINK = re.compile(r"<(https?://[^|>]+)(?:\|([^>]*))?>")
# Slack ids in practice always carry a digit; requiring one spares shouted words like "UNAVAILABLE".
_BARE_ID = re.compile(r"\b[UWCG](?=[A-Z]*[0-9])[A-Z0-9]{6,}\b")


def people_in(texts: Iterable[str]) -> set[str]:
    """Every user id mentioned (or given bare, like a lead) in the texts."""
    found: set[str] = set()
    for text in texts:
        found.update(_MENTION.findall(text))
        found.update(match for match in _BARE_ID.findall(text) if match[0] in "UW")
    return found


def scrub(text: str, names: Mapping[str, str]) -> str:
    """Replace Slack ids with display names (or a neutral phrase) and unwrap Slack's link markup."""
    text = _MENTION.sub(lambda match: names.get(match.group(1), NEUTRAL_PERSON), text)
    text = _CHANNEL.sub(lambda match: f"#{match.group(2)}" if match.group(2) else NEUTRAL_CHANNEL, text)
    text = _LINK.sub(lambda match: match.group(2) or match.group(1), text)

    def bare(match: re.Match[str]) -> str:
        value = match.group(0)
        if value[0] in "UW":
            return names.get(value, NEUTRAL_PERSON)
        return NEUTRAL_CHANNEL

    return _BARE_ID.sub(bare, text)


def person(user: str | None, names: Mapping[str, str]) -> str:
    if not user:
        return "not recorded"
    return scrub(user, names) if _BARE_ID.fullmatch(user) else user
