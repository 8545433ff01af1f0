"""Parametrised tables for naadloos.core.answers: what a short answer to a form question means."""
from __future__ import annotations

import pytest

from naadloos.core.answers import (
    METER_DOUBLE,
    METER_SINGLE,
    normalise,
    parse_confirmation,
    parse_meter_type,
    parse_yes_no,
    pick_field,
    says_dont_know,
    says_no_customer_number,
    says_solar_panels,
)


def test_normalise_drops_accents_case_and_extra_spaces():
    assert normalise("  Één   TELWERK ") == "een telwerk"


@pytest.mark.parametrize(
    "text",
    [
        "ik heb geen klantnummer",
        "Ik heb geen klantnr",
        "weet ik niet",
        "geen idee",
        "geen flauw idee",
        "kwijt",
        "ik ben mijn klantnummer kwijt",
        "ik heb da nie",
        "heb ik niet bij de hand",
        "k weet het nie",
        "ik weet mijn klantnummer niet",
        "ik kan hem niet vinden",
        "klantnummer vergeten",
        "ik heb het niet",
        "da weet ik nie",
    ],
)
def test_no_customer_number(text):
    assert says_no_customer_number(text)


@pytest.mark.parametrize("text", ["12345678", "mijn klantnummer is 1234 5678", "1234", "ja", "hallo", ""])
def test_not_no_customer_number(text):
    assert not says_no_customer_number(text)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("weet ik niet", True),
        ("Geen idee", True),
        ("ik weet het echt niet", True),
        ("hoe zie ik dat?", True),
        ("dubbel", False),
        ("nee", False),
        ("niets", False),
    ],
)
def test_dont_know(text, expected):
    assert says_dont_know(text) is expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("enkel", METER_SINGLE),
        ("enkele meter", METER_SINGLE),
        ("Enkelvoudig", METER_SINGLE),
        ("één telwerk", METER_SINGLE),
        ("een stand", METER_SINGLE),
        ("1 tarief", METER_SINGLE),
        ("maar één", METER_SINGLE),
        ("ik denk enkel", METER_SINGLE),
        ("dubbel", METER_DOUBLE),
        ("dubbele meter", METER_DOUBLE),
        ("dubbbel", METER_DOUBLE),
        ("normaal en dal", METER_DOUBLE),
        ("dal/normaal", METER_DOUBLE),
        ("T1 en T2", METER_DOUBLE),
        ("twee telwerken", METER_DOUBLE),
        ("2 standen", METER_DOUBLE),
        ("dag en nacht teller", METER_DOUBLE),
        ("een dag- en nachtmeter", METER_DOUBLE),
        ("tweevoudige meter", METER_DOUBLE),
        ("het is een slimme meter", METER_DOUBLE),
        ("enkele of dubbele?", None),
        ("weet ik niet", None),
        ("een standaard meter", None),
        ("ja", None),
        ("", None),
    ],
)
def test_meter_type(text, expected):
    assert parse_meter_type(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("ja", True),
        ("Jaaa", True),
        ("jazeker", True),
        ("klopt", True),
        ("ok", True),
        ("nee", False),
        ("neen", False),
        ("nee hoor", False),
        ("ja, maar dat klopt niet", False),
        ("misschien", None),
        ("/affirm", None),
    ],
)
def test_yes_no(text, expected):
    assert parse_yes_no(text) is expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Ja, klopt", True),
        ("klopt helemaal", True),
        ("Nee, aanpassen", False),
        ("de datum is fout", False),
        ("ik wil iets wijzigen", False),
        ("dat klopt niet", False),
        ("hmm", None),
    ],
)
def test_confirmation(text, expected):
    assert parse_confirmation(text) is expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("ja", True),
        ("ja, ik heb zonnepanelen", True),
        ("wij hebben zonnepanelen op het dak", True),
        ("we leveren terug", True),
        ("nee", False),
        ("nee, geen zonnepanelen", False),
        ("geen panelen hier", False),
        ("misschien", None),
    ],
)
def test_solar_panels(text, expected):
    assert says_solar_panels(text) is expected


def test_pick_field_takes_the_first_pattern_that_matches():
    fields = [("return", r"terug"), ("offpeak", r"dal"), ("gas", r"gas")]
    assert pick_field("Teruglevering dal", fields) == "return"
    assert pick_field("de dalstand", fields) == "offpeak"
    assert pick_field("GASSTAND", fields) == "gas"
    assert pick_field("de datum", fields) is None
