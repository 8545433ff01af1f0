"""Pure helpers that find and normalise Dutch customer data in free text.

Used twice: by the NLU entity extractor (to tag entities in every message) and by the form
validation actions (to read a slot value from what the customer typed). Nothing here does I/O.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

POSTCODE = "postcode"
HOUSE_NUMBER = "house_number"
CUSTOMER_NUMBER = "customer_number"
EMAIL = "email"
PHONE_NUMBER = "phone_number"
DATE = "date"
METER_READING = "meter_reading"

MAX_INPUT_CHARS = 500  # longer messages are cut before parsing: no regex runs on huge input


@dataclass(frozen=True)
class Found:
    """An entity found in a text: character span and normalised value."""

    entity: str
    start: int
    end: int
    value: str


def _clip(text: str) -> str:
    return (text or "")[:MAX_INPUT_CHARS]


# --- postcode -------------------------------------------------------------------------------
# Dutch postcode: 4 digits (no leading 0), optional space, 2 letters; SA, SD and SS are not issued.
_POSTCODE_RE = re.compile(r"(?<![\w])([1-9]\d{3})\s?(?!sa|sd|ss)([a-z]{2})(?![\w])", re.IGNORECASE)


def find_postcodes(text: str) -> list[Found]:
    return [
        Found(POSTCODE, m.start(), m.end(), f"{m.group(1)} {m.group(2).upper()}")
        for m in _POSTCODE_RE.finditer(_clip(text))
    ]


def parse_postcode(text: str) -> str | None:
    """'3511ab' -> '3511 AB'; None when the text holds no valid Dutch postcode."""
    found = [f for f in find_entities(text) if f.entity == POSTCODE]
    return found[0].value if found else None


# --- house number ---------------------------------------------------------------------------
# A number with an optional addition: 12, 12a, 12 A, 12-2, 12-bis, 103 hoog / 3 huis.
_HOUSE_NUMBER_CORE = r"([1-9]\d{0,4})(?:\s?-\s?([a-z0-9]{1,4})|\s?([a-z])(?![a-z])|\s(hoog|huis|bis|zw|rd|bg))?"
_HOUSE_NUMBER_BARE_RE = re.compile(rf"^\s*(?:nr\.?|nummer|huisnummer)?\s*{_HOUSE_NUMBER_CORE}\s*[.!]?\s*$", re.IGNORECASE)
_HOUSE_NUMBER_KEYWORD_RE = re.compile(
    rf"(?<![a-z])(?:huisnummer|huisnr\.?|nummer|nr\.?)\s*(?:is\s*)?{_HOUSE_NUMBER_CORE}(?![\w])", re.IGNORECASE
)
_HOUSE_NUMBER_AFTER_POSTCODE_RE = re.compile(
    rf"(?<![\w])[1-9]\d{{3}}\s?(?!sa|sd|ss)[a-z]{{2}}[\s,]+(?:nr\.?\s*)?{_HOUSE_NUMBER_CORE}(?![\w])", re.IGNORECASE
)


def _house_number_value(match: re.Match) -> str:
    number, dash_addition, letter, word = match.group(1), match.group(2), match.group(3), match.group(4)
    if dash_addition:
        return f"{number}-{dash_addition.upper()}"
    if letter:
        return f"{number}{letter.upper()}"
    if word:
        return f"{number} {word.lower()}"
    return number


def find_house_numbers(text: str) -> list[Found]:
    """House numbers marked by a keyword: 'huisnummer 12', 'nr. 3a'."""
    return [
        Found(HOUSE_NUMBER, m.start(1), m.end(), _house_number_value(m))
        for m in _HOUSE_NUMBER_KEYWORD_RE.finditer(_clip(text))
    ]


def find_house_numbers_after_postcode(text: str) -> list[Found]:
    """The number right after a postcode: '2514 GL 4' -> '4'."""
    return [
        Found(HOUSE_NUMBER, m.start(1), m.end(), _house_number_value(m))
        for m in _HOUSE_NUMBER_AFTER_POSTCODE_RE.finditer(_clip(text))
    ]


def parse_house_number(text: str) -> str | None:
    """Reads a house number from an answer: '12', 'nummer 14b', 'huisnummer 7-2', '1234 AB 12'."""
    bare = _HOUSE_NUMBER_BARE_RE.match(_clip(text))
    if bare:
        return _house_number_value(bare)
    found = [f for f in find_entities(text) if f.entity == HOUSE_NUMBER]
    return found[0].value if found else None


# --- customer number ------------------------------------------------------------------------
CUSTOMER_NUMBER_DIGITS = 8
# 8 digits, also typed in two groups of four ("1234 5678"), not part of a longer number.
_CUSTOMER_NUMBER_RE = re.compile(r"(?<![\d+\-/.,])(\d{4}[ .]?\d{4})(?!\d)(?![\-/.,]\d)")


def find_customer_numbers(text: str) -> list[Found]:
    return [
        Found(CUSTOMER_NUMBER, m.start(), m.end(), re.sub(r"\D", "", m.group(1)))
        for m in _CUSTOMER_NUMBER_RE.finditer(_clip(text))
    ]


def parse_customer_number(text: str) -> str | None:
    """An 8-digit customer number, also when typed with spaces ('1234 5678')."""
    found = [f for f in find_entities(text) if f.entity == CUSTOMER_NUMBER]
    if found:
        return found[0].value
    digits = re.sub(r"[\s.]", "", _clip(text))
    return digits if re.fullmatch(r"\d{8}", digits) else None


# --- e-mail ---------------------------------------------------------------------------------
_EMAIL_RE = re.compile(r"(?<![\w.+-])([\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,})(?![\w-])", re.IGNORECASE)


def find_emails(text: str) -> list[Found]:
    return [Found(EMAIL, m.start(), m.end(), m.group(1).lower()) for m in _EMAIL_RE.finditer(_clip(text))]


# --- phone number ---------------------------------------------------------------------------
# 06-12345678, 06 1234 5678, 010-1234567, 0800-1234567, +31 6 12345678, 0031612345678.
# 7 to 10 digits after the leading 0: short 0800/0900 service numbers ("0800-9009") included.
_PHONE_RE = re.compile(r"(?<![\w+])(?:\+31|0031|0)[\s\-]?(?:\(0\))?[\s\-]?\d(?:[\s\-]?\d){6,9}(?![\w])")


def normalise_phone(raw: str) -> str | None:
    """Returns a Dutch number in national format '0612345678', or None when it is not one."""
    digits = re.sub(r"\D", "", raw)
    if digits.startswith("0031"):
        digits = "0" + digits[4:]
    elif raw.strip().startswith("+31"):
        digits = "0" + digits[2:]
    if digits.startswith("00"):
        digits = digits[1:]
    if digits.startswith("0800") or digits.startswith("0900"):
        return digits if 8 <= len(digits) <= 11 else None
    return digits if len(digits) == 10 and digits[1] != "0" else None


def find_phone_numbers(text: str) -> list[Found]:
    found = []
    for m in _PHONE_RE.finditer(_clip(text)):
        value = normalise_phone(m.group(0))
        if value:
            found.append(Found(PHONE_NUMBER, m.start(), m.end(), value))
    return found


def parse_phone_number(text: str) -> str | None:
    found = find_phone_numbers(text)
    return found[0].value if found else None


# --- dates ----------------------------------------------------------------------------------
MONTHS = {
    "januari": 1, "jan": 1, "februari": 2, "feb": 2, "maart": 3, "mrt": 3, "april": 4, "apr": 4,
    "mei": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7, "augustus": 8, "aug": 8,
    "september": 9, "sep": 9, "sept": 9, "oktober": 10, "okt": 10, "october": 10,
    "november": 11, "nov": 11, "december": 12, "dec": 12,
}
WEEKDAYS = {"maandag": 0, "dinsdag": 1, "woensdag": 2, "donderdag": 3, "vrijdag": 4, "zaterdag": 5, "zondag": 6}
RELATIVE_DAYS = {"eergisteren": -2, "gisteren": -1, "vandaag": 0, "morgen": 1, "overmorgen": 2}

_MONTH_NAMES = "|".join(sorted(MONTHS, key=len, reverse=True))
_DAY_MONTH_NAME_RE = re.compile(rf"(?<!\d)([0-3]?\d)(?:e|ste|de)?\s+({_MONTH_NAMES})\.?(?:\s+(\d{{4}}))?(?![a-z])", re.IGNORECASE)
_NUMERIC_DATE_RE = re.compile(r"(?<![\d\-/.])([0-3]?\d)[\-/.]([01]?\d)(?:[\-/.](\d{4}|\d{2}))?(?![\d\-/.]*\d)")
_ISO_DATE_RE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
_RELATIVE_RE = re.compile(r"(?<![a-z])(" + "|".join(sorted(RELATIVE_DAYS, key=len, reverse=True)) + r")(?![a-z])", re.IGNORECASE)
_WEEKDAY_RE = re.compile(r"(?<![a-z])(volgende\s+week\s+)?(" + "|".join(WEEKDAYS) + r")(?![a-z])", re.IGNORECASE)
_DAY_OF_MONTH_RE = re.compile(r"(?<![\d\w])de\s+([0-3]?\d)(?:e|ste|de)(?![\w])", re.IGNORECASE)


def find_dates(text: str) -> list[Found]:
    """Date expressions, with the text as typed as value (resolve it with `parse_date`)."""
    text = _clip(text)
    found: list[Found] = []
    for pattern in (_ISO_DATE_RE, _DAY_MONTH_NAME_RE, _NUMERIC_DATE_RE, _RELATIVE_RE, _WEEKDAY_RE, _DAY_OF_MONTH_RE):
        for m in pattern.finditer(text):
            if not any(f.start <= m.start() < f.end for f in found):
                found.append(Found(DATE, m.start(), m.end(), m.group(0)))
    return sorted(found, key=lambda f: f.start)


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _with_inferred_year(month: int, day: int, today: date, prefer_future: bool) -> date | None:
    """A day and month without year: this year's, or next/last year's if that is nearer the preference."""
    candidate = _safe_date(today.year, month, day)
    if candidate is None:
        return None
    if prefer_future and candidate < today - timedelta(days=31):
        return _safe_date(today.year + 1, month, day)
    if not prefer_future and candidate > today + timedelta(days=31):
        return _safe_date(today.year - 1, month, day)
    return candidate


def _day_of_nearby_month(day: int, today: date, prefer_future: bool) -> date | None:
    """'de 15e': this month's 15th, or the next (or previous) month's when that one is meant."""
    candidate = _safe_date(today.year, today.month, day)
    if candidate is not None and (candidate >= today if prefer_future else candidate <= today):
        return candidate
    step = 1 if prefer_future else -1
    month_index = today.year * 12 + today.month - 1 + step
    return _safe_date(month_index // 12, month_index % 12 + 1, day)


def _resolve(m: re.Match, pattern: re.Pattern, today: date, prefer_future: bool) -> date | None:
    if pattern is _ISO_DATE_RE:
        return _safe_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    if pattern is _RELATIVE_RE:
        return today + timedelta(days=RELATIVE_DAYS[m.group(1).lower()])
    if pattern is _WEEKDAY_RE:
        weekday = WEEKDAYS[m.group(2).lower()]
        if m.group(1):  # "volgende week maandag": that day in the next calendar week
            return today + timedelta(days=7 - today.weekday() + weekday)
        days_ahead = (weekday - today.weekday()) % 7 or 7
        if not prefer_future:
            days_ahead -= 7
        return today + timedelta(days=days_ahead)
    if pattern is _DAY_OF_MONTH_RE:
        return _day_of_nearby_month(int(m.group(1)), today, prefer_future)
    day = int(m.group(1))
    month = MONTHS[m.group(2).lower()] if pattern is _DAY_MONTH_NAME_RE else int(m.group(2))
    year_text = m.group(3)
    if year_text:
        year = int(year_text) + (2000 if len(year_text) == 2 else 0)
        return _safe_date(year, month, day)
    return _with_inferred_year(month, day, today, prefer_future)


def parse_date(text: str, today: date, prefer_future: bool = True) -> date | None:
    """Reads the first date in `text`: 'morgen', '1 december', '01-12', '1-12-2026', 'vrijdag'.

    Without a year, the nearest matching date in the preferred direction is chosen (a moving date
    lies ahead, a meter reading date lies behind).
    """
    text = _clip(text)
    patterns = (_ISO_DATE_RE, _DAY_MONTH_NAME_RE, _NUMERIC_DATE_RE, _RELATIVE_RE, _WEEKDAY_RE, _DAY_OF_MONTH_RE)
    matches = [(m.start(), pattern, m) for pattern in patterns for m in pattern.finditer(text)]
    for _, pattern, m in sorted(matches, key=lambda item: item[0]):
        resolved = _resolve(m, pattern, today, prefer_future)
        if resolved is not None:
            return resolved
    return None


# --- meter readings -------------------------------------------------------------------------
MAX_METER_DIGITS = 6
_READING_NUMBER = r"(\d+(?:[.,]\d+)*)"
_METER_READING_CONTEXT_RE = re.compile(
    rf"(?:(?:meter)?stand(?:en)?|normaal|dal|laag|hoog|gas|stroom|t1|t2)\s*(?:is|:|=)?\s*{_READING_NUMBER}(?![\d\w])"
    rf"|{_READING_NUMBER}\s*(?:kwh|m3|m³|kuub)(?![\w])",
    re.IGNORECASE,
)
_BARE_READING_RE = re.compile(
    rf"^\s*(?:(?:meter)?stand\s*(?:is|:)?\s*)?{_READING_NUMBER}\s*(?:kwh|m3|m³|kuub)?\s*[.!]?\s*$", re.IGNORECASE
)
_NO_GAS_RE = re.compile(
    r"\b(geen\s+gas|geen\s+gasaansluiting|geen\s+gasmeter|niet\s+op\s+(het\s+)?gas"
    r"|all[\s-]?electric|volledig\s+elektrisch|gasloos)\b",
    re.IGNORECASE,
)


_THOUSANDS_RE = re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?")


def _reading_value(raw: str) -> Decimal | None:
    """'12345' -> 12345, '2345,5' -> 2345.5, '12.345' -> 12345 (a Dutch thousands separator)."""
    if _THOUSANDS_RE.fullmatch(raw):
        raw = raw.replace(".", "")
    if raw.count(",") + raw.count(".") > 1:
        return None
    try:
        value = Decimal(raw.replace(",", "."))
    except InvalidOperation:
        return None
    return value if value >= 0 else None


def find_meter_readings(text: str) -> list[Found]:
    found = []
    for m in _METER_READING_CONTEXT_RE.finditer(_clip(text)):
        raw = m.group(1) or m.group(2)
        value = _reading_value(raw)
        if value is not None:
            group = 1 if m.group(1) else 2
            found.append(Found(METER_READING, m.start(group), m.end(group), str(value)))
    return found


def parse_meter_reading(text: str) -> Decimal | None:
    """A meter reading from an answer: '12345', '04321 kWh', 'stand is 2345,5'. None if unclear."""
    bare = _BARE_READING_RE.match(_clip(text))
    if bare:
        return _reading_value(bare.group(1))
    found = find_meter_readings(text)
    return Decimal(found[0].value) if len(found) == 1 else None


def says_no_gas(text: str) -> bool:
    return bool(_NO_GAS_RE.search(_clip(text)))


# --- everything at once ---------------------------------------------------------------------
# Order matters: each finder only sees the text that earlier finders left unclaimed.
FINDERS: list[Callable[[str], list[Found]]] = [
    find_emails,
    find_phone_numbers,
    find_house_numbers,  # "huisnummer 7-2" is no date
    find_dates,  # in "1 december 2026 om 10 uur", "2026 om 10" is no address
    find_house_numbers_after_postcode,
    find_postcodes,
    find_customer_numbers,
    find_meter_readings,
]


def find_entities(text: str) -> list[Found]:
    """All entities in `text`, without overlaps.

    Finders run in FINDERS order; what one accepts is blanked out (same length, so offsets
    stay valid) before the next one looks.
    """
    remaining = _clip(text)
    accepted: list[Found] = []
    for finder in FINDERS:
        for candidate in finder(remaining):
            accepted.append(candidate)
            remaining = remaining[: candidate.start] + " " * (candidate.end - candidate.start) + remaining[candidate.end :]
    return sorted(accepted, key=lambda f: f.start)


MONTH_NAMES_NL = (
    "januari", "februari", "maart", "april", "mei", "juni",
    "juli", "augustus", "september", "oktober", "november", "december",
)


def format_date_nl(value: date) -> str:
    """date(2026, 12, 1) -> '1 december 2026'."""
    return f"{value.day} {MONTH_NAMES_NL[value.month - 1]} {value.year}"
