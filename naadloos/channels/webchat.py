"""The web chat's socket.io channel: Rasa's own `socketio` channel, plus the agent's name.

`credentials.yml` names this class instead of the built-in `socketio` key. It keeps the channel
name "socketio" (trackers, `output_channel=latest` and the hand-over payload see the same name)
and all of Rasa's settings (`user_message_evt`, `bot_message_evt`, `session_persistence`,
`metadata_key`, ...). Two kinds of page use it: our own chat page (livechat/static/chat) and chat
widgets on the organisation's websites, e.g. `rasa-webchat` (`naadloos.channels.webchat_sites`).

1. Messages that the live-chat service appends through the HTTP API (`output_channel=latest`)
   keep the metadata the page needs: `{"agent": "<name>"}` for an agent's words and
   `{"livechat": "system"}` for service notices. Rasa's socket.io output drops all metadata.
   Custom data goes to the page as `{"custom": ...}` (Rasa's own would fail, see below).
2. `session_request` awaits `sio.enter_room()` when it is a coroutine. Rasa 3.6 does not
   (RasaHQ/rasa#13027): from python-socketio 5.10 on, the browser would never join its session
   and no answer would arrive. requirements.in pins python-socketio 5.9 for the same reason;
   this keeps the web chat working when that pin is lifted.
3. A `user_uttered` without text is ignored: rasa-webchat sends one when it opens, unless the
   site sets `initPayload` (e.g. "/greet" for the greeting). It never reaches the bot, so it is
   never a misunderstanding that counts towards a hand-over. (Not turned into a greeting: the
   channel cannot tell a widget opening from an empty message later on, or during a hand-over.)
   The message's metadata comes from `metadata_key` (credentials.yml: rasa-webchat's
   `customData`), else from Rasa's default `metadata`; only a JSON object is kept.
4. For a widget on an embedding site, which ignores metadata, an agent's message carries the
   agent's name in the text: "**Sanne (Polderstroom):** ..." (Markdown bold; rasa-webchat
   renders Markdown). Decided per connection when it asks for its session: from one of the
   sites in NAADLOOS_WEBCHAT_ORIGINS, unless NAADLOOS_WEBCHAT_AGENT_NAME_IN_TEXT is false or the
   page says it shows the name itself (`"shows_agent_name": true` in `session_request`). Our
   own chat page comes from the live chat's origin and gets the name in the metadata only.
5. No text (bot, agent, button titles) reaches the page with a `javascript:`, `vbscript:` or
   `data:` link in it, and an image or file (``attachment``, its ``payload.src``) only with a plain
   http(s) address; one with any other link is left out (`naadloos.channels.script_links`).
6. A message the assistant could not take (its lock store or tracker store failed, e.g. Redis
   was down for a moment) gets a notice to that socket from config/channel_messages.yml, asking
   the customer to send it again: never lost without the customer knowing.
7. Several Rasa instances: with NAADLOOS_WEBCHAT_REDIS_URL the sockets are shared through Redis,
   so an agent's message reaches the customer on whichever instance the browser is connected to,
   and which sessions want the agent's name in the text (4.) is kept there too
   (`naadloos.channels.webchat_redis`; websocket transport only).
"""
from __future__ import annotations

import inspect
import json
import logging
import re
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint, Sanic

from naadloos.channels.agent_prefix import agent_name, with_agent_prefix
from naadloos.channels.customer_notices import MESSAGE_NOT_RECEIVED, channel_message
from naadloos.channels.script_links import web_link, without_script_links
from naadloos.channels.webchat_redis import SharedSockets, SharedTextNameSessions
from naadloos.channels.webchat_sites import EmbeddingSites

logger = logging.getLogger(__name__)

# Metadata keys of a bot event that the browser receives, under "metadata".
FORWARDED_METADATA = ("agent", "livechat")
# What a browser may offer as its session id (a uuid4 hex is 32 characters); anything else gets a new one.
SESSION_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
RASA_METADATA_KEY = "metadata"  # where Rasa's socket.io channel reads a message's metadata by default
SHOWS_AGENT_NAME = "shows_agent_name"  # session_request field: the page shows the agent's name from metadata
MARKDOWN_BOLD = "**"


