"""The organisation file: wording, opening hours at fixed moments, slots and configuration errors."""
from __future__ import annotations

import copy
import re
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
import yaml

from naadloos.core.organisation import OrganisationConfigError, load_organisation, parse_organisation

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
OPENING_HOURS = "maandag tot en met vrijdag van 8.00 tot 20.00 uur en zaterdag van 9.00 tot 17.00 uur"


def test_real_file_loads(organisation):
    assert (organisation.name, organisation.legal_name) == ("Polderstroom", "Polderstroom Energie B.V.")
    assert organisation.timezone == AMSTERDAM


def test_opening_hours_text(organisation):
    assert organisation.opening_hours_text() == OPENING_HOURS


@pytest.mark.parametrize(
    "moment, is_open",
    [
        (datetime(2026, 11, 16, 7, 59, tzinfo=AMSTERDAM), False),  # Monday
        (datetime(2026, 11, 16, 8, 0, tzinfo=AMSTERDAM), True),
        (datetime(2026, 11, 16, 19, 30, tzinfo=AMSTERDAM), True),
        (datetime(2026, 11, 16, 20, 0, tzinfo=AMSTERDAM), False),
        (datetime(2026, 11, 21, 16, 59, tzinfo=AMSTERDAM), True),  # Saturday
        (datetime(2026, 11, 21, 17, 0, tzinfo=AMSTERDAM), False),
        (datetime(2026, 11, 22, 12, 0, tzinfo=AMSTERDAM), False),  # Sunday
        # UTC moments: Amsterdam is UTC+1 in winter and UTC+2 in summer.
        (datetime(2026, 11, 16, 18, 59, tzinfo=timezone.utc), True),  # 19.59 CET
        (datetime(2026, 11, 16, 19, 0, tzinfo=timezone.utc), False),  # 20.00 CET
        (datetime(2026, 7, 6, 17, 59, tzinfo=timezone.utc), True),  # Monday 19.59 CEST
        (datetime(2026, 7, 6, 18, 0, tzinfo=timezone.utc), False),  # 20.00 CEST
        # Around the switch to summer time on Sunday 29 March 2026.
        (datetime(2026, 3, 27, 6, 30, tzinfo=timezone.utc), False),  # Friday 7.30 CET
        (datetime(2026, 3, 30, 6, 30, tzinfo=timezone.utc), True),  # Monday 8.30 CEST
        (datetime(2026, 3, 28, 23, 30, tzinfo=timezone.utc), False),  # Sunday 0.30 CET
    ],
)
def test_is_open(organisation, moment, is_open):
    assert organisation.is_open(moment) is is_open


def test_contact_lines(organisation):
    assert organisation.contact_lines() == [
        f"WhatsApp: 06-12345678 ({OPENING_HOURS})",
        f"Telefoon: 0800-123 45 67 (gratis, {OPENING_HOURS})",
        "E-mail: klantenservice@polderstroom.example (je krijgt binnen 2 werkdagen antwoord)",
        "X (Twitter): @PolderstroomNL (stuur ons een privébericht)",
    ]


def test_response_slots_fill_every_org_slot_of_the_domain(organisation, org_slots):
    values = organisation.response_slots()
    assert sorted(values) == sorted(org_slots)
    assert all(value.strip() for value in values.values())
    assert values["org_phone"] == "0800-123 45 67"
    assert values["org_opening_hours"] == OPENING_HOURS


def with_changes(data, **changes):
    changed = copy.deepcopy(data)
    for key, value in changes.items():
        if value is None:
            changed.pop(key)
        else:
            changed[key] = value
    return changed


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"name": None}, "'name' is missing or empty"),
        ({"name": "  "}, "'name' is missing or empty"),
        ({"timezone": "Europe/Atlantis"}, "unknown timezone 'Europe/Atlantis'"),
        ({"opening_hours": {"mo": ["08:00", "20:00"]}}, "unknown day 'mo', use one of ma, di, wo, do, vr, za, zo"),
        ({"opening_hours": {"ma": ["08:00", "25:00"]}}, "opening_hours.ma: '25:00' is not a time like 08:30"),
        ({"opening_hours": {"ma": ["08:00"]}}, "opening_hours.ma: expected [open, close]"),
        ({"opening_hours": {"ma": ["20:00", "08:00"]}}, "opening_hours.ma: opening time must be before closing time"),
        ({"channels": {"phone": "0800-123 45 67"}}, "channel 'phone' must be a mapping"),
        ({"channels": {"phone": {"label": "Telefoon"}}}, "'address' is missing or empty"),
    ],
)
def test_parse_organisation_errors(organisation_data, changes, message):
    with pytest.raises(OrganisationConfigError, match=re.escape(message)):
        parse_organisation(with_changes(organisation_data, **changes))


@pytest.mark.parametrize("data", [None, ["name", "Polderstroom"], "Polderstroom"])
def test_parse_organisation_needs_a_mapping(data):
    with pytest.raises(OrganisationConfigError, match="expected a mapping at the top level"):
        parse_organisation(data)


def test_parse_organisation_without_hours_is_never_open(organisation_data):
    closed = parse_organisation(with_changes(organisation_data, opening_hours={}))
    assert closed.opening_hours_text() == "op dit moment niet"
    assert closed.is_open(datetime(2026, 11, 16, 12, 0, tzinfo=AMSTERDAM)) is False


def test_load_organisation_missing_file(tmp_path):
    with pytest.raises(OrganisationConfigError, match="cannot read organisation file .*missing.yml"):
        load_organisation(tmp_path / "missing.yml")


def test_load_organisation_invalid_yaml(tmp_path):
    path = tmp_path / "organisation.yml"
    path.write_text("name: Polderstroom\nchannels: [unclosed\n", encoding="utf-8")
    with pytest.raises(OrganisationConfigError, match="is not valid YAML"):
        load_organisation(path)


def test_load_organisation_roundtrip(tmp_path, organisation_data):
    path = tmp_path / "organisation.yml"
    path.write_text(yaml.safe_dump(with_changes(organisation_data, name="Dijkgas", legal_name=None)), encoding="utf-8")
    loaded = load_organisation(path)
    assert (loaded.name, loaded.legal_name) == ("Dijkgas", "Dijkgas")


def test_open_until_midnight_and_on_public_holidays_when_configured(organisation_data) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from naadloos.core.organisation import parse_organisation

    always = {day: ["00:00", "24:00"] for day in ("ma", "di", "wo", "do", "vr", "za", "zo")}
    organisation = parse_organisation({**organisation_data, "opening_hours": always, "closed_on_public_holidays": False})
    late_on_christmas = datetime(2026, 12, 25, 23, 59, 30, tzinfo=ZoneInfo("Europe/Amsterdam"))
    assert organisation.is_open(late_on_christmas)
    assert organisation.closed_on_public_holidays is False
    assert organisation.opening_hours_text() == "maandag tot en met zondag van 0.00 tot 24.00 uur"
