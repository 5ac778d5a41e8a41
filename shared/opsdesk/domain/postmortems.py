"""Blameless postmortems: the draft built from what was recorded, action items, publishing."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields, replace
from datetime import timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from opsdesk.domain.errors import Conflict, InvalidRequest
from opsdesk.domain.incidents import EntryKind, TimelineEntry

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence
    from datetime import date, datetime

    from opsdesk.domain.incidents import Incident

NEUTRAL_PERSON = "a support engineer"
NEUTRAL_CHANNEL = "a Slack channel"
WITHHELD = "A message from another Slack channel was added here (not published)."
# Slack's plain-text input takes at most 3,000 characters; so does each blameless section.
MAX_SECTION_CHARS = 3000
# The entries a postmortem walks through; hourly check-in prompts are noise in the write-up.
_TIMELINE_KINDS = frozenset(EntryKind) - {EntryKind.CHECKIN, EntryKind.DETECTED}
_RECOVERY_KINDS = {EntryKind.RECOVERED, EntryKind.RESOLVED}
# An action item with no due date is not forgotten: its owner hears of it this often until it is done.
UNDATED_REMINDER_EVERY = timedelta(days=7)


class Stage(StrEnum):
    DRAFT = "draft"  # session not held yet
    HELD = "held"  # group session held, write-up being finished
    PUBLISHED = "published"


class ActionPriority(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


_RANK = {ActionPriority.HIGH: 0, ActionPriority.MEDIUM: 1, ActionPriority.LOW: 2}


class Section(StrEnum):
    """The write-up's editable sections; each value is the Postmortem field that holds it."""

    SUMMARY = "summary"
    IMPACT = "impact"
    CONTRIBUTING_FACTORS = "contributing_factors"
    WENT_WELL = "went_well"
    TO_IMPROVE = "to_improve"

    @property
    def heading(self) -> str:
        return _SECTION_TITLES[self]


_SECTION_TITLES = {
    Section.SUMMARY: "Summary",
    Section.IMPACT: "Impact",
    Section.CONTRIBUTING_FACTORS: "Contributing factors",
    Section.WENT_WELL: "What went well",
    Section.TO_IMPROVE: "What to improve",
}
REQUIRED_SECTIONS = (Section.SUMMARY, Section.IMPACT)
_PLACEHOLDERS = {
    Section.IMPACT: "To be described at the session: who was affected, how, and for how long.",
    Section.CONTRIBUTING_FACTORS: "To discuss at the session: what conditions allowed this to happen?",
    Section.WENT_WELL: "To discuss at the session.",
    Section.TO_IMPROVE: "To discuss at the session; agree actions with owners and priorities.",
}


def parse_action_priority(text: str) -> ActionPriority:
    value = text.strip().lower()
    aliases = {"h": "high", "p1": "high", "m": "medium", "med": "medium", "p2": "medium", "l": "low", "p3": "low"}
    try:
        return ActionPriority(aliases.get(value, value))
    except ValueError:
        raise InvalidRequest(f"Action priority must be high, medium or low, not `{text}`.") from None


@dataclass(frozen=True)
class DraftEntry(TimelineEntry):
    """One line of the postmortem timeline: a timeline entry, or the detection that preceded them."""

    withheld: bool = False  # quotes a message from a channel other than the incident's own

    @classmethod
    def of(cls, entry: TimelineEntry, *, withheld: bool = False) -> DraftEntry:
        return cls(**{part.name: getattr(entry, part.name) for part in fields(entry)}, withheld=withheld)


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
    done_at: datetime | None = None
    done_by: str = ""
    # When its owner was last reminded of it while it has no due date (weekly, until it is done).
    reminded_at: datetime | None = None

    def overdue(self, today: date) -> bool:
        return not self.done and self.due is not None and self.due < today

    def next_undated_reminder(self) -> date | None:
        """When an open action with no due date is next reminded: a week after it was added or last reminded."""
        if self.done or self.due is not None:
            return None
        return ((self.reminded_at or self.created_at) + UNDATED_REMINDER_EVERY).date()

    def mark_done(self, by: str, at: datetime) -> ActionItem:
        return replace(self, done=True, done_at=at, done_by=by)


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
    edited_at: datetime | None = None
    edited_by: str = ""
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

    def section(self, which: Section) -> str:
        return str(getattr(self, which.value))

    def sections(self) -> dict[Section, str]:
        return {which: self.section(which) for which in Section}

    def edit(self, texts: Mapping[Section, str], by: str, at: datetime) -> Postmortem:
        """Replace the given sections (blank optional ones allowed; required ones and lengths checked)."""
        cleaned = {which: text.strip() for which, text in texts.items()}
        problems = section_problems(cleaned)
        if problems:
            raise InvalidRequest(" ".join(problems.values()))
        changes: dict[str, Any] = {which.value: text for which, text in cleaned.items()}
        return replace(self, **changes, edited_at=at, edited_by=by)

    def to_write(self) -> list[Section]:
        """The sections still holding the draft's "to discuss" placeholder."""
        return [which for which, text in _PLACEHOLDERS.items() if self.section(which) == text]

    def with_names(self, names: Mapping[str, str]) -> Postmortem:
        return replace(self, names={**self.names, **names})


