"""EventBridge Scheduler expressions, cron(...) rate(...) and at(...), evaluated in a time zone.

cronsim (healthchecks.io's maintained cron evaluator) does the calendar work; this module maps AWS's cron
dialect onto it (docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#cron-based and the
EventBridge cron reference, eb-cron-expressions.html) and applies Scheduler's rules where cron's differ:
- AWS writes `minutes hours day-of-month month day-of-week year`; cronsim is given `0 minutes hours ...`, its
  six-field form with seconds, which walks real time in the zone (its five-field form copies Debian cron's
  daylight-saving quirks, which Scheduler does not have).
- `?` is cron's `*`; exactly one of day-of-month and day-of-week must be `?`, as AWS requires.
- Day-of-week numbers 1-7 are SUN-SAT (cron counts 0-6): plain values, ranges, `n#k` (the k-th such day of the
  month) and `nL` (the last one) are renumbered; `L` alone is Saturday, the last day of the week.
- The year field (1970-2199) has no cron counterpart: its values are read here and runs filtered by year.
- Daylight saving (same page, "Daylight saving time"): a local time skipped when the clocks go forward does not
  run; a time repeated when they go back runs once, the first time.
Forms cronsim cannot evaluate (`nW`, the weekday nearest a date) are refused when the expression is read, with
the reason, as is anything AWS itself refuses (`/` in day-of-week, both day fields set, a seventh field).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cronsim import CronSim, CronSimError

_DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")  # AWS numbers them 1-7
_YEARS = range(1970, 2200)
_RATE = re.compile(r"^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


@dataclass(frozen=True)
class AwsCron:
    """An AWS cron expression as cronsim evaluates it, plus the years it may run in (None: any)."""

    cronsim_fields: str
    years: frozenset[int] | None

    def first_year(self, year: int) -> int | None:
        """Return the first year from `year` on that the schedule may run in (None if there is none)."""
        if self.years is None:
            return year
        return min((allowed for allowed in self.years if allowed >= year), default=None)


def _aws_day(value: str) -> str:
    """Return one AWS day of the week (1-7 or SUN-SAT) as cron's number (SUN=0)."""
    name = value.upper()
    number = _DAYS.index(name) + 1 if name in _DAYS else int(value) if value.isdigit() else 0
    if not 1 <= number <= 7:
        raise ValueError(f"day-of-week {value!r} is not 1-7 or SUN-SAT")
    return str(number - 1)


def _day_of_week(text: str) -> str:
    if text in ("?", "*"):
        return "*"
    if "/" in text:
        raise ValueError("day-of-week takes no '/' in AWS cron (its wildcards are , - * ? L #)")
    terms = []
    for term in text.upper().split(","):
        if term == "L":
            terms.append("6")
        elif term.endswith("L"):
            terms.append(f"{_aws_day(term[:-1])}L")
        elif "#" in term:
            day, _, nth = term.partition("#")
            terms.append(f"{_aws_day(day)}#{nth}")
        else:
            first, dash, last = term.partition("-")
            terms.append(_aws_day(first) + (f"-{_aws_day(last)}" if dash else ""))
    return ",".join(terms)


def _day_of_month(text: str) -> str:
    if text == "?":
        return "*"
    if re.search(r"\dW", text.upper()):
        raise ValueError(f"day-of-month {text!r}: W (the nearest weekday) is not supported by the local scheduler")
    return text


def _years(text: str) -> frozenset[int] | None:
    """Read the year field (`*`, `a`, `a-b`, `a/n`, `a-b/n`, `*/n` and lists): cronsim has no year field."""
    if text == "*":
        return None
    years: set[int] = set()
    for term in text.split(","):
        span, _, step = term.partition("/")
        first, dash, last = span.partition("-")
        try:
            start = _YEARS.start if first == "*" else int(first)
            end = int(last) if dash else _YEARS.stop - 1 if step or first == "*" else start
            stride = int(step or 1)
        except ValueError:
            raise ValueError(f"year {term!r} is not a year, range or step") from None
        if start not in _YEARS or end not in _YEARS or start > end or stride < 1:
            raise ValueError(f"year {term!r} is outside {_YEARS.start}-{_YEARS.stop - 1}")
        years.update(range(start, end + 1, stride))
    return frozenset(years)


def parse_cron(body: str) -> AwsCron:
    """Read the inside of cron(...): minutes hours day-of-month month day-of-week year."""
    fields = body.split()
    if len(fields) != 6:
        raise ValueError(f"cron({body}) needs 6 fields (minutes hours day-of-month month day-of-week year)")
    minutes, hours, day_of_month, month, day_of_week, year = fields
    if (day_of_month == "?") == (day_of_week == "?"):
        raise ValueError(f"cron({body}): exactly one of day-of-month and day-of-week must be '?'")
    try:
        cron = AwsCron(
            f"0 {minutes} {hours} {_day_of_month(day_of_month)} {month} {_day_of_week(day_of_week)}", _years(year)
        )
        CronSim(cron.cronsim_fields, datetime(2000, 1, 1, tzinfo=UTC))  # raises on a field it cannot read
    except (ValueError, CronSimError) as error:
        raise ValueError(f"cron({body}): {error}") from None
    return cron


def _zone(tz: str | tzinfo) -> tzinfo:
    try:
        return ZoneInfo(tz) if isinstance(tz, str) else tz
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {tz!r}") from None


def check_expression(expression: str, tz: str) -> None:
    """Refuse, with the reason, a schedule expression or time zone the local scheduler cannot run."""
    _zone(tz)
    next_fire_times(expression, tz, datetime.now(UTC), 0)


def _cron_times(cron: AwsCron, zone: tzinfo, after: datetime, count: int) -> list[datetime]:
    found: list[datetime] = []
    start = after.astimezone(zone)
    while len(found) < count and (year := cron.first_year(start.year)) is not None:
        if year > start.year:
            start = datetime(year, 1, 1, tzinfo=zone) - timedelta(seconds=1)
        for fire in CronSim(cron.cronsim_fields, start):  # strictly after `start`; stops after 50 empty years
            if cron.years is not None and fire.year not in cron.years:
                start = fire
                break
            if fire.fold:  # the repeated hour when the clocks go back: Scheduler has already run this time
                continue
            found.append(fire.astimezone(UTC))
            if len(found) == count:
                break
        else:
            break
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
