"""opsdesk's own England and Wales calendar agrees with the `holidays` package, which it replaces in the layer."""

from __future__ import annotations

from datetime import date

import holidays
import pytest
from dateutil.easter import easter

from opsdesk.domain.bank_holidays import FIRST_YEAR, bank_holidays, easter_sunday, is_bank_holiday
from opsdesk.domain.clock import SupportHours


def test_every_year_matches_the_holidays_package() -> None:
    # GIVEN the calendar the `holidays` package keeps for England (maintained against gov.uk)
    years = range(FIRST_YEAR, 2101)
    oracle = holidays.country_holidays("GB", subdiv="ENG", years=years)
    for year in years:
        # THEN opsdesk's rules give exactly the same days off, substitutes and one-offs included (`holidays` also
        # lists the weekend day a substitute replaces, which is no working day either way; gov.uk lists only the
        # substitute)
        expected = {day for day in oracle if day.year == year and day.weekday() < 5}
        assert set(bank_holidays(year)) == expected, year


def test_easter_matches_dateutil_for_four_centuries() -> None:
    assert all(easter_sunday(year) == easter(year) for year in range(1900, 2300))


@pytest.mark.parametrize(
    ("day", "why"),
    [
        (date(2026, 12, 28), "Boxing Day 2026 is a Saturday: substitute Monday"),
        (date(2027, 12, 27), "Christmas 2027 is a Saturday: substitute Monday"),
        (date(2027, 12, 28), "Boxing Day 2027 is a Sunday: substitute Tuesday"),
        (date(2028, 1, 3), "New Year's Day 2028 is a Saturday: substitute Monday"),
        (date(2020, 5, 8), "VE Day 75: the Early May bank holiday moved to a Friday"),
        (date(2022, 9, 19), "the state funeral"),
        (date(2023, 5, 8), "the coronation"),
        (date(2030, 4, 19), "Good Friday 2030"),
        (date(2031, 8, 25), "last Monday of August 2031"),
    ],
)
def test_known_days_are_bank_holidays(day: date, why: str) -> None:
    assert is_bank_holiday(day), why


def test_a_moved_day_is_no_longer_a_holiday() -> None:
    assert not is_bank_holiday(date(2020, 5, 4))  # the first Monday of May 2020 was worked
    assert not is_bank_holiday(date(2022, 5, 30))  # Spring bank holiday 2022 moved to 2 June


def test_an_unknown_calendar_is_refused_when_configured() -> None:
    with pytest.raises(ValueError, match="not supported"):
        SupportHours(calendar="GB-SCT")
