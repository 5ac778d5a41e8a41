"""EventBridge Scheduler expressions: cron(...) with AWS's six fields, rate(...) and at(...), in a time zone."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

_MONTHS = {
    name: number
    for number, name in enumerate(
        ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"], 1
    )
}
# AWS numbers days of the week 1=SUN .. 7=SAT.
_DAYS = {name: number for number, name in enumerate(["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"], 1)}
_RATE = re.compile(r"^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}
_SEARCH_DAYS = 366 * 8  # far enough for any sensible schedule, near enough to stop on impossible ones


@dataclass(frozen=True)
class Cron:
    """A parsed AWS cron: the allowed values of each field (None for `?` or an unrestricted year)."""

    minutes: frozenset[int]
    hours: frozenset[int]
    days_of_month: frozenset[int] | None
    months: frozenset[int]
    days_of_week: frozenset[int] | None
    years: frozenset[int] | None

    def matches(self, day: date) -> bool:
        """Say whether the schedule runs on a (local) date."""
        aws_weekday = day.isoweekday() % 7 + 1
        return (
            day.month in self.months
            and (self.years is None or day.year in self.years)
            and (self.days_of_month is None or day.day in self.days_of_month)
            and (self.days_of_week is None or aws_weekday in self.days_of_week)
        )


def _number(text: str, names: dict[str, int]) -> int:
    if text.upper() in names:
        return names[text.upper()]
    if not text.isdigit():
        raise ValueError(f"unsupported cron value {text!r} (L, W and # are not supported locally)")
    return int(text)


def _field(text: str, low: int, high: int, names: dict[str, int] | None = None) -> frozenset[int]:
    """Parse one cron field: `*`, `a`, `a-b`, `a/n`, `*/n`, `a-b/n` and comma lists, names included."""
    names = names or {}
    values: set[int] = set()
    for part in text.split(","):
        base, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if base == "*":
            start, end = low, high
        elif "-" in base:
            first, last = base.split("-", 1)
            start, end = _number(first, names), _number(last, names)
        else:
            start = _number(base, names)
            end = high if step_text else start
        if not low <= start <= high or not low <= end <= high or start > end or step < 1:
            raise ValueError(f"cron field {text!r} is outside {low}-{high}")
        values.update(range(start, end + 1, step))
    return frozenset(values)


def parse_cron(body: str) -> Cron:
    """Parse the inside of cron(...): minutes hours day-of-month month day-of-week year."""
    fields = body.split()
    if len(fields) != 6:
        raise ValueError(f"cron needs 6 fields (min hour day-of-month month day-of-week year), got {body!r}")
    minute, hour, day_of_month, month, day_of_week, year = fields
    if (day_of_month == "?") == (day_of_week == "?"):
        raise ValueError(f"cron({body}): exactly one of day-of-month and day-of-week must be '?'")
    return Cron(
        minutes=_field(minute, 0, 59),
        hours=_field(hour, 0, 23),
        days_of_month=None if day_of_month == "?" else _field(day_of_month, 1, 31),
        months=_field(month, 1, 12, _MONTHS),
        days_of_week=None if day_of_week == "?" else _field(day_of_week, 1, 7, _DAYS),
        years=None if year == "*" else _field(year, 1970, 2199),
    )


def _zone(tz: str | tzinfo) -> tzinfo:
    return ZoneInfo(tz) if isinstance(tz, str) else tz


def _cron_times(cron: Cron, zone: tzinfo, after: datetime, count: int) -> list[datetime]:
    found: list[datetime] = []
    first_day = after.astimezone(zone).date()
    for offset in range(_SEARCH_DAYS):
        day = first_day + timedelta(days=offset)
        if not cron.matches(day):
            continue
        for hour in sorted(cron.hours):
            for minute in sorted(cron.minutes):
                local = datetime.combine(day, time(hour, minute), tzinfo=zone)
                # A time skipped when the clocks go forward does not exist: Scheduler skips that run.
                if local.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
                    continue
                fire = local.astimezone(UTC)  # fold=0: a repeated hour in autumn runs once, the first time
                if fire > after:
                    found.append(fire)
                    if len(found) == count:
                        return found
    return found


def next_fire_times(expression: str, tz: str | tzinfo, after: datetime, count: int = 1) -> list[datetime]:
    """Return the next `count` fire times (UTC, strictly after `after`) of a cron/rate/at expression in `tz`.

    Naive `after` values are taken as UTC. Rates are aligned to the clock (every 5 minutes: :00, :05, ...).
    """
    after = after if after.tzinfo else after.replace(tzinfo=UTC)
    expression = expression.strip()
    if expression.startswith("cron(") and expression.endswith(")"):
        return _cron_times(parse_cron(expression[5:-1]), _zone(tz), after, count)
    if rate := _RATE.match(expression):
        interval = int(rate.group(1)) * _UNIT_SECONDS[rate.group(2).rstrip("s")]
        if interval <= 0:
            raise ValueError(f"{expression}: the rate must be at least 1")
        first = (int(after.timestamp()) // interval + 1) * interval
        return [datetime.fromtimestamp(first + index * interval, UTC) for index in range(count)]
    if expression.startswith("at(") and expression.endswith(")"):
        when = datetime.fromisoformat(expression[3:-1]).replace(tzinfo=_zone(tz)).astimezone(UTC)
        return [when] if when > after and count > 0 else []
    raise ValueError(f"unsupported schedule expression {expression!r}")
