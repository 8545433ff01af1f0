"""Organisation facts (name, contact channels, opening hours, team lines) from one YAML file.

Responses never hard-code these: the assistant copies them into `org_*` slots at session start
(see `response_slots`), so another organisation edits `config/organisation.yml` only.

`Schedule` is the one place that knows whether a line is open at a moment (weekly hours, the
organisation's timezone, Dutch public holidays) and says so in Dutch; the live-chat service's
availability and the assistant's wording both ask it.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from naadloos.core.brand_colours import BrandColours, ColourError, parse_colours
from naadloos.core.holidays import holiday_name
from naadloos.core.yaml_file import read_yaml

DAY_KEYS = ("ma", "di", "wo", "do", "vr", "za", "zo")
DAY_NAMES = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")
MONTH_NAMES = (
    "januari", "februari", "maart", "april", "mei", "juni",
    "juli", "augustus", "september", "oktober", "november", "december",
)
CHANNEL_ORDER = ("whatsapp", "phone", "email", "x")
LOOK_AHEAD_DAYS = 14  # the next opening is searched this far ahead (Christmas and a weekend fit)

Hours = tuple[time, time]  # (open, close) on one day


class OrganisationConfigError(ValueError):
    """The organisation file is missing, unreadable or incomplete."""


@dataclass(frozen=True)
class Schedule:
    """Weekly opening hours in one timezone, closed on Dutch public holidays unless told otherwise."""

    hours: Mapping[int, Hours]  # weekday (0 = Monday) -> (open, close)
    timezone: ZoneInfo
    closed_on_public_holidays: bool = True

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.timezone)

    def holiday(self, day: date) -> str | None:
        """The public holiday on `day` that closes this line, or None."""
        return holiday_name(day) if self.closed_on_public_holidays else None

    def hours_on(self, day: date) -> Hours | None:
        """The hours on `day`, or None when closed all day (not a working day, or a holiday)."""
        return None if self.holiday(day) else self.hours.get(day.weekday())

    def is_open(self, moment: datetime) -> bool:
        """Whether the line is open at `moment` (any timezone-aware datetime)."""
        local = self.local(moment)
        hours = self.hours_on(local.date())
        return hours is not None and hours[0] <= local.time() < hours[1]

    def next_opening(self, moment: datetime) -> tuple[date, Hours] | None:
        """The day and hours of the first opening after `moment` (later today counts)."""
        local = self.local(moment)
        for ahead in range(LOOK_AHEAD_DAYS + 1):
            day = local.date() + timedelta(days=ahead)
            hours = self.hours_on(day)
            if hours is not None and (ahead > 0 or local.time() < hours[0]):
                return day, hours
        return None

    def weekly_text(self) -> str:
        """'maandag tot en met vrijdag van 8.00 tot 20.00 uur en zaterdag van 9.00 tot 17.00 uur'."""
        groups: list[tuple[int, int, Hours]] = []
        for day in range(7):
            hours = self.hours.get(day)
            if hours is None:
                continue
            if groups and groups[-1][1] == day - 1 and groups[-1][2] == hours:
                groups[-1] = (groups[-1][0], day, hours)
            else:
                groups.append((day, day, hours))
        if not groups:
            return "op dit moment niet"
        parts = [f"{_day_range(first, last)} van {_clock(h[0])} tot {_clock(h[1])} uur" for first, last, h in groups]
        return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " en " + parts[-1]

    def status_text(self, moment: datetime) -> str:
        """Short, for behind a phone number: 'nu open tot 17.00 uur', 'morgen open vanaf 9.00 uur'."""
        if self.is_open(moment):
            hours = self.hours_on(self.local(moment).date())
            assert hours is not None
            return f"nu open tot {_clock(hours[1])} uur"
        following = self.next_opening(moment)
        if following is None:
            return "op dit moment niet open"
        day, hours = following
        return f"{_when(self.local(moment).date(), day)} open vanaf {_clock(hours[0])} uur"

    def today_text(self, moment: datetime) -> str:
        """For 'tot hoe laat kan ik vandaag ...?': today's hours, holidays included, and when
        closed for the rest of the day, when it opens again."""
        local = self.local(moment)
        today = local.date()
        hours = self.hours_on(today)
        if self.is_open(moment) and hours is not None:
            return f"We zijn nu open. Vandaag kun je ons bereiken tot {_clock(hours[1])} uur."
        if hours is not None and local.time() < hours[0]:
            return f"We zijn nu nog dicht. Vandaag kun je ons bereiken van {_clock(hours[0])} tot {_clock(hours[1])} uur."
        holiday = self.holiday(today)
        if holiday:
            closed = f"Vandaag is het {holiday}. Dan zijn we dicht."
        elif hours is not None:
            closed = "We zijn vandaag al dicht."
        else:
            closed = f"Op {DAY_NAMES[today.weekday()]} zijn we dicht."
        following = self.next_opening(moment)
        if following is None:
            return closed
        day, next_hours = following
        when = _when(today, day)
        return (
            f"{closed} {when[0].upper()}{when[1:]} kun je ons weer bereiken "
            f"van {_clock(next_hours[0])} tot {_clock(next_hours[1])} uur."
        )


@dataclass(frozen=True)
class TeamLine:
    """A phone line of one team (such as the line for next of kin) with its own hours."""

    key: str  # also the {placeholder} in config/escalation.yml, such as bereavement_phone
    address: str
    note: str
    schedule: Schedule

    def text(self, moment: datetime | None = None) -> str:
        """'0800-123 45 70 (gratis, nu open tot 17.00 uur)'; without a moment the weekly hours."""
        hours = self.schedule.status_text(moment) if moment is not None else self.schedule.weekly_text()
        details = ", ".join(part for part in (self.note, hours) if part)
        return f"{self.address} ({details})"


@dataclass(frozen=True)
class ContactChannel:
    key: str
    label: str
    address: str
    note: str = ""


@dataclass(frozen=True)
class Organisation:
    name: str
    legal_name: str
    timezone: ZoneInfo
    website: str
    portal: str
    app: str
    channels: tuple[ContactChannel, ...]
    opening_hours: Mapping[int, tuple[time, time]]  # weekday (0 = Monday) -> (open, close)
    outage_phone: str
    postal_address: str
    closed_on_public_holidays: bool = True
    help_facts: Mapping[str, str] = field(default_factory=dict)  # `help:` texts for escalation wording
    team_lines: tuple[TeamLine, ...] = ()
    colours: BrandColours = BrandColours()  # the web-chat widget's launcher and panel

    def channel(self, key: str) -> ContactChannel | None:
        return next((c for c in self.channels if c.key == key), None)

    @property
    def schedule(self) -> Schedule:
        """When human customer service (phone, chat, WhatsApp) is open."""
        return Schedule(self.opening_hours, self.timezone, self.closed_on_public_holidays)

    def is_open(self, moment: datetime) -> bool:
        """Whether human customer service is open at `moment`, public holidays included."""
        return self.schedule.is_open(moment)

    def holiday(self, moment: datetime) -> str | None:
        """The public holiday that closes customer service on the local day of `moment`, or None."""
        return self.schedule.holiday(self.schedule.local(moment).date())

    def opening_hours_text(self) -> str:
        """'maandag tot en met vrijdag van 8.00 tot 20.00 uur en zaterdag van 9.00 tot 17.00 uur'."""
        return self.schedule.weekly_text()

    def contact_lines(self, moment: datetime | None = None) -> list[str]:
        """One line per contact channel, with when people answer live: at `moment` whether they
        are open now or when they open, without one the weekly hours."""
        hours = self.schedule.status_text(moment) if moment is not None else self.opening_hours_text()
        lines = []
        for channel in self.channels:
            details = [channel.note] if channel.note else []
            if channel.key in ("phone", "whatsapp"):
                details.append(hours)
            suffix = f" ({', '.join(details)})" if details else ""
            lines.append(f"{channel.label}: {channel.address}{suffix}")
        return lines

    def escalation_facts(self, moment: datetime | None = None) -> dict[str, str]:
        """Values for the {placeholders} in the escalation wording of config/escalation.yml; a
        team line says whether it is open at `moment` (without one: its weekly hours)."""
        lines = {line.key: line.text(moment) for line in self.team_lines}
        return {**self.help_facts, **lines, **self.response_slots(moment)}

    def response_slots(self, moment: datetime | None = None) -> dict[str, str]:
        """Values for the `org_*` slots that responses use as {placeholders}. With `moment`,
        `org_opening_hours` says what today's hours are (see `Schedule.today_text`)."""
        def address(key: str) -> str:
            channel = self.channel(key)
            return channel.address if channel else ""

        return {
            "org_name": self.name,
            "org_phone": address("phone"),
            "org_whatsapp": address("whatsapp"),
            "org_email": address("email"),
            "org_x": address("x"),
            "org_website": self.website,
            "org_portal": self.portal,
            "org_app": self.app,
            "org_opening_hours": self.schedule.today_text(moment) if moment is not None else self.opening_hours_text(),
            "org_outage_phone": self.outage_phone,
        }


