"""The organisation's own colours (`colours:` in config/organisation.yml), checked for readability.

The web-chat widget paints its launcher and panel with them. A colour pair is accepted only when
its contrast is at least 4.5:1 (WCAG 2.1 AA for normal text), so no organisation ships an
unreadable launcher by accident.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

MIN_CONTRAST = 4.5  # WCAG 2.1 AA for normal text: the launcher's icon and the panel's title
_HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")


class ColourError(ValueError):
    """The `colours:` entry is not two readable hex colours."""


@dataclass(frozen=True)
class BrandColours:
    primary: str = "#0b4f6c"  # the launcher and the panel's top bar (the chat page's own blue)
    text: str = "#ffffff"  # the icon and the words on them


def _channel(value: str) -> float:
    part = int(value, 16) / 255
    return part / 12.92 if part <= 0.03928 else ((part + 0.055) / 1.055) ** 2.4


def _luminance(colour: str) -> float:
    digits = colour[1:] if len(colour) == 7 else "".join(c * 2 for c in colour[1:])
    red, green, blue = (_channel(digits[i:i + 2]) for i in (0, 2, 4))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first: str, second: str) -> float:
    """The WCAG contrast ratio of two hex colours, from 1 (the same) to 21 (black on white)."""
    lighter, darker = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def parse_colours(raw: Any) -> BrandColours:
    """The `colours:` entry; the defaults for what it leaves out. ColourError names what is wrong."""
    if raw is None:
        return BrandColours()
    if not isinstance(raw, dict) or set(raw) - {"primary", "text"}:
        raise ColourError("'colours' takes only 'primary' and 'text', e.g. primary: \"#0b4f6c\"")
    values = {}
    for key, value in raw.items():
        if not isinstance(value, str) or not _HEX.match(value.strip()):
            raise ColourError(f"colours.{key} '{value}' is not a colour like \"#0b4f6c\" (quoted)")
        values[key] = value.strip().lower()
    colours = BrandColours(**values)
    ratio = contrast_ratio(colours.primary, colours.text)
    if ratio < MIN_CONTRAST:
        raise ColourError(
            f"colours.text {colours.text} on colours.primary {colours.primary} has a contrast of "
            f"{ratio:.1f}:1; it must be at least {MIN_CONTRAST}:1 to be readable"
        )
    return colours
