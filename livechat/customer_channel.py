"""How agent messages reach the customer: the `CustomerChannel` interface and its Rasa version.

`RasaCustomerChannel` appends events to the customer's Rasa tracker through Rasa's HTTP API with
``output_channel=latest&execute_side_effects=true``: Rasa records a `BotUttered` (so the tracker
holds the whole conversation) and sends it over the channel the customer last used (socket.io
for the web page; the same works for any channel with an output channel). Resuming appends a
``resume`` event followed by a short Dutch bot message and ``action_listen``: while paused, Rasa
logged no ``action_listen`` after the hand-over action, so without it the next customer message
would be read as coming right after the hand-over (and the bot would stay silent).

Every failure (refused, timeout, non-2xx) raises `DeliveryError` with a short reason; callers store
the message first, so nothing is lost, and report the failure to the agent.
"""
from __future__ import annotations

import abc
import asyncio
import logging
from typing import Any
from urllib.parse import quote

import aiohttp

logger = logging.getLogger(__name__)

RESUME_TEXT = "Je praat nu weer met de digitale assistent. Waarmee kan ik je nog helpen?"


RESOLVED_TEXT = "Onze collega heeft het gesprek afgesloten. Heb je later nog een vraag? Dan help ik je graag."


class DeliveryError(Exception):
    """The message could not be delivered to the customer (reason in str())."""


class CustomerChannel(abc.ABC):
    """Where the desk sends what the customer should see."""

    @abc.abstractmethod
    async def send_agent_message(self, conversation_id: str, text: str, agent_name: str) -> None:
        """Shows `text` from `agent_name` in the customer's chat window; raises DeliveryError."""

    @abc.abstractmethod
    async def resume_bot(self, conversation_id: str, text: str = RESUME_TEXT) -> None:
        """Hands the conversation back to the bot and tells the customer so; raises DeliveryError."""

    async def send_system_message(self, conversation_id: str, text: str) -> None:
        """A service message (queue status, alternatives) in the customer's chat window."""
        await self.send_agent_message(conversation_id, text, "")

    async def close(self) -> None:  # noqa: B027 - optional hook, deliberately not abstract
        """Releases connections; the default has none."""


class RasaCustomerChannel(CustomerChannel):
    def __init__(self, rasa_url: str, token: str = "", timeout_seconds: float = 5.0) -> None:
        self.rasa_url = rasa_url.rstrip("/")
        self.token = token
        self.timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._session: aiohttp.ClientSession | None = None  # created on first use, not at import

    def events_url(self, conversation_id: str) -> str:
        return f"{self.rasa_url}/conversations/{quote(conversation_id, safe='')}/tracker/events"

    def _params(self) -> dict[str, str]:
        params = {"output_channel": "latest", "execute_side_effects": "true"}
        if self.token:
            params["token"] = self.token
        return params

    async def _post_events(self, conversation_id: str, events: list[dict[str, Any]]) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self.timeout)
        body: Any = events[0] if len(events) == 1 else events
        try:
            async with self._session.post(self.events_url(conversation_id), params=self._params(), json=body) as reply:
                if reply.status >= 300:
                    detail = (await reply.text())[:200]
                    logger.warning("Rasa refused events for %s: %s %s", conversation_id, reply.status, detail)
                    raise DeliveryError(f"Rasa answered HTTP {reply.status}")
        except asyncio.TimeoutError as error:
            logger.warning("Rasa timed out for %s", conversation_id)
            raise DeliveryError("Rasa did not answer in time") from error
        except aiohttp.ClientError as error:
            logger.warning("Rasa unreachable for %s: %s", conversation_id, error)
            raise DeliveryError("Rasa is not reachable") from error

    async def send_agent_message(self, conversation_id: str, text: str, agent_name: str) -> None:
        await self._post_events(conversation_id, [{"event": "bot", "text": text, "metadata": {"agent": agent_name}}])

    async def send_system_message(self, conversation_id: str, text: str) -> None:
        await self._post_events(conversation_id, [{"event": "bot", "text": text, "metadata": {"livechat": "system"}}])

    async def resume_bot(self, conversation_id: str, text: str = RESUME_TEXT) -> None:
        await self._post_events(conversation_id, resume_events(text))

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def resume_events(text: str) -> list[dict[str, str]]:
    """Rasa events that give the conversation back to the bot with a short message."""
    return [{"event": "resume"}, {"event": "bot", "text": text}, {"event": "action", "name": "action_listen"}]
