"""Dutch public holidays from naadloos.core.holidays (pure functions)."""
from __future__ import annotations

from datetime import date

import pytest

from naadloos.core.holidays import dutch_public_holidays, easter_sunday, holiday_name, is_public_holiday, kings_day


@pytest.mark.parametrize(
    "year, easter",
    [(2019, date(2019, 4, 21)), (2024, date(2024, 3, 31)), (2025, date(2025, 4, 20)), (2026, date(2026, 4, 5)),
     (2027, date(2027, 3, 28)), (2038, date(2038, 4, 25)), (2285, date(2285, 3, 22))],
)
def test_easter_sunday(year, easter):
    assert easter_sunday(year) == easter


@pytest.mark.parametrize(
    "year, day",
    [(2025, date(2025, 4, 26)), (2026, date(2026, 4, 27)), (2014, date(2014, 4, 26)), (2031, date(2031, 4, 26))],
)
def test_kings_day_moves_to_saturday_when_the_27th_is_a_sunday(year, day):
    assert kings_day(year) == day


def test_all_holidays_of_2026():
    assert dutch_public_holidays(2026) == {
        date(2026, 1, 1): "Nieuwjaarsdag",
        date(2026, 4, 5): "Eerste Paasdag",
        date(2026, 4, 6): "Tweede Paasdag",
        date(2026, 4, 27): "Koningsdag",
        date(2026, 5, 5): "Bevrijdingsdag",
        date(2026, 5, 14): "Hemelvaartsdag",
        date(2026, 5, 24): "Eerste Pinksterdag",
        date(2026, 5, 25): "Tweede Pinksterdag",
        date(2026, 12, 25): "Eerste Kerstdag",
        date(2026, 12, 26): "Tweede Kerstdag",
    }


@pytest.mark.parametrize(
    "day, name",
    [
        (date(2025, 5, 5), "Bevrijdingsdag"),  # every year, not only every fifth
        (date(2027, 5, 5), "Bevrijdingsdag"),
        (date(2025, 5, 29), "Hemelvaartsdag"),
        (date(2025, 6, 9), "Tweede Pinksterdag"),
        (date(2026, 4, 3), None),  # Goede Vrijdag: not a general day off
        (date(2026, 4, 26), None),  # the Sunday before Koningsdag 2026
        (date(2025, 4, 27), None),  # Sunday 27 April 2025: Koningsdag moved to the 26th
        (date(2026, 12, 31), None),
    ],
)
def test_holiday_name(day, name):
    assert holiday_name(day) == name
    assert is_public_holiday(day) is (name is not None)


def test_ten_holidays_every_year_unless_two_share_a_day():
    for year in range(2000, 2101):
        holidays = dutch_public_holidays(year)
        names = [part for name in holidays.values() for part in name.split(" en ")]
        assert len(names) == 10, year
        assert list(holidays) == sorted(holidays)


@pytest.mark.parametrize("year", [2005, 2016])
def test_liberation_day_and_ascension_on_the_same_day(year):
    assert holiday_name(date(year, 5, 5)) == "Bevrijdingsdag en Hemelvaartsdag"
