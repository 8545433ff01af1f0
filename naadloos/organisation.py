"""Organisation facts (name, contact channels, opening hours) from one YAML file.

Responses never hard-code these: the assistant copies them into `org_*` slots at session start
(see `response_slots`), so another organisation edits `config/organisation.yml` only.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from naadloos.yaml_file import read_yaml

DAY_KEYS = ("ma", "di", "wo", "do", "vr", "za", "zo")
DAY_NAMES = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")
CHANNEL_ORDER = ("whatsapp", "phone", "email", "x")


class OrganisationConfigError(ValueError):
    """The organisation file is missing, unreadable or incomplete."""


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

    def channel(self, key: str) -> ContactChannel | None:
        return next((c for c in self.channels if c.key == key), None)

    def is_open(self, moment: datetime) -> bool:
        """Whether human customer service is open at `moment` (any timezone-aware datetime)."""
        local = moment.astimezone(self.timezone)
        hours = self.opening_hours.get(local.weekday())
        return hours is not None and hours[0] <= local.time() < hours[1]

    def opening_hours_text(self) -> str:
        """'maandag tot en met vrijdag van 8.00 tot 20.00 uur en zaterdag van 9.00 tot 17.00 uur'."""
        groups: list[tuple[int, int, tuple[time, time]]] = []
        for day in range(7):
            hours = self.opening_hours.get(day)
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

    def contact_lines(self) -> list[str]:
        """One line per contact channel, with the opening hours where people answer live."""
        lines = []
        for channel in self.channels:
            details = [channel.note] if channel.note else []
            if channel.key in ("phone", "whatsapp"):
                details.append(self.opening_hours_text())
            suffix = f" ({', '.join(details)})" if details else ""
            lines.append(f"{channel.label}: {channel.address}{suffix}")
        return lines

    def escalation_facts(self) -> dict[str, str]:
        """Values for the {placeholders} in the escalation wording of config/escalation.yml."""
        return {**self.help_facts, **self.response_slots()}

    def response_slots(self) -> dict[str, str]:
        """Values for the `org_*` slots that responses use as {placeholders}."""
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
            "org_opening_hours": self.opening_hours_text(),
            "org_outage_phone": self.outage_phone,
        }


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

    opening_hours: dict[int, tuple[time, time]] = {}
    for day_key, hours in (data.get("opening_hours") or {}).items():
        if day_key not in DAY_KEYS:
            raise OrganisationConfigError(f"opening_hours: unknown day '{day_key}', use one of {', '.join(DAY_KEYS)}")
        if not isinstance(hours, list) or len(hours) != 2:
            raise OrganisationConfigError(f"opening_hours.{day_key}: expected [open, close]")
        start, end = (_parse_clock(h, f"opening_hours.{day_key}") for h in hours)
        if start >= end:
            raise OrganisationConfigError(f"opening_hours.{day_key}: opening time must be before closing time")
        opening_hours[DAY_KEYS.index(day_key)] = (start, end)

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
        closed_on_public_holidays=bool(data.get("closed_on_public_holidays", True)),
        help_facts=_help_facts(data.get("help")),
    )


def _help_facts(raw: object) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping) or not all(isinstance(v, str) for v in raw.values()):
        raise OrganisationConfigError("organisation file: 'help' must map names to texts")
    return {str(key): value.strip() for key, value in raw.items() if value.strip()}


def load_organisation(path: Path) -> Organisation:
    return parse_organisation(read_yaml(path, "organisation", OrganisationConfigError))
