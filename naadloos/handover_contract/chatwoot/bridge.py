"""The webhook receiver for Chatwoot: `create_app(settings) -> Sanic`, started by
``python -m naadloos.handover_contract.chatwoot``.

Routes:

- ``POST /chatwoot/webhook``: signed webhooks (Chatwoot 4.13 and later; `webhook_signing`);
- ``POST /chatwoot/webhook/<token>``: unsigned webhooks of older versions, with the long random
  token of ``CHATWOOT_WEBHOOK_TOKEN`` in the URL (weaker; see `webhook_signing`);
- ``GET /health``: 200 ``{"status": "ok"}`` when the links file can be read and written, else 503.

What a webhook does, after it passed the check (401 otherwise) and was parsed (400 for anything
that is not a JSON object with the fields used):

- the same delivery again: 200 ``{"status": "duplicate"}``, nothing done a second time;
- ``message_created`` of our account and inbox, ``message_type`` ``outgoing`` and ``private``
  false, in a conversation that is an open hand-over: the text reaches the customer's chat
  through Rasa's HTTP API with the agent's name (``{"status": "relayed"}``). Private notes,
  incoming messages (also the ones the back end posts for the customer) and other kinds never do.
  A public reply in a conversation that is not (or no longer) an open hand-over answers 409
  ``not_in_handover`` (for the inbox's own webhook Chatwoot then marks it as not delivered);
- ``conversation_status_changed`` to ``resolved`` (or ``conversation_resolved``) of an open
  hand-over: the conversation goes back to the bot, exactly as when an agent closes it in the
  built-in desk as solved (the resolved text, then the satisfaction question when the hand-over
  request asked for it, never after a death or a crisis; both responses in domain.yml, read and
  checked when the receiver starts): ``{"status": "back_to_bot"}``;
- anything else: 200 ``{"status": "ignored"}``, also everything about a conversation in which
  Chatwoot is the customer's front door (the `chatwoot` channel): the agents write to the
  customer there directly, and the channel gives the conversation back to the bot.

When Rasa cannot be reached, the answer is 503 and the delivery is forgotten, so Chatwoot's retry
(or the agent sending again) is processed; a message whose earlier attempt may have arrived is
first looked up in Rasa's tracker by its key, so it is not shown twice.
"""
from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sanic import Sanic
from sanic.exceptions import SanicException
from sanic.handlers import ErrorHandler
from sanic.request import Request
from sanic.response import HTTPResponse
from sanic.response import json as json_response

from naadloos.core.domain_responses import DOMAIN_FILE, CustomerWording
from naadloos.core.settings import current_organisation
from naadloos.handover_contract import satisfaction
from naadloos.handover_contract.chatwoot.links import HANDOVER, ChatwootLinks, Link, front_door_conversation
from naadloos.handover_contract.chatwoot.settings import ChatwootSettings
from naadloos.handover_contract.chatwoot.webhook_signing import (
    TOKEN_REPLAY_SECONDS,
    WebhookRejected,
    delivery_key,
    token_matches,
    verify_signed,
)
from naadloos.handover_contract.customer_channel import (
    RESOLVED_RESPONSE,
    RESUME_RESPONSES,
    SATISFACTION_RESPONSE,
    CustomerChannel,
    DeliveryError,
    RasaCustomerChannel,
)

logger = logging.getLogger(__name__)

DEFAULT_NAME = "naadloos_chatwoot_bridge"
WEBHOOK_PATH = "/chatwoot/webhook"
MAX_BODY_BYTES = 1_000_000
RASA_TIMEOUT_SECONDS = 5.0
MESSAGE_CREATED = "message_created"
STATUS_CHANGED = "conversation_status_changed"
RESOLVED_EVENT = "conversation_resolved"
RESOLVED = "resolved"


class BadWebhook(ValueError):
    """A verified webhook without the fields we use, in the shape we expect (answer 400)."""


def _error(status: int, code: str, message: str) -> HTTPResponse:
    return json_response({"error": code, "message": message}, status=status)


