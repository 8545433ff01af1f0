"""Our chat as a widget on the organisation's own website: one script tag,

    <script src="https://<live chat>/widget.js" defer></script>

adds a launcher button (bottom right) that opens the chat page in a panel, in the same window of
the site. The panel shows our own chat page in a frame, so everything it does (the hand-over in
the same window, the waiting place, the callback offer) is the same as at `/chat`.

- `GET /widget.js`: `static/widget/widget.js`, called with its configuration: where the chat page
  is (`LIVECHAT_PUBLIC_URL`, never the request's Host header), the organisation's name and the
  widget's colours (`colours:` in the organisation file, checked at start: hex colours whose
  contrast is at least 4.5:1, WCAG AA; left out, the chat page's own colours). Any site may load
  it (`Access-Control-Allow-Origin: *`, `Cross-Origin-Resource-Policy: cross-origin`).
- `GET /chat/widget`: the `/chat` page (`livechat.chat_page`) with one difference: the embedding
  sites may frame it (CSP `frame-ancestors`), and no other site. The sites are the setting the web
  chat channel already reads, `NAADLOOS_WEBCHAT_ORIGINS` (`naadloos.channels.webchat_sites`), read
  and checked when this service starts too. Unset: nobody may frame it.

The launcher needs nothing from the site's own Content-Security-Policy but this service's origin
in `script-src` and `frame-src`: it adds no inline code and sets its styles through the CSSOM.
"""
from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from sanic import Blueprint, Sanic
from sanic.request import Request
from sanic.response import HTTPResponse, raw

from livechat.chat_page import chat
from livechat.config import LiveChatConfig
from livechat.pages import STATIC_DIR, frame_ancestors
from naadloos.channels.webchat_sites import ORIGINS_VARIABLE, EmbeddingSites
from naadloos.core.organisation import OrganisationConfigError, parse_organisation
from naadloos.core.yaml_file import read_yaml

WIDGET_SCRIPT = STATIC_DIR / "widget" / "widget.js"
FRAME_PATH = "/chat/widget"
MIN_CONTRAST = 4.5  # WCAG 2.1 AA for normal text: the launcher's icon and the panel's title
SCRIPT_MAX_AGE_SECONDS = 300  # sites cache the script this long; new colours show within 5 minutes
_HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")

logger = logging.getLogger(__name__)
bp = Blueprint("widget")


@dataclass(frozen=True)
class WidgetColours:
    primary: str = "#0b4f6c"  # the launcher and the panel's top bar (the chat page's own blue)
    text: str = "#ffffff"  # the icon and the words on them


@dataclass(frozen=True)
class Widget:
    script: bytes  # widget.js with its configuration
    embedding_sites: tuple[str, ...]  # the origins that may frame the chat page


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


def parse_colours(raw: Any) -> WidgetColours:
    """The organisation file's `colours:` entry; the defaults for what it leaves out."""
    if raw is None:
        return WidgetColours()
    if not isinstance(raw, dict) or set(raw) - {"primary", "text"}:
        raise OrganisationConfigError("organisation file: 'colours' takes only 'primary' and 'text', e.g. primary: \"#0b4f6c\"")
    values = {}
    for key, value in raw.items():
        if not isinstance(value, str) or not _HEX.match(value.strip()):
            raise OrganisationConfigError(f"organisation file: colours.{key} '{value}' is not a colour like \"#0b4f6c\" (quoted)")
        values[key] = value.strip().lower()
    colours = WidgetColours(**values)
    ratio = contrast_ratio(colours.primary, colours.text)
    if ratio < MIN_CONTRAST:
        raise OrganisationConfigError(
            f"organisation file: colours.text {colours.text} on colours.primary {colours.primary} has a contrast of "
            f"{ratio:.1f}:1; it must be at least {MIN_CONTRAST}:1 to be readable"
        )
    return colours


def widget_configuration(config: LiveChatConfig, organisation_file: Path) -> dict[str, Any]:
    """What widget.js is called with (see the module doc)."""
    data = read_yaml(organisation_file, "organisation", OrganisationConfigError)
    organisation = parse_organisation(data)
    colours = parse_colours(data.get("colours"))
    return {
        "chat_url": config.public_url + FRAME_PATH,
        "organisation": organisation.name,
        "colours": {"primary": colours.primary, "text": colours.text},
    }


def load_widget(config: LiveChatConfig) -> Widget:
    """The widget as this service serves it; OrganisationConfigError for wrong colours,
    ConfigError (`SettingError`) naming NAADLOOS_WEBCHAT_ORIGINS for a value that is not an origin."""
    sites = EmbeddingSites.from_environment().origins
    configuration = json.dumps(widget_configuration(config, config.organisation_file), ensure_ascii=False)
    script = WIDGET_SCRIPT.read_text(encoding="utf-8").rstrip() + f"({configuration});\n"
    return Widget(script.encode("utf-8"), sites)


@bp.get("/widget.js")
async def widget_script(request: Request) -> HTTPResponse:
    widget: Widget = request.app.ctx.widget
    return raw(
        widget.script,
        content_type="application/javascript; charset=utf-8",
        headers={
            "Access-Control-Allow-Origin": "*",
            "Cross-Origin-Resource-Policy": "cross-origin",
            "Cache-Control": f"public, max-age={SCRIPT_MAX_AGE_SECONDS}",
        },
    )


# The /chat handler itself: Sanic's route decorator returns it, though its type hints say a tuple.
chat_page = cast(Callable[[Request], Awaitable[HTTPResponse]], chat)


@bp.get(FRAME_PATH)
async def framed_chat(request: Request) -> HTTPResponse:
    response = await chat_page(request)
    policy = response.headers["Content-Security-Policy"]
    response.headers["Content-Security-Policy"] = frame_ancestors(policy, request.app.ctx.widget.embedding_sites)
    return response


def register_widget(app: Sanic, config: LiveChatConfig) -> None:
    app.blueprint(bp)

    @app.before_server_start
    async def load(app: Sanic, _loop: object) -> None:
        app.ctx.widget = load_widget(config)
        if not app.ctx.widget.embedding_sites:
            logger.info("%s is not set: no website may show the chat widget (%s).", ORIGINS_VARIABLE, FRAME_PATH)