def valid_session_id(data: Any) -> str:
    """The session id the browser asked for when it is well-formed, otherwise a new one."""
    requested = data.get("session_id") if isinstance(data, dict) else None
    if isinstance(requested, str) and SESSION_ID_PATTERN.match(requested):
        return requested
    return uuid.uuid4().hex


def forwarded_metadata(fields: dict[str, Any]) -> dict[str, Any]:
    """The page-relevant metadata among the keyword fields Rasa passes to an output channel."""
    return {key: fields[key] for key in FORWARDED_METADATA if fields.get(key)}


def message_metadata(data: dict[str, Any], metadata_key: str | None) -> dict[str, Any]:
    """A message's metadata: under `metadata_key` when the page sent it, else under Rasa's default
    key; a JSON text is read. Anything but a JSON object gives {}."""
    key = metadata_key if metadata_key and metadata_key in data else RASA_METADATA_KEY
    value = data.get(key)
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            logger.debug("Ignored %s that is not JSON.", key)
            return {}
    return value if isinstance(value, dict) else {}


def _safe_attachment(attachment: Any) -> bool:
    """Whether an attachment's address (a link, or its ``payload.src``) is a plain http(s) one."""
    if isinstance(attachment, str):
        return web_link(attachment) is not None
    payload = attachment.get("payload") if isinstance(attachment, dict) else None
    source = payload.get("src") if isinstance(payload, dict) else None
    return source is None or web_link(source) is not None


def safe_for_page(message: dict[str, Any]) -> dict[str, Any]:
    """`message` with its text and button titles free of script links, without an attachment
    whose address is not a plain http(s) one."""
    safe = dict(message)
    if "attachment" in safe and not _safe_attachment(safe["attachment"]):
        logger.warning("webchat: a file without an http(s) address is not sent to the page")
        del safe["attachment"]
    if isinstance(safe.get("text"), str):
        safe["text"] = without_script_links(safe["text"])
    if isinstance(safe.get("quick_replies"), list):
        safe["quick_replies"] = [
            {**reply, "title": without_script_links(reply["title"])}
            if isinstance(reply, dict) and isinstance(reply.get("title"), str) else reply
            for reply in safe["quick_replies"]
        ]
    return safe


class TextNameSessions:
    """The sessions (the id Rasa sends to) that a widget without metadata has open: socket id -> session.
    In the process; with several instances `naadloos.channels.webchat_redis.SharedTextNameSessions`."""

    def __init__(self) -> None:
        self.sockets: dict[str, str] = {}

    async def update(self, sid: str, session: str, name_in_text: bool) -> None:
        if name_in_text:
            self.sockets[sid] = session
        else:
            self.sockets.pop(sid, None)

    async def discard(self, sid: str) -> None:
        self.sockets.pop(sid, None)

    async def contains(self, session: str) -> bool:
        return session in self.sockets.values()


async def _never(_: str) -> bool:
    return False


class WebChatOutput(SocketIOOutput):
    """Socket.io output that adds `metadata` (agent name, service notice) to text messages, the
    agent's name to the text for pages that ignore metadata, and removes script links."""

    def __init__(self, sio: Any, bot_message_evt: str, name_in_text: Callable[[str], Awaitable[bool]] = _never) -> None:
        super().__init__(sio, bot_message_evt)
        self.name_in_text = name_in_text

    async def _send_message(self, socket_id: str, response: Any) -> None:
        if isinstance(response, dict):
            safe = safe_for_page(response)
            if response and not safe:
                return  # it held only a file with an unsafe address: nothing left to send
            response = safe
        await super()._send_message(socket_id, response)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        metadata = forwarded_metadata(kwargs)
        if agent_name(kwargs) and await self.name_in_text(recipient_id):
            text = with_agent_prefix(text, kwargs, bold=MARKDOWN_BOLD)
        extra = {"metadata": metadata} if metadata else {}
        for part in text.strip().split("\n\n"):
            await self._send_message(recipient_id, {"text": part, **extra})

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        """Custom data for the page (e.g. the hand-over's wait status). In Rasa's convention, which
        its own socket.io output requires (a project that names Rasa's `socketio` channel), the
        event's data is under `data`: `{"data": {"custom": ...}}`. Any other dict is sent as
        `{"custom": ...}`, where Rasa's own output would fail on a key `emit()` does not know."""
        data = json_message.get("data")
        await self._send_message(recipient_id, data if isinstance(data, dict) else {"custom": json_message})