class _JsonErrors(ErrorHandler):
    """Unknown routes, wrong methods, too large bodies: JSON; anything unexpected: a bare 500."""

    def default(self, request: Request, exception: Exception) -> HTTPResponse:
        status = int(getattr(exception, "status_code", 500) or 500) if isinstance(exception, SanicException) else 500
        if status >= 500:
            logger.error("error while handling a Chatwoot webhook", exc_info=exception)
            return _error(500, "internal_error", "internal error")
        return _error(status, "bad_request" if status == 400 else "error", str(exception) or "request refused")


def _object(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise BadWebhook(f"{what} is not a JSON object")
    return value


def _id(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadWebhook(f"{what} is missing or not a whole number")
    return value


def _part(event: dict[str, Any], key: str) -> dict[str, Any]:
    """An optional object of the webhook (`account`, `inbox`, `sender`); {} when absent or not one."""
    value = event.get(key)
    return value if isinstance(value, dict) else {}


def parse_event(body: bytes) -> dict[str, Any]:
    """The webhook as a dict with a string `event`; `BadWebhook` otherwise."""
    try:
        event = json.loads(body)
    except (ValueError, RecursionError) as error:  # UnicodeDecodeError is a ValueError
        raise BadWebhook("body is not valid JSON") from error
    event = _object(event, "body")
    if not isinstance(event.get("event"), str):
        raise BadWebhook("event is missing")
    return event


class WebhookHandler:
    """Turns one verified Chatwoot event into what the customer sees."""

    def __init__(self, settings: ChatwootSettings, links: ChatwootLinks, channel: CustomerChannel) -> None:
        self._settings = settings
        self._links = links
        self._channel = channel
        self.wording: CustomerWording | None = None  # read when the receiver starts

    def _text(self, response: str) -> str:
        if self.wording is None:
            raise RuntimeError("wording not loaded: the receiver has not started")
        return self.wording.text(response, datetime.now(timezone.utc))

    async def handle(self, event: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        name = event["event"]
        if name == MESSAGE_CREATED:
            return await self._message(event)
        if name in (STATUS_CHANGED, RESOLVED_EVENT):
            return await self._status(event, resolved=name == RESOLVED_EVENT)
        return 200, {"status": "ignored"}

    def _ours(self, account_id: Any, inbox_id: Any) -> bool:
        return account_id in (None, self._settings.account_id) and inbox_id == self._settings.inbox_id

    def _bridged(self, conversation_id: int) -> Link | None:
        """The conversation's link, unless there is none or Chatwoot is its front door."""
        link = self._links.link(conversation_id)
        if link is None or front_door_conversation(link.sender_id, self._settings.account_id) is not None:
            return None
        return link

    async def _message(self, event: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        conversation = _object(event.get("conversation"), "conversation")
        conversation_id = _id(conversation.get("id"), "conversation.id")
        message_id = _id(event.get("id"), "id")
        account = _part(event, "account")
        inbox = _part(event, "inbox")
        if not self._ours(account.get("id"), inbox.get("id", conversation.get("inbox_id"))):
            return 200, {"status": "ignored"}
        # Only a public reply of a person: never a private note, never the customer's own message.
        if event.get("message_type") != "outgoing" or event.get("private") is not False:
            return 200, {"status": "ignored"}
        content = event.get("content")
        if not isinstance(content, str) or not content.strip():
            return 200, {"status": "ignored"}  # an attachment alone: not shown in the web chat
        link = self._bridged(conversation_id)
        if link is None:
            return 200, {"status": "ignored"}
        if link.kind != HANDOVER or not link.open:
            return 409, {"error": "not_in_handover", "message": "this conversation is not with an agent (any more)"}
        sender = _part(event, "sender")
        agent = sender.get("available_name") or sender.get("name") or ""
        key = f"chatwoot-{self._settings.account_id}-{message_id}"
        earlier_attempts = self._links.count_relay_attempt(key)
        if earlier_attempts and await self._channel.delivered(link.sender_id, key):
            return 200, {"status": "relayed"}
        await self._channel.send_agent_message(link.sender_id, content, str(agent), key)
        return 200, {"status": "relayed"}

    async def _status(self, event: dict[str, Any], resolved: bool) -> tuple[int, dict[str, Any]]:
        conversation_id = _id(event.get("id"), "id")
        if not self._ours(None, event.get("inbox_id")):
            return 200, {"status": "ignored"}
        if not resolved and event.get("status") != RESOLVED:
            return 200, {"status": "ignored"}
        link = self._bridged(conversation_id)
        if link is None or link.kind != HANDOVER:
            return 200, {"status": "ignored"}
        if not self._links.close(conversation_id):
            return 200, {"status": "already_back"}
        try:
            ask = satisfaction.asks_satisfaction(satisfaction.RESOLVED, link.ask_satisfaction)
            question = self._text(SATISFACTION_RESPONSE) if ask else None
            await self._channel.resume_bot(link.sender_id, self._text(RESOLVED_RESPONSE), satisfaction_question=question)
        except BaseException:
            self._links.reopen(conversation_id)  # tried again with Chatwoot's retry
            raise
        return 200, {"status": "back_to_bot"}


def create_app(
    settings: ChatwootSettings,
    *,
    rasa_token: str = "",
    channel: CustomerChannel | None = None,
    clock: Callable[[], float] = time.time,
    name: str = DEFAULT_NAME,
    domain_file: Path = DOMAIN_FILE,
) -> Sanic:
    """The receiver. `channel` and `clock` can be replaced (tests, another way to the customer)."""
    app = Sanic(name, error_handler=_JsonErrors(), configure_logging=False)
    app.config.REQUEST_MAX_SIZE = MAX_BODY_BYTES
    app.config.FALLBACK_ERROR_FORMAT = "json"
    links = ChatwootLinks(settings.links_db)
    customer_channel = channel or RasaCustomerChannel(settings.rasa_url, rasa_token, RASA_TIMEOUT_SECONDS)
    handler = WebhookHandler(settings, links, customer_channel)

    @app.get("/health")
    async def health(request: Request) -> HTTPResponse:
        try:
            links.check()
        except (sqlite3.Error, OSError) as problem:
            logger.warning("health check failed: %r", str(problem))
            return json_response({"status": "error", "reason": "database"}, status=503)
        return json_response({"status": "ok"})

    async def process(request: Request, expires_at: float) -> HTTPResponse:
        try:
            event = parse_event(request.body)
        except BadWebhook as bad:
            return _error(400, "bad_request", str(bad))
        delivery = delivery_key(request.headers, request.body)
        if not links.claim_delivery(delivery, expires_at, clock()):
            return json_response({"status": "duplicate"})
        try:
            status, body = await handler.handle(event)
        except BadWebhook as bad:
            links.release_delivery(delivery)
            return _error(400, "bad_request", str(bad))
        except DeliveryError as error:
            links.release_delivery(delivery)
            return _error(503, "rasa_unavailable", f"the customer could not be reached: {error}")
        except Exception:
            links.release_delivery(delivery)
            raise
        return json_response(body, status=status)

    @app.post(WEBHOOK_PATH)
    async def signed_webhook(request: Request) -> HTTPResponse:
        if not settings.webhook_secret:
            return _error(404, "not_found", "signed webhooks are not configured (CHATWOOT_WEBHOOK_SECRET)")
        now = clock()
        try:
            timestamp = verify_signed(
                settings.webhook_secret, request.headers, request.body, now, settings.webhook_window_seconds
            )
        except WebhookRejected as rejection:
            logger.warning("Chatwoot webhook refused: %s", rejection)
            return _error(401, "unauthorized", str(rejection))
        return await process(request, timestamp + settings.webhook_window_seconds)

    @app.post(f"{WEBHOOK_PATH}/<token:str>")
    async def token_webhook(request: Request, token: str) -> HTTPResponse:
        if not token_matches(settings.webhook_token, token):
            logger.warning("Chatwoot webhook refused: wrong or no URL token")
            return _error(401, "unauthorized", "invalid token")
        return await process(request, clock() + TOKEN_REPLAY_SECONDS)

    @app.before_server_start
    async def read_wording(app: Sanic, _loop: Any) -> None:
        """What the customer reads when the conversation comes back; a missing response stops the start."""
        needs = {response: () for response in RESUME_RESPONSES}
        handler.wording = CustomerWording.load(needs, current_organisation().response_slots, domain_file)

    @app.after_server_stop
    async def stop(app: Sanic, _loop: Any) -> None:
        await customer_channel.close()

    return app
