"""Rasa's REST channel (channel name "rest", webhook ``POST /webhooks/rest/webhook``: the HTTP API,
`rasa shell`, the load tests) that never loses a message in silence.

Rasa 3.6's own `RestInput` catches every error of a turn and answers 200 with the messages collected
so far, usually none. While Redis (the lock store of config/endpoints.production.yml) is down, Rasa
cannot take the conversation's lock (LockError): the message is not in the tracker and the caller
gets ``200 []``, exactly what a turn without an answer looks like. This channel answers such a
turn with 503 and ``{"error": "message_not_received", "text": ...}``, the text the web chat shows
for the same case (`config/channel_messages.yml`: ``message_not_received``), so a caller knows
to send the message again and a front end can show the text as it is.

Everything else is Rasa's: the same request (``sender``, ``message``, optional ``metadata`` and
``input_channel``), the same answer (the bot's messages), the same streaming (``?stream=true``, used
by `rasa shell`), and a turn cut off by a timeout still answers what it collected. A request that
cannot be a message (not a JSON object, no text, a sender or metadata of the wrong type) gets 400
with a short reason instead of Rasa's 500.
"""
from __future__ import annotations

import logging
from asyncio import CancelledError
from typing import Any

import rasa.utils.endpoints
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput as RasaRestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse, ResponseStream

from naadloos.channels.customer_notices import MESSAGE_NOT_RECEIVED, channel_message
from naadloos.channels.input_channels import OnNewMessage, refuse, webhook_blueprint

logger = logging.getLogger(__name__)

NOT_RECEIVED_STATUS = 503  # the service cannot take the message now; sending it again later works


class InvalidRestMessage(ValueError):
    """A request body that cannot be a message (the text says why)."""


def message_fields(body: Any) -> tuple[str | None, str, dict[str, Any] | None]:
    """(sender, text, metadata) of a request body; InvalidRestMessage for one that is not a message."""
    if not isinstance(body, dict):
        raise InvalidRestMessage("expected a JSON object with `sender` and `message`")
    sender, text, metadata = body.get("sender"), body.get("message"), body.get("metadata")
    if sender is not None and not isinstance(sender, str):
        raise InvalidRestMessage("`sender` must be a string")
    if not isinstance(text, str):
        raise InvalidRestMessage("`message` must be a string")
    if metadata is not None and not isinstance(metadata, dict):
        raise InvalidRestMessage("`metadata` must be an object")
    return sender, text, metadata


def not_received() -> HTTPResponse:
    return response.json(
        {"error": MESSAGE_NOT_RECEIVED, "text": channel_message(MESSAGE_NOT_RECEIVED)}, status=NOT_RECEIVED_STATUS
    )


class RestInput(RasaRestInput):
    @classmethod
    def name(cls) -> str:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> RestInput:
        channel_message(MESSAGE_NOT_RECEIVED)  # a broken messages file stops Rasa now, not at an outage
        return cls()

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        webhook = webhook_blueprint(f"custom_webhook_{type(self).__name__}")

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> ResponseStream | HTTPResponse:
            try:
                sender, text, metadata = message_fields(request.json)
            except InvalidRestMessage as error:
                return refuse(400, str(error))
            except Exception:  # noqa: BLE001 - Sanic's error for a body that is not JSON
                return refuse(400, "the body is not JSON")
            input_channel = self._extract_input_channel(request)
            if rasa.utils.endpoints.bool_arg(request, "stream", default=False):
                return response.stream(
                    self.stream_response(on_new_message, text, sender, input_channel, metadata),
                    content_type="text/event-stream",
                )
            collector = CollectingOutputChannel()
            try:
                await on_new_message(UserMessage(text, collector, sender, input_channel=input_channel, metadata=metadata))
            except CancelledError:
                logger.error("REST: the turn of %r was cut off by a timeout; answering what it said so far", sender)
            except Exception:  # noqa: BLE001 - the lock store (Redis), the tracker store: never a silent loss
                logger.exception("REST: the message of %r could not be handled; answering 503", sender)
                return not_received()
            return response.json(collector.messages)

        return webhook
