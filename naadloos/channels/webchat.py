"""The web chat's socket.io channel: Rasa's own `socketio` channel, plus the agent's name.

`credentials.yml` names this class instead of the built-in `socketio` key. It keeps the channel
name "socketio" (trackers, `output_channel=latest` and the hand-over payload see the same name)
and all of Rasa's settings (`user_message_evt`, `bot_message_evt`, `session_persistence`, ...).

1. Messages that the live-chat service appends through the HTTP API (`output_channel=latest`)
   keep the metadata the page needs: `{"agent": "<name>"}` for an agent's words and
   `{"livechat": "system"}` for service notices. Rasa's socket.io output drops all metadata.
   Custom data goes to the page as `{"custom": ...}` (Rasa's own would fail, see below).
2. `session_request` awaits `sio.enter_room()` when it is a coroutine. Rasa 3.6 does not
   (RasaHQ/rasa#13027): from python-socketio 5.10 on, the browser would never join its session
   and no answer would arrive. requirements.in pins python-socketio 5.9 for the same reason;
   this keeps the web chat working when that pin is lifted.
"""
from __future__ import annotations

import inspect
import logging
import re
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint

logger = logging.getLogger(__name__)

# Metadata keys of a bot event that the browser receives, under "metadata".
FORWARDED_METADATA = ("agent", "livechat")
# What a browser may offer as its session id (a uuid4 hex is 32 characters); anything else gets a new one.
SESSION_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def valid_session_id(data: Any) -> str:
    """The session id the browser asked for when it is well-formed, otherwise a new one."""
    requested = data.get("session_id") if isinstance(data, dict) else None
    if isinstance(requested, str) and SESSION_ID_PATTERN.match(requested):
        return requested
    return uuid.uuid4().hex


def forwarded_metadata(fields: dict[str, Any]) -> dict[str, Any]:
    """The page-relevant metadata among the keyword fields Rasa passes to an output channel."""
    return {key: fields[key] for key in FORWARDED_METADATA if fields.get(key)}


class WebChatOutput(SocketIOOutput):
    """Socket.io output that adds `metadata` (agent name, service notice) to text messages."""

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        metadata = forwarded_metadata(kwargs)
        if not metadata:
            await super().send_text_message(recipient_id, text, **kwargs)
            return
        for part in text.strip().split("\n\n"):
            await self._send_message(recipient_id, {"text": part, "metadata": metadata})


    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        """Custom data for the page (e.g. the hand-over's wait status). In Rasa's convention, which
        its own socket.io output (used for the replies to a customer's message) requires, the
        event's data is under `data`: `{"data": {"custom": ...}}`. Any other dict is sent as
        `{"custom": ...}`, where Rasa's own output would fail on a key `emit()` does not know."""
        data = json_message.get("data")
        await self._send_message(recipient_id, data if isinstance(data, dict) else {"custom": json_message})


class WebChatInput(SocketIOInput):
    """Rasa's socket.io input channel with a working `session_persistence` (see module doc)."""

    @classmethod
    def name(cls) -> str:
        return "socketio"

    def get_output_channel(self) -> OutputChannel | None:
        if self.sio is None:
            return super().get_output_channel()
        return WebChatOutput(self.sio, self.bot_message_evt)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        socket_blueprint = super().blueprint(on_new_message)
        sio = self.sio
        assert sio is not None  # set by super().blueprint()

        # Registering the event again replaces Rasa's handler.
        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: str, data: Any) -> None:
            session_id = valid_session_id(data)
            if self.session_persistence:
                joined = sio.enter_room(sid, session_id, namespace=self.namespace)
                if inspect.isawaitable(joined):
                    await joined
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)
            logger.debug("Socket %r joined session %r.", sid, session_id)

        return socket_blueprint
