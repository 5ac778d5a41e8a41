"""England and Wales bank holidays, by the rules of the Banking and Financial Dealings Act 1971 and royal proclamations.

The `holidays` package knows every country's calendar and weighs 13 MB; opsdesk needs this one calendar and a
function must stay under 25 MB with its layers, so the rules live here (tests check them against `holidays` for
1978-2100). Regular holidays follow from the rules below for any year; a one-off day (a jubilee, a state
funeral) is proclaimed months ahead and is added to `_PROCLAIMED` (or set through `SupportHours`' extra closed days).
Sources: https://www.gov.uk/bank-holidays and https://en.wikipedia.org/wiki/Public_holidays_in_the_United_Kingdom.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

CALENDARS = ("GB-ENG", "GB-WLS")  # the two share one calendar; Scotland and Northern Ireland differ
FIRST_YEAR = 1978  # the Early May bank holiday began in 1978: earlier years follow other rules

_MON, _SAT, _SUN = 0, 5, 6
# Days moved or added by proclamation.
_MOVED_EARLY_MAY = {1995: date(1995, 5, 8), 2020: date(2020, 5, 8)}  # VE Day anniversaries (Mondays 1, 4 May)
_MOVED_SPRING = {2002: date(2002, 6, 4), 2012: date(2012, 6, 4), 2022: date(2022, 6, 2)}  # jubilee weekends
_PROCLAIMED = frozenset(
    {
        date(1981, 7, 29),  # royal wedding
        date(1999, 12, 31),  # millennium
        date(2002, 6, 3),  # Golden Jubilee
        date(2011, 4, 29),  # royal wedding
        date(2012, 6, 5),  # Diamond Jubilee
        date(2022, 6, 3),  # Platinum Jubilee
        date(2022, 9, 19),  # state funeral of Queen Elizabeth II
        date(2023, 5, 8),  # coronation of King Charles III
    }
)


def easter_sunday(year: int) -> date:
    """Western Easter (the anonymous Gregorian algorithm, Meeus/Jones/Butcher)."""
    golden = year % 19
    century, year_of_century = divmod(year, 100)
    leap_centuries, leftover_centuries = divmod(century, 4)
    correction = (century + 8) // 25
    moon = (19 * golden + century - leap_centuries - (century - correction + 1) // 3 + 15) % 30
    leap_years, leftover_years = divmod(year_of_century, 4)
    weekday = (32 + 2 * leftover_centuries + 2 * leap_years - moon - leftover_years) % 7
    shift = (golden + 11 * moon + 22 * weekday) // 451
    month, day = divmod(moon + weekday - 7 * shift + 114, 31)
    return date(year, month, day + 1)


def _first_monday(year: int, month: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(_MON - first.weekday()) % 7)


def _last_monday(year: int, month: int) -> date:
    last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - _MON) % 7)


def _christmas(year: int) -> set[date]:
    """Christmas and Boxing Day; one falling at a weekend is substituted by the next free weekday."""
    days: set[date] = set()
    for holiday in (date(year, 12, 25), date(year, 12, 26)):
        day = holiday
        while day.weekday() in (_SAT, _SUN) or day in days:
            day += timedelta(days=1)
        days.add(day)
    return days


@lru_cache(maxsize=64)
def bank_holidays(year: int) -> frozenset[date]:
    """Every England and Wales bank holiday of a year (1978 onwards), substitute days included."""
    if year < FIRST_YEAR:
        raise ValueError(f"bank holidays are known from {FIRST_YEAR}, not {year}")
    new_year = date(year, 1, 1)
    while new_year.weekday() in (_SAT, _SUN):
        new_year += timedelta(days=1)
    easter = easter_sunday(year)
    days = {
        new_year,
        easter - timedelta(days=2),  # Good Friday
        easter + timedelta(days=1),  # Easter Monday
        _MOVED_EARLY_MAY.get(year, _first_monday(year, 5)),
        _MOVED_SPRING.get(year, _last_monday(year, 5)),
        _last_monday(year, 8),  # Summer bank holiday
        *_christmas(year),
    }
    return frozenset(days | {day for day in _PROCLAIMED if day.year == year})


def is_bank_holiday(day: date) -> bool:
    return day in bank_holidays(day.year)
