"""Support hours: 08:00-18:00 Monday to Friday in London, bank holidays off."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from typing import TypeAlias
from zoneinfo import ZoneInfo

from opsdesk.domain.bank_holidays import CALENDARS, is_bank_holiday

# Time is injected: what gives the flows and listeners "now" (the wall clock, or a test's).
Clock: TypeAlias = Callable[[], datetime]
_WEEKEND = {5, 6}


def parse_hours(text: str) -> tuple[time, time]:
    """Parse "08:00-18:00" into its opening and closing times."""
    try:
        start_text, end_text = text.split("-")
        start, end = time.fromisoformat(start_text.strip()), time.fromisoformat(end_text.strip())
    except ValueError as error:
        raise ValueError(f"support hours must look like 08:00-18:00, not {text!r}") from error
    if start >= end:
        raise ValueError(f"support hours must open before they close: {text!r}")
    return start, end


@dataclass(frozen=True)
class SupportHours:
    """When the support team works, and how to count time inside those hours."""

    timezone: str = "Europe/London"
    opens: time = time(8, 0)
    closes: time = time(18, 0)
    calendar: str = "GB-ENG"
    _extra_closed: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if self.calendar not in CALENDARS:
            raise ValueError(f"holiday calendar {self.calendar!r} is not supported; use one of {', '.join(CALENDARS)}")

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def zone_name(self) -> str:
        """The time zone as a requester reads it."""
        return "UK time" if self.timezone == "Europe/London" else self.timezone

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.zone)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() not in _WEEKEND and not is_bank_holiday(day) and day not in self._extra_closed

    def is_open(self, moment: datetime) -> bool:
        local = self.local(moment)
        return self.is_working_day(local.date()) and self.opens <= local.time() < self.closes

    def _window(self, day: date) -> tuple[datetime, datetime]:
        start = datetime.combine(day, self.opens, tzinfo=self.zone).astimezone(UTC)
        end = datetime.combine(day, self.closes, tzinfo=self.zone).astimezone(UTC)
        return start, end

    def next_opening(self, moment: datetime) -> datetime:
        """Return the start of the next support window at or after `moment` (UTC)."""
        if self.is_open(moment):
            return moment
        day = self.local(moment).date()
        for _ in range(30):
            if self.is_working_day(day):
                start, _end = self._window(day)
                if start >= moment:
                    return start
            day += timedelta(days=1)
        raise ValueError("no working day within 30 days; check the holiday calendar")

    def last_closing(self, moment: datetime) -> datetime:
        """Return when support last closed at or before `moment` (UTC): where an out-of-hours period starts."""
        day = self.local(moment).date()
        for _ in range(30):
            if self.is_working_day(day):
                _start, end = self._window(day)
                if end <= moment:
                    return end
            day -= timedelta(days=1)
        raise ValueError("no working day within 30 days; check the holiday calendar")

    def support_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Count only the time inside support hours between two instants."""
        if end <= start:
            return timedelta(0)
        total = timedelta(0)
        day = self.local(start).date()
        last = self.local(end).date()
        while day <= last:
            if self.is_working_day(day):
                window_start, window_end = self._window(day)
                overlap = min(end, window_end) - max(start, window_start)
                if overlap > timedelta(0):
                    total += overlap
            day += timedelta(days=1)
        return total

    def describe(self) -> str:
        """The support hours in words: "08:00-18:00 UK time, Monday to Friday (not bank holidays)"."""
        return f"{self.opens:%H:%M}-{self.closes:%H:%M} {self.zone_name}, Monday to Friday (not bank holidays)"

    def describe_next_opening(self, moment: datetime) -> str:
        """Say when support resumes, in words a requester understands."""
        opening = self.local(self.next_opening(moment))
        local_now = self.local(moment)
        if opening.date() == local_now.date():
            when = "today"
        elif opening.date() == local_now.date() + timedelta(days=1):
            when = "tomorrow"
        else:
            when = opening.strftime("%A %-d %B")
        return f"{when} at {opening.strftime('%H:%M')} ({self.zone_name})"
