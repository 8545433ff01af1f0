"""Dutch public holidays (algemeen erkende feestdagen), computed from the Easter date.

Pure functions, no I/O. Included are the days on which customer service is closed:
Nieuwjaarsdag, Eerste en Tweede Paasdag, Koningsdag (27 April, or 26 April when the 27th is a
Sunday), Bevrijdingsdag (5 May, every year), Hemelvaartsdag, Eerste en Tweede Pinksterdag and
Eerste en Tweede Kerstdag. Goede Vrijdag is left out: it is not a general day off.
"""
from __future__ import annotations

from datetime import date, timedelta


def easter_sunday(year: int) -> date:
    """Easter Sunday in the Gregorian calendar (anonymous Gregorian algorithm, Meeus/Jones/Butcher)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    leap = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * leap) // 451
    month, day = divmod(h + leap - 7 * m + 114, 31)
    return date(year, month, day + 1)


def kings_day(year: int) -> date:
    """Koningsdag: 27 April, moved to Saturday 26 April when the 27th falls on a Sunday."""
    day = date(year, 4, 27)
    return day - timedelta(days=1) if day.weekday() == 6 else day


def dutch_public_holidays(year: int) -> dict[date, str]:
    """Every public holiday of `year`, date -> Dutch name, in calendar order. When two fall on
    the same day (Hemelvaartsdag on 5 May, as in 2005 and 2016) the names are joined with 'en'."""
    easter = easter_sunday(year)
    named = [
        (date(year, 1, 1), "Nieuwjaarsdag"),
        (easter, "Eerste Paasdag"),
        (easter + timedelta(days=1), "Tweede Paasdag"),
        (kings_day(year), "Koningsdag"),
        (date(year, 5, 5), "Bevrijdingsdag"),
        (easter + timedelta(days=39), "Hemelvaartsdag"),
        (easter + timedelta(days=49), "Eerste Pinksterdag"),
        (easter + timedelta(days=50), "Tweede Pinksterdag"),
        (date(year, 12, 25), "Eerste Kerstdag"),
        (date(year, 12, 26), "Tweede Kerstdag"),
    ]
    holidays: dict[date, str] = {}
    for day, name in named:
        holidays[day] = f"{holidays[day]} en {name}" if day in holidays else name
    return dict(sorted(holidays.items()))


def holiday_name(day: date) -> str | None:
    """The Dutch name of the public holiday on `day`, or None on an ordinary day."""
    return dutch_public_holidays(day.year).get(day)


def is_public_holiday(day: date) -> bool:
    return holiday_name(day) is not None
