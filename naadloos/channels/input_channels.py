"""What the providers' input channels (WhatsApp, Twilio, Telegram, Chatwoot) share: how Rasa builds
one from its `credentials.yml` entry, the health check of its blueprint, and how a webhook is refused.

- **Built from the environment.** Each channel's settings come from its environment variables;
  a key in its `credentials.yml` entry wins (`naadloos.channels.credentials`). An empty entry is
  fine: the channel is then off until the variables are set. The channel texts of
  `config/channel_messages.yml` are read first, so a broken file stops Rasa at the start, not at a
  customer's photo or the first buttons.
- **Health.** ``GET /webhooks/<channel>/`` answers ``{"status": "ok"}``, as Rasa's own channels do.
- **Refused.** A webhook that is not taken gets its status with a short JSON reason
  (``{"error": ...}``), never a traceback.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from naadloos.channels.customer_notices import media_not_supported_text

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]  # what Rasa hands a channel's blueprint
Settings = TypeVar("Settings")
Channel = TypeVar("Channel", bound=InputChannel)


def from_environment(
    channel: Callable[[Settings], Channel],
    settings: Callable[[Mapping[str, Any] | None], Settings],
    credentials: Mapping[str, Any] | None,
    *,
    wording: Sequence[Callable[[], object]] = (),
) -> Channel:
    """`channel` with its `settings` read from the environment and `credentials` (see the module
    doc), after the texts it sends: the polite reply to a file, and what `wording` reads (e.g. the
    words around numbered choices, `ChoiceWording.load`)."""
    media_not_supported_text()
    for load in wording:
        load()
    return channel(settings(credentials))


def webhook_blueprint(name: str) -> Blueprint:
    """A channel's blueprint named `name`, with the health check; Rasa mounts it under
    ``/webhooks/<channel>/``."""
    blueprint = Blueprint(name)

    @blueprint.route("/", methods=["GET"])
    async def health(_: Request) -> HTTPResponse:
        return response.json({"status": "ok"})

    return blueprint


def refuse(status: int, reason: str) -> HTTPResponse:
    """A webhook that is not taken: `status` with `reason`."""
    return response.json({"error": reason}, status=status)
