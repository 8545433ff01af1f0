"""The websites that embed a chat widget talking to the web chat channel (e.g. `rasa-webchat`).

``NAADLOOS_WEBCHAT_ORIGINS`` lists their origins (comma-separated, ``https://www.example.nl``),
read and checked when Rasa creates the channel: a value that is not an origin stops Rasa at
start-up with an error that names the variable.

- **CORS.** A widget's socket.io client starts with long-polling: the browser reads the answers only
  with an ``Access-Control-Allow-Origin`` for the page, and rasa-webchat hides itself without one.
  The sites are added to Rasa's own CORS (Sanic-CORS, set up by ``rasa run --cors``) for the
  socket.io path only; the rest of Rasa (its HTTP API) keeps the origins of ``--cors``
  (``RASA_CORS_ORIGINS``, our own chat page). Rasa 3.6 offers no call for this: the rule is put in
  front of the rules Sanic-CORS keeps on the app (``app.ctx.sanic_cors.resources``, Sanic-CORS 2,
  pinned by Rasa 3.6), copying the options of the rule that covered the path (tests check it
  against Rasa's own `configure_cors`).
- **The agent's name in the text.** Widgets like rasa-webchat ignore a message's metadata, so an
  agent's words would look like the bot's. For connections from these sites the channel puts the
  agent's name in the text (``NAADLOOS_WEBCHAT_AGENT_NAME_IN_TEXT``, default true); our own chat
  page is served from the live chat's origin, not one of these, and shows the name from metadata.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from sanic import Sanic
from sanic_cors.core import try_match

from naadloos.core.environment import read_bool, read_origins

logger = logging.getLogger(__name__)

ORIGINS_VARIABLE = "NAADLOOS_WEBCHAT_ORIGINS"
AGENT_NAME_IN_TEXT_VARIABLE = "NAADLOOS_WEBCHAT_AGENT_NAME_IN_TEXT"


@dataclass(frozen=True)
class EmbeddingSites:
    origins: tuple[str, ...] = ()  # as browsers send them (naadloos.core.environment.web_origin)
    agent_name_in_text: bool = True

    @classmethod
    def from_environment(cls) -> EmbeddingSites:
        return cls(read_origins(ORIGINS_VARIABLE), read_bool(AGENT_NAME_IN_TEXT_VARIABLE, True))

    def wants_agent_name_in_text(self, origin: str) -> bool:
        """Whether a connection from the page at `origin` (its Origin header) gets the agent's name in
        the text: it comes from one of the sites and the setting is on."""
        return self.agent_name_in_text and origin.strip().rstrip("/").lower() in self.origins

    def allow_in_cors(self, app: Sanic, socketio_path: str) -> None:
        """Adds the sites to Rasa's CORS for `socketio_path` (and below it) only; see the module doc."""
        if not self.origins:
            return
        context: Any = getattr(app.ctx, "sanic_cors", None)
        if context is None:
            logger.error(
                "%s is set but this server has no CORS set up (rasa run does that): the sites cannot use the web chat.",
                ORIGINS_VARIABLE,
            )
            return
        path = "/" + socketio_path.strip("/")
        covering = next((options for pattern, options in context.resources if try_match(path + "/", pattern)), None)
        options = dict(covering if covering is not None else context.options)
        current = [origin for origin in options.get("origins") or [] if origin]
        options["origins"] = list(dict.fromkeys([*current, *self.origins]))
        context.resources.insert(0, (re.compile(rf"^{re.escape(path)}(?:/|$)"), options))
        logger.info("The web chat at %s accepts the sites %s.", path, ", ".join(self.origins))
