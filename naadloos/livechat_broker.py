"""Rasa event broker that carries what the customer types to the live-chat agent desk.

While a colleague has the conversation, Rasa is paused: it still records every user message in the
tracker (and publishes it to the event broker) but does not answer. This broker forwards each
customer message to the live-chat service, which shows it to the agent live. The service answers
404 for conversations without an open hand-over; those messages are simply the bot's own business.

Configured in endpoints.yml:

    event_broker:
      type: naadloos.livechat_broker.LiveChatEventBroker
      url: ${LIVECHAT_URL}
"""
from __future__ import annotations

import asyncio
import logging
from asyncio import AbstractEventLoop
from typing import Any
from urllib.parse import quote

from rasa.core.brokers.broker import EventBroker
from rasa.utils.endpoints import EndpointConfig

from livechat.config import load_shared_secret
from naadloos.livechat_client import TIMEOUT_SECONDS, LiveChatClient, LiveChatRejected, LiveChatUnavailable
from naadloos.settings import Settings

logger = logging.getLogger(__name__)

NO_OPEN_HANDOVER = 404


class LiveChatEventBroker(EventBroker):
    def __init__(self, client: LiveChatClient) -> None:
        self._client = client
        self._deliveries: set[asyncio.Task] = set()
        self._outage_reported = False

    @classmethod
    async def from_endpoint_config(
        cls, broker_config: EndpointConfig, event_loop: AbstractEventLoop | None = None
    ) -> LiveChatEventBroker:
        url = broker_config.url or Settings.from_environment().livechat_url
        return cls(LiveChatClient(url, load_shared_secret(), TIMEOUT_SECONDS))

    def publish(self, event: dict[str, Any]) -> None:
        """Called by Rasa for every new tracker event; only customer messages go to the desk."""
        if event.get("event") != "user" or not event.get("text") or not event.get("sender_id"):
            return
        delivery = asyncio.get_event_loop().create_task(self.forward(event))
        self._deliveries.add(delivery)
        delivery.add_done_callback(self._deliveries.discard)

    async def forward(self, event: dict[str, Any]) -> bool:
        """Posts one customer message; returns whether an agent desk took it."""
        conversation = quote(str(event["sender_id"]), safe="")
        message_id = event.get("message_id") or f"{event['sender_id']}-{event.get('timestamp')}"
        try:
            await self._client.post(
                f"/api/conversations/{conversation}/messages", {"text": event["text"], "message_id": str(message_id)}
            )
        except LiveChatRejected as rejection:
            self._outage_reported = False
            if rejection.status != NO_OPEN_HANDOVER:
                logger.error("live-chat service rejected a customer message: %s", rejection)
            return False
        except LiveChatUnavailable as error:
            # The message is still in the Rasa tracker store; only the live view on the desk misses it.
            log = logger.debug if self._outage_reported else logger.warning
            log("customer messages are not reaching the live-chat service: %s", error)
            self._outage_reported = True
            return False
        self._outage_reported = False
        return True

    async def close(self) -> None:
        """Lets deliveries under way finish before Rasa shuts down."""
        if self._deliveries:
            await asyncio.gather(*self._deliveries, return_exceptions=True)
