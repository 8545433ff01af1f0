"""`Schedule`: open now, today's hours and the next opening, public holidays included, at fixed
moments (Europe/Amsterdam); and what the organisation file's team lines say with them."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from naadloos.core.organisation import OrganisationConfigError, parse_organisation

AMS = ZoneInfo("Europe/Amsterdam")


def at(year: int, month: int, day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=AMS)


@pytest.mark.parametrize(
    "moment, text",
    [
        # Tuesday 17 November 2026: opens 8.00, closes 20.00.
        (at(2026, 11, 17, 10), "We zijn nu open. Vandaag kun je ons bereiken tot 20.00 uur."),
        (at(2026, 11, 17, 8), "We zijn nu open. Vandaag kun je ons bereiken tot 20.00 uur."),
        (at(2026, 11, 17, 19, 59, 59), "We zijn nu open. Vandaag kun je ons bereiken tot 20.00 uur."),
        (at(2026, 11, 17, 7, 59), "We zijn nu nog dicht. Vandaag kun je ons bereiken van 8.00 tot 20.00 uur."),
        (at(2026, 11, 17, 20), "We zijn vandaag al dicht. Morgen kun je ons weer bereiken van 8.00 tot 20.00 uur."),
        # 19.00 UTC is 20.00 in Amsterdam in winter.
        (datetime(2026, 11, 17, 19, 0, tzinfo=timezone.utc),
         "We zijn vandaag al dicht. Morgen kun je ons weer bereiken van 8.00 tot 20.00 uur."),
        # Friday evening: Saturday has its own hours.
        (at(2026, 11, 20, 21), "We zijn vandaag al dicht. Morgen kun je ons weer bereiken van 9.00 tot 17.00 uur."),
        # Saturday after 17.00 and Sunday: Monday is next.
        (at(2026, 11, 21, 17), "We zijn vandaag al dicht. Maandag kun je ons weer bereiken van 8.00 tot 20.00 uur."),
        (at(2026, 11, 22, 12), "Op zondag zijn we dicht. Morgen kun je ons weer bereiken van 8.00 tot 20.00 uur."),
        # Public holidays: Tweede Paasdag (Monday 6 April 2026), Easter Sunday before it.
        (at(2026, 4, 6, 10),
         "Vandaag is het Tweede Paasdag. Dan zijn we dicht. Morgen kun je ons weer bereiken van 8.00 tot 20.00 uur."),
        (at(2026, 4, 5, 10),
         "Vandaag is het Eerste Paasdag. Dan zijn we dicht. Dinsdag kun je ons weer bereiken van 8.00 tot 20.00 uur."),
        # Christmas on Friday and Saturday, then Sunday: Thursday evening says Monday.
        (at(2026, 12, 24, 20), "We zijn vandaag al dicht. Maandag kun je ons weer bereiken van 8.00 tot 20.00 uur."),
    ],
)
def test_today_text(organisation, moment, text):
    assert organisation.schedule.today_text(moment) == text


@pytest.mark.parametrize(
    "moment, is_open, holiday",
    [
        (at(2026, 4, 27, 10), False, "Koningsdag"),  # a Monday
        (at(2026, 4, 28, 10), True, None),
        (at(2026, 12, 25, 10), False, "Eerste Kerstdag"),
        (at(2026, 12, 24, 19, 59), True, None),
    ],
)
def test_is_open_knows_public_holidays(organisation, moment, is_open, holiday):
    assert organisation.is_open(moment) is is_open
    assert organisation.holiday(moment) == holiday


@pytest.mark.parametrize(
    "moment, status",
    [
        (at(2026, 11, 17, 14), "nu open tot 17.00 uur"),
        (at(2026, 11, 17, 9), "nu open tot 17.00 uur"),
        (at(2026, 11, 17, 16, 59, 59), "nu open tot 17.00 uur"),
        (at(2026, 11, 17, 8, 59), "vandaag open vanaf 9.00 uur"),
        (at(2026, 11, 17, 17), "morgen open vanaf 9.00 uur"),
        (at(2026, 11, 20, 17), "maandag open vanaf 9.00 uur"),  # a weekday-only line
        (at(2026, 11, 21, 12), "maandag open vanaf 9.00 uur"),
        (at(2026, 4, 3, 17), "dinsdag open vanaf 9.00 uur"),  # Friday before Easter Monday
    ],
)
def test_bereavement_line_says_whether_it_is_open_now(organisation, moment, status):
    assert organisation.escalation_facts(moment)["bereavement_phone"] == f"0800-123 45 70 (gratis, {status})"


def test_without_a_moment_the_bereavement_line_gives_its_weekly_hours(organisation):
    assert organisation.escalation_facts()["bereavement_phone"] == (
        "0800-123 45 70 (gratis, maandag tot en met vrijdag van 9.00 tot 17.00 uur)"
    )


def test_contact_lines_say_open_now_or_when_they_open(organisation):
    assert organisation.contact_lines(at(2026, 11, 17, 10))[:2] == [
        "WhatsApp: 06-12345678 (nu open tot 20.00 uur)",
        "Telefoon: 0800-123 45 67 (gratis, nu open tot 20.00 uur)",
    ]
    assert organisation.contact_lines(at(2026, 4, 6, 10))[1] == "Telefoon: 0800-123 45 67 (gratis, morgen open vanaf 8.00 uur)"


def test_response_slots_with_a_moment_give_todays_hours(organisation):
    slots = organisation.response_slots(at(2026, 11, 17, 10))
    assert slots["org_opening_hours"] == "We zijn nu open. Vandaag kun je ons bereiken tot 20.00 uur."


def test_a_line_that_is_never_open_says_so(organisation_data):
    never = parse_organisation({**organisation_data, "opening_hours": {}})
    assert never.schedule.today_text(at(2026, 11, 17, 10)) == "Op dinsdag zijn we dicht."
    assert never.schedule.status_text(at(2026, 11, 17, 10)) == "op dit moment niet open"


@pytest.mark.parametrize(
    "team_lines, message",
    [
        (["0800"], "'team_lines' must map names to lines"),
        ({"bereavement_phone": "0800"}, "team_lines.bereavement_phone: expected a mapping"),
        ({"bereavement_phone": {"note": "gratis"}}, "'address' is missing or empty"),
        ({"bereavement_phone": {"address": "0800", "opening_hours": {"mo": ["09:00", "17:00"]}}},
         "team_lines.bereavement_phone.opening_hours: unknown day 'mo'"),
        ({"bereavement_phone": {"address": "0800", "opening_hours": {"ma": ["17:00", "09:00"]}}},
         "team_lines.bereavement_phone.opening_hours.ma: opening time must be before closing time"),
    ],
)
def test_team_line_errors_name_the_place(organisation_data, team_lines, message):
    with pytest.raises(OrganisationConfigError, match=re.escape(message)):
        parse_organisation({**organisation_data, "team_lines": team_lines})