def section_problems(texts: Mapping[Section, str]) -> dict[Section, str]:
    """What is wrong with edited section texts, by section (empty when they can be saved)."""
    problems: dict[Section, str] = {}
    for which, text in texts.items():
        if which in REQUIRED_SECTIONS and not text.strip():
            problems[which] = f"{which.heading} cannot be empty."
        elif len(text) > MAX_SECTION_CHARS:
            problems[which] = f"{which.heading} is limited to {MAX_SECTION_CHARS} characters."
    return problems


def draft_from(incident: Incident, entries: Sequence[TimelineEntry], at: datetime) -> Postmortem:
    """Build the draft from the incident and its recorded timeline, detection first."""
    ordered = sorted((entry for entry in entries if entry.kind in _TIMELINE_KINDS), key=lambda entry: entry.at)
    lines: list[DraftEntry] = []
    first_alarm = next((entry for entry in ordered if entry.kind is EntryKind.ALARM), None)
    detected = incident.detected_at or (first_alarm.at if first_alarm else None)
    if detected is not None:
        what = f"Detected: alarm {incident.alarm.name} went off" if incident.alarm else "Detected: first alarm"
        lines.append(DraftEntry(detected, EntryKind.DETECTED, what))
    home = incident.announcement.channel if incident.announcement else None
    lines += [DraftEntry.of(entry, withheld=entry.quoted_elsewhere(home)) for entry in ordered]
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
        impact=incident.user_impact or _PLACEHOLDERS[Section.IMPACT],
        timeline=tuple(lines),
        started_at=started,
        resolved_at=resolved,
        time_to_repair=(recovery - started) if recovery else None,
        time_to_resolve=(resolved - started) if resolved else None,
        contributing_factors=_PLACEHOLDERS[Section.CONTRIBUTING_FACTORS],
        went_well=_PLACEHOLDERS[Section.WENT_WELL],
        to_improve=_PLACEHOLDERS[Section.TO_IMPROVE],
    )


_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_CHANNEL = re.compile(r"<#(C[A-Z0-9]+|G[A-Z0-9]+)(?:\|([^>]*))?>")
_SPECIAL = re.compile(r"<!([a-z]+)(?:\^[^|>]*)?(?:\|([^>]*))?>")
# A field that holds only a user id (a lead, an owner), however short: U0BOB as much as U024BE7LH.
_USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")
_LINK = re.compile(r"<(https?://[^|>]+)(?:\|([^>]*))?>")
# Slack ids in practice always carry a digit; requiring one spares shouted words like "UNAVAILABLE".
_BARE_ID = re.compile(r"\b[UWCG](?=[A-Z]*[0-9])[A-Z0-9]{6,}\b")


def people_in(texts: Iterable[str]) -> set[str]:
    """Every user id mentioned (or given bare, like a lead or an owner) in the texts."""
    found: set[str] = set()
    for text in texts:
        if _USER_ID.fullmatch(text.strip()):
            found.add(text.strip())
        found.update(_MENTION.findall(text))
        found.update(match for match in _BARE_ID.findall(text) if match[0] in "UW")
    return found


def scrub(text: str, names: Mapping[str, str]) -> str:
    """Replace Slack ids with display names (or a neutral phrase) and unwrap Slack's link markup.

    Channels are never named: a mention's label may be a private channel's name.
    """
    text = _MENTION.sub(lambda match: names.get(match.group(1), NEUTRAL_PERSON), text)
    text = _CHANNEL.sub(NEUTRAL_CHANNEL, text)
    text = _SPECIAL.sub(_special, text)
    text = _LINK.sub(lambda match: match.group(2) or match.group(1), text)

    def bare(match: re.Match[str]) -> str:
        value = match.group(0)
        if value[0] in "UW":
            return names.get(value, NEUTRAL_PERSON)
        return NEUTRAL_CHANNEL

    return _BARE_ID.sub(bare, text)


def _special(match: re.Match[str]) -> str:
    """`<!here>` reads "@here"; a user group reads neutrally; a date reads as its fallback text."""
    kind, label = match.group(1), match.group(2) or ""
    if kind in {"here", "channel", "everyone"}:
        return f"@{kind}"
    return "a Slack group" if kind == "subteam" else scrub(label, {})


def person(user: str | None, names: Mapping[str, str]) -> str:
    """A lead or owner for the public page: their name, the neutral phrase for an unknown id, or the text given."""
    if not user:
        return "not recorded"
    if _USER_ID.fullmatch(user.strip()):
        return names.get(user.strip(), NEUTRAL_PERSON)
    return scrub(user, names)