class WebChatInput(SocketIOInput):
    """Rasa's socket.io input channel with the additions in the module doc."""

    def __init__(
        self, *args: Any, sites: EmbeddingSites | None = None, shared: SharedSockets | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.sites = sites or EmbeddingSites()
        self.shared = shared or SharedSockets()
        self.text_name_sessions: TextNameSessions | SharedTextNameSessions = TextNameSessions()

    @classmethod
    def name(cls) -> str:
        return "socketio"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> WebChatInput:
        """Rasa's settings from credentials.yml; the embedding sites and the Redis that several
        instances share from the environment, checked now, so a mistake stops Rasa at start-up
        (an error naming the variable)."""
        channel = super().from_credentials(credentials)
        assert isinstance(channel, cls)
        channel.sites = EmbeddingSites.from_environment()
        channel.shared = SharedSockets.from_environment()
        return channel

    def output(self) -> WebChatOutput:
        assert self.sio is not None
        return WebChatOutput(self.sio, self.bot_message_evt, self.text_name_sessions.contains)

    def get_output_channel(self) -> OutputChannel | None:
        if self.sio is None:
            return super().get_output_channel()
        return self.output()

    def user_message(self, sid: str, data: Any) -> UserMessage | None:
        """The message for the bot in a `user_uttered` event; None for one to ignore (see module doc)."""
        if not isinstance(data, dict):
            logger.debug("Ignored a %s from socket %r that is not an object.", self.user_message_evt, sid)
            return None
        text = data.get("message")
        if not isinstance(text, str) or not text.strip():
            logger.debug("Ignored a %s without text from socket %r (a widget opening).", self.user_message_evt, sid)
            return None
        if self.session_persistence:
            session_id = data.get("session_id")
            if not isinstance(session_id, str) or not session_id:
                logger.warning("Ignored a message without a session id from socket %r: ask one with session_request.", sid)
                return None
            sender_id = session_id
        else:
            sender_id = sid
        metadata = message_metadata(data, self.metadata_key)
        return UserMessage(text, self.output(), sender_id, input_channel=self.name(), metadata=metadata)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        socket_blueprint = super().blueprint(on_new_message)
        sio = self.sio
        assert sio is not None  # set by super().blueprint()
        self.shared.apply(sio)
        if self.shared.enabled:
            self.text_name_sessions = self.shared.text_name_sessions()

        @socket_blueprint.listener("before_server_start")
        async def allow_embedding_sites(app: Sanic, _: Any) -> None:
            self.sites.allow_in_cors(app, self.socketio_path or "/socket.io")

        # Registering an event again replaces Rasa's handler.
        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: str, data: Any) -> None:
            session_id = valid_session_id(data)
            if self.session_persistence:
                joined = sio.enter_room(sid, session_id, namespace=self.namespace)
                if inspect.isawaitable(joined):
                    await joined
            environ = sio.get_environ(sid, namespace=self.namespace) or {}
            shows_name = isinstance(data, dict) and data.get(SHOWS_AGENT_NAME) is True
            name_in_text = not shows_name and self.sites.wants_agent_name_in_text(environ.get("HTTP_ORIGIN", ""))
            await self.text_name_sessions.update(sid, session_id if self.session_persistence else sid, name_in_text)
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)
            logger.debug("Socket %r joined session %r.", sid, session_id)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: str, data: Any) -> None:
            message = self.user_message(sid, data)
            if message is None:
                return
            try:
                await on_new_message(message)
            except Exception:  # noqa: BLE001 - the lock store (Redis), the tracker store: never a silent loss
                logger.exception("Web chat: the message of %r could not be handled; asking the customer to send it again",
                                 message.sender_id)
                # To this socket only, past the Redis manager: that may be what is down.
                await sio.emit(self.bot_message_evt, {"text": channel_message(MESSAGE_NOT_RECEIVED)}, room=sid,
                               namespace=self.namespace, ignore_queue=True)

        @sio.on("disconnect", namespace=self.namespace)
        async def disconnect(sid: str) -> None:
            await self.text_name_sessions.discard(sid)
            logger.debug("Socket %r disconnected.", sid)

        return socket_blueprint
