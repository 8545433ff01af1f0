"""Parametrised tables for the pure Dutch parsing helpers in naadloos.core.parsing."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from naadloos.core import parsing
from naadloos.core.parsing import (
    find_emails,
    find_entities,
    find_meter_readings,
    format_date_nl,
    parse_customer_number,
    parse_date,
    parse_house_number,
    parse_meter_reading,
    parse_phone_number,
    parse_postcode,
    says_no_gas,
)

TODAY = date(2026, 11, 18)  # a Wednesday


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1234 AB", "1234 AB"),
        ("1234ab", "1234 AB"),
        ("3511 ab", "3511 AB"),
        ("mijn nieuwe postcode is 2514GL.", "2514 GL"),
        ("1234 SA", None),
        ("1234 sd", None),
        ("1234SS", None),
        ("0123 AB", None),
        ("12345 AB", None),
        ("1234 ABC", None),
        ("1234", None),
    ],
)
def test_parse_postcode(text, expected):
    assert parse_postcode(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("12", "12"),
        ("12a", "12A"),
        ("14b", "14B"),
        ("14 B", "14B"),
        ("7-2", "7-2"),
        ("12-bis", "12-BIS"),
        ("huisnummer is 12", "12"),
        ("nummer 14b", "14B"),
        ("nee, het huisnummer is 12", "12"),
        ("2514 GL 4", "4"),
        ("2514 GL, nr 4a", "4A"),
        ("103 hoog", "103 hoog"),
        ("0", None),
        ("123456", None),
        ("12 34", None),
        ("abc", None),
    ],
)
def test_parse_house_number(text, expected):
    assert parse_house_number(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("12345678", "12345678"),
        ("1234 5678", "12345678"),
        ("12 34 56 78", "12345678"),
        ("mijn klantnummer is 12345678.", "12345678"),
        ("1234567", None),
        ("06-12345678", None),
        ("bel me op 0612345678", None),
        ("+31 6 12345678", None),
    ],
)
def test_parse_customer_number(text, expected):
    assert parse_customer_number(text) == expected


@pytest.mark.parametrize("text", ["123456789", "061234567", "klantnummer 123456789"])
def test_nine_digits_are_not_a_customer_number(text):
    """A mistyped (9-digit) number must be asked again, not silently cut to its first 8 digits."""
    assert parse_customer_number(text) is None


def test_customer_number_with_spaces_is_not_a_house_number():
    """'klantnummer' ends in 'nummer', the house number keyword: it must not tag a house number."""
    assert [f.entity for f in find_entities("mijn klantnummer is 1234 5678")] != ["house_number"]


def test_find_emails_normalises_case_and_span():
    text = "mail naar Jan.Jansen@Example.NL graag"
    [found] = find_emails(text)
    assert (found.value, text[found.start : found.end]) == ("jan.jansen@example.nl", "Jan.Jansen@Example.NL")


@pytest.mark.parametrize("text, expected", [("a@b", []), ("x@y.com.", ["x@y.com"])])
def test_find_emails_edges(text, expected):
    assert [f.value for f in find_emails(text)] == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("06-12345678", "0612345678"),
        ("06 1234 5678", "0612345678"),
        ("+31 6 12345678", "0612345678"),
        ("+31612345678", "0612345678"),
        ("0031612345678", "0612345678"),
        ("0031 6 12345678", "0612345678"),
        ("+31 (0)6 12345678", "0612345678"),
        ("010-1234567", "0101234567"),
        ("0800-1234567", "08001234567"),
        ("bel 0800-123 45 67", "08001234567"),
        ("06-1234567", None),
        ("061234", None),
        ("12345678", None),
    ],
)
def test_parse_phone_number(text, expected):
    assert parse_phone_number(text) == expected


@pytest.mark.parametrize("text, expected", [("0800-9009", "08009009"), ("0900-1234", "09001234")])
def test_short_service_numbers_are_phone_numbers(text, expected):
    """`normalise_phone` accepts 8-digit 0800/0900 numbers (like the outage line 0800-9009)."""
    assert parse_phone_number(text) == expected


def d(month: int, day: int, year: int = 2026) -> date:
    return date(year, month, day)


@pytest.mark.parametrize(
    "text, future, past",
    [
        ("vandaag", d(11, 18), d(11, 18)),
        ("morgen", d(11, 19), d(11, 19)),
        ("overmorgen", d(11, 20), d(11, 20)),
        ("gisteren", d(11, 17), d(11, 17)),
        ("eergisteren", d(11, 16), d(11, 16)),
        ("1 december", d(12, 1), d(12, 1)),
        ("01-12", d(12, 1), d(12, 1)),
        ("12-01-2027", d(1, 12, 2027), d(1, 12, 2027)),
        ("12/01/27", d(1, 12, 2027), d(1, 12, 2027)),
        ("2026-12-01", d(12, 1), d(12, 1)),
        ("vrijdag", d(11, 20), d(11, 13)),
        ("woensdag", d(11, 25), d(11, 18)),
        ("volgende week vrijdag", d(11, 27), d(11, 27)),
        ("de 15e", d(12, 15), d(11, 15)),
        ("de 20ste", d(11, 20), d(10, 20)),
        ("15 januari", d(1, 15, 2027), d(1, 15)),
        ("20 december", d(12, 20), d(12, 20, 2025)),
        ("1 oktober", d(10, 1, 2027), d(10, 1)),
        ("31-02", None, None),
        ("31-02-2027", None, None),
        ("weet ik niet", None, None),
    ],
)
def test_parse_date(text, future, past):
    assert parse_date(text, TODAY, prefer_future=True) == future
    assert parse_date(text, TODAY, prefer_future=False) == past


@pytest.mark.parametrize("days_after_monday", range(7))
def test_next_week_weekday_lies_in_the_next_calendar_week(days_after_monday):
    """'volgende week maandag/donderdag' is that day of the week after this one, whatever today is."""
    monday = date(2026, 11, 16)
    today = monday + timedelta(days=days_after_monday)
    assert parse_date("volgende week maandag", today) == date(2026, 11, 23)
    assert parse_date("volgende week donderdag", today) == date(2026, 11, 26)


@pytest.mark.parametrize("prefer_future, expected", [(True, d(12, 31)), (False, d(10, 31))])
def test_day_of_month_missing_this_month_uses_the_neighbouring_month(prefer_future, expected):
    """In November (30 days) 'de 31e' can only mean 31 December (ahead) or 31 October (behind)."""
    assert parse_date("de 31e", TODAY, prefer_future=prefer_future) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("12345", Decimal("12345")),
        ("04321 kWh", Decimal("4321")),
        ("stand is 2345,5", Decimal("2345.5")),
        ("gas 2345 m3", Decimal("2345")),
        ("mijn meterstand is 12345", Decimal("12345")),
        ("12345,67", Decimal("12345.67")),
        ("1234567", Decimal("1234567")),  # parsed; too long is the form's decision
        ("normaal 1234 dal 5678", None),
        ("12345 kWh en 2345 m3", None),
        ("12 345", None),
        ("abc", None),
    ],
)
def test_parse_meter_reading(text, expected):
    assert parse_meter_reading(text) == expected


def test_find_meter_readings_spans_the_number_only():
    [found] = find_meter_readings("gas 2345 m3")
    assert (found.start, found.end, found.value) == (4, 8, "2345")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("geen gas", True),
        ("Geen Gas!", True),
        ("Ik heb geen gasaansluiting", True),
        ("wij zijn all-electric", True),
        ("we zitten niet op het gas", True),
        ("gas 1234", False),
        ("ik heb wel gas", False),
    ],
)
def test_says_no_gas(text, expected):
    assert says_no_gas(text) is expected


def test_find_entities_tags_each_kind_once_without_overlap():
    text = (
        "Postcode 2514 GL 4, klantnummer 12345678, bel 06-12345678 of "
        "mail a.b@voorbeeld.nl, verhuizing op 1 december, stand 12345 kWh"
    )
    found = find_entities(text)
    assert [(f.entity, f.value) for f in found] == [
        ("postcode", "2514 GL"),
        ("house_number", "4"),
        ("customer_number", "12345678"),
        ("phone_number", "0612345678"),
        ("email", "a.b@voorbeeld.nl"),
        ("date", "1 december"),
        ("meter_reading", "12345"),
    ]
    assert all(a.end <= b.start for a, b in zip(found, found[1:], strict=False))


def test_find_entities_phone_number_is_not_a_customer_number():
    found = find_entities("bel 0612345678 of klantnummer 12345678")
    assert [(f.entity, f.value) for f in found] == [("phone_number", "0612345678"), ("customer_number", "12345678")]


def test_year_followed_by_a_short_word_is_not_a_postcode():
    """'2026 om' is a year and a word: the date must survive, no postcode '2026 OM' appears."""
    found = find_entities("Ik verhuis op 1 december 2026 om 10 uur")
    assert [f.entity for f in found] == ["date"]


@pytest.mark.parametrize("value, expected", [(d(12, 1), "1 december 2026"), (d(1, 5, 2027), "5 januari 2027")])
def test_format_date_nl(value, expected):
    assert format_date_nl(value) == expected


PARSERS = [
    parse_postcode,
    parse_house_number,
    parse_customer_number,
    parse_phone_number,
    parse_meter_reading,
    lambda text: parse_date(text, TODAY),
]
BAD_INPUT = ["", None, "   ", "x" * 10_000, "1-" * 5_000, "😀🎉🔥", "<script>alert(1)</script>"]


BAD_INPUT_IDS = ["empty", "none", "blank", "10k-letters", "10k-dashes", "emoji", "html"]


@pytest.mark.parametrize("text", BAD_INPUT, ids=BAD_INPUT_IDS)
def test_bad_input_is_no_entity(text):
    assert [parse(text) for parse in PARSERS] == [None] * len(PARSERS)
    assert find_entities(text) == []
    assert says_no_gas(text) is False


def test_a_huge_number_is_read_as_one_reading_of_the_clipped_text():
    """The form then says the number is too long for a meter, instead of failing."""
    assert parse_meter_reading("1" * 10_000) == Decimal("1" * parsing.MAX_INPUT_CHARS)
    assert find_entities("1" * 10_000) == []


def test_long_input_is_clipped_but_its_start_is_read():
    text = "klantnummer 12345678 " + "bla " * 2_500
    assert parse_customer_number(text) == "12345678"
    assert all(f.end <= parsing.MAX_INPUT_CHARS for f in find_entities("12345678 " * 2_000))