def _when(today: date, day: date) -> str:
    """'vandaag', 'morgen', or the day's name (within the coming week)."""
    ahead = (day - today).days
    if ahead == 0:
        return "vandaag"
    if ahead == 1:
        return "morgen"
    name = DAY_NAMES[day.weekday()]
    return name if ahead < 7 else f"{name} {day.day} {MONTH_NAMES[day.month - 1]}"


def _day_range(first: int, last: int) -> str:
    if first == last:
        return DAY_NAMES[first]
    if last == first + 1:
        return f"{DAY_NAMES[first]} en {DAY_NAMES[last]}"
    return f"{DAY_NAMES[first]} tot en met {DAY_NAMES[last]}"


def _clock(value: time) -> str:
    return "24.00" if value == time.max else f"{value.hour}.{value.minute:02d}"


def _parse_clock(raw: object, where: str) -> time:
    """'08:30' -> 08:30. YAML 1.1 reads an unquoted 20:00 as the base-60 number 1200: undo that."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = "{}:{:02d}".format(*divmod(raw, 60))
    if str(raw) == "24:00":  # closing at midnight: open until the very end of the day
        return time.max
    try:
        hour, minute = str(raw).split(":")
        return time(int(hour), int(minute))
    except ValueError as error:
        raise OrganisationConfigError(f"{where}: '{raw}' is not a time like 08:30") from error


def _required(data: Mapping, key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise OrganisationConfigError(f"organisation file: '{key}' is missing or empty")
    return value.strip()


def parse_organisation(data: Mapping) -> Organisation:
    """Builds an `Organisation` from the parsed YAML mapping, with clear errors for bad input."""
    if not isinstance(data, Mapping):
        raise OrganisationConfigError("organisation file: expected a mapping at the top level")
    try:
        timezone = ZoneInfo(_required(data, "timezone"))
    except ZoneInfoNotFoundError as error:
        raise OrganisationConfigError(f"organisation file: unknown timezone '{data.get('timezone')}'") from error

    channels = []
    for key, channel in (data.get("channels") or {}).items():
        if not isinstance(channel, Mapping):
            raise OrganisationConfigError(f"organisation file: channel '{key}' must be a mapping")
        channels.append(
            ContactChannel(key, _required(channel, "label"), _required(channel, "address"), str(channel.get("note") or ""))
        )
    channels.sort(key=lambda c: CHANNEL_ORDER.index(c.key) if c.key in CHANNEL_ORDER else len(CHANNEL_ORDER))

    opening_hours = _weekly_hours(data.get("opening_hours"), "opening_hours")
    try:
        colours = parse_colours(data.get("colours"))
    except ColourError as error:
        raise OrganisationConfigError(f"organisation file: {error}") from error
    closed_on_public_holidays = bool(data.get("closed_on_public_holidays", True))

    return Organisation(
        name=_required(data, "name"),
        legal_name=str(data.get("legal_name") or data["name"]),
        timezone=timezone,
        website=_required(data, "website"),
        portal=_required(data, "portal"),
        app=_required(data, "app"),
        channels=tuple(channels),
        opening_hours=opening_hours,
        outage_phone=_required(data, "outage_phone"),
        postal_address=str(data.get("postal_address") or ""),
        closed_on_public_holidays=closed_on_public_holidays,
        help_facts=_help_facts(data.get("help")),
        team_lines=_team_lines(data.get("team_lines"), timezone, closed_on_public_holidays),
        colours=colours,
    )


def _weekly_hours(raw: object, where: str) -> dict[int, Hours]:
    """{ma: [open, close], ...} -> {0: (open, close), ...}; a day that is not listed is closed."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise OrganisationConfigError(f"{where}: expected a mapping of days to [open, close]")
    opening_hours: dict[int, Hours] = {}
    for day_key, hours in raw.items():
        if day_key not in DAY_KEYS:
            raise OrganisationConfigError(f"{where}: unknown day '{day_key}', use one of {', '.join(DAY_KEYS)}")
        if not isinstance(hours, list) or len(hours) != 2:
            raise OrganisationConfigError(f"{where}.{day_key}: expected [open, close]")
        start, end = (_parse_clock(h, f"{where}.{day_key}") for h in hours)
        if start >= end:
            raise OrganisationConfigError(f"{where}.{day_key}: opening time must be before closing time")
        opening_hours[DAY_KEYS.index(day_key)] = (start, end)
    return opening_hours


def _team_lines(raw: object, timezone: ZoneInfo, closed_on_public_holidays: bool) -> tuple[TeamLine, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, Mapping):
        raise OrganisationConfigError("organisation file: 'team_lines' must map names to lines")
    lines = []
    for key, line in raw.items():
        where = f"team_lines.{key}"
        if not isinstance(line, Mapping):
            raise OrganisationConfigError(f"{where}: expected a mapping with address, note and opening_hours")
        hours = _weekly_hours(line.get("opening_hours"), f"{where}.opening_hours")
        holidays = bool(line.get("closed_on_public_holidays", closed_on_public_holidays))
        lines.append(
            TeamLine(str(key), _required(line, "address"), str(line.get("note") or ""), Schedule(hours, timezone, holidays))
        )
    return tuple(lines)


def _help_facts(raw: object) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping) or not all(isinstance(v, str) for v in raw.values()):
        raise OrganisationConfigError("organisation file: 'help' must map names to texts")
    return {str(key): value.strip() for key, value in raw.items() if value.strip()}


def load_organisation(path: Path) -> Organisation:
    return parse_organisation(read_yaml(path, "organisation", OrganisationConfigError))
