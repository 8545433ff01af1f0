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
from naadloos.core.organisation import load_organisation

WIDGET_SCRIPT = STATIC_DIR / "widget" / "widget.js"
FRAME_PATH = "/chat/widget"
SCRIPT_MAX_AGE_SECONDS = 300  # sites cache the script this long; new colours show within 5 minutes

logger = logging.getLogger(__name__)
bp = Blueprint("widget")


@dataclass(frozen=True)
class Widget:
    script: bytes  # widget.js with its configuration
    embedding_sites: tuple[str, ...]  # the origins that may frame the chat page


def widget_configuration(config: LiveChatConfig, organisation_file: Path) -> dict[str, Any]:
    """What widget.js is called with (see the module doc)."""
    organisation = load_organisation(organisation_file)
    colours = organisation.colours
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
