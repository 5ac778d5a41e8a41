"""The rota: two engineers on support each day, who covers which period, who is on call."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time

from opsdesk.domain.errors import InvalidRequest

PAIR_SIZE = 2
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_PERIOD = re.compile(r"^(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})$")


@dataclass(frozen=True)
class Pair:
    """Who is on support from a date until the next pair is set."""

    engineers: tuple[str, ...]
    starts: date
    set_by: str = ""


@dataclass(frozen=True)
class Cover:
    """Someone covering a period of a day (lunch, a meeting) for the pair."""

    user: str
    day: date
    starts: time
    ends: time

    @property
    def period(self) -> str:
        return f"{self.starts:%H:%M}-{self.ends:%H:%M}"

    def covers(self, at: time) -> bool:
        """Whether the window is on at `at` (a London time of its day)."""
        return self.starts <= at < self.ends


@dataclass(frozen=True)
class OnDuty:
    """Who answers the ops channel at a moment: the cover person in their window, else the pair."""

    engineers: tuple[str, ...]
    cover: Cover | None = None


@dataclass(frozen=True)
class RotaToday:
    """What `/rota` shows."""

    day: date
    pair: Pair | None
    covers: tuple[Cover, ...]
    on_call: str | None

    @property
    def engineers(self) -> tuple[str, ...]:
        return self.pair.engineers if self.pair else ()

    def on_duty(self, at: time) -> OnDuty:
        """The cover person while a cover window is on (the earliest, if two overlap), else the pair."""
        for cover in sorted(self.covers, key=lambda cover: cover.starts):
            if cover.covers(at):
                return OnDuty((cover.user,), cover)
        return OnDuty(self.engineers)

    @property
    def short_of_pair(self) -> bool:
        """The process wants two engineers on support at any time."""
        return len(self.engineers) < PAIR_SIZE


def mentions(text: str) -> list[str]:
    return _MENTION.findall(text)


def parse_set(text: str, today: date) -> Pair:
    """`@a @b [from YYYY-MM-DD]` -> a Pair starting today or on the date given."""
    users = list(dict.fromkeys(mentions(text)))
    rest = _MENTION.sub("", text).split()
    starts = today
    if rest:
        if len(rest) != 2 or rest[0].lower() != "from":
            raise InvalidRequest("Use `/rota set @a @b` or `/rota set @a @b from 2026-12-01`.")
        try:
            starts = date.fromisoformat(rest[1])
        except ValueError as error:
            raise InvalidRequest(f"`{rest[1]}` is not a date; write it as YYYY-MM-DD.") from error
    if not users:
        raise InvalidRequest("Mention the engineers on support, e.g. `/rota set @alice @bob`.")
    if len(users) > PAIR_SIZE:
        raise InvalidRequest(f"Support is a pair: mention {PAIR_SIZE} engineers, not {len(users)}.")
    return Pair(tuple(users), starts)


def parse_cover(text: str, day: date) -> Cover:
    """`@c 12:00-13:00` -> a Cover for today."""
    users = mentions(text)
    period = _MENTION.sub("", text).strip()
    match = _PERIOD.match(period)
    if len(users) != 1 or not match:
        raise InvalidRequest("Use `/rota cover @someone 12:00-13:00`.")
    try:
        starts, ends = time.fromisoformat(match.group(1).zfill(5)), time.fromisoformat(match.group(2).zfill(5))
    except ValueError as error:
        raise InvalidRequest(f"`{period}` is not a period of the day; write it as 12:00-13:00.") from error
    if starts >= ends:
        raise InvalidRequest("A cover period must start before it ends, e.g. 12:00-13:00.")
    return Cover(users[0], day, starts, ends)


def parse_on_call(text: str) -> str:
    users = mentions(text)
    if len(users) != 1:
        raise InvalidRequest("Use `/rota oncall @someone`.")
    return users[0]
