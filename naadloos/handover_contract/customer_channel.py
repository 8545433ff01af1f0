"""How messages from people reach the customer: the `CustomerChannel` interface and its Rasa
version, shared by every live-chat back end (the built-in desk, the Chatwoot bridge).

`RasaCustomerChannel` appends events to the customer's Rasa tracker through Rasa's HTTP API with
``output_channel=latest&execute_side_effects=true``: Rasa records a `BotUttered` (so the tracker
holds the whole conversation) and sends it over the channel the customer last used (socket.io
for the web page; the same works for any channel with an output channel). Resuming appends a
``resume`` event followed by a short bot message and ``action_listen``: while paused, Rasa
logged no ``action_listen`` after the hand-over action, so without it the next customer message
would be read as coming right after the hand-over (and the bot would stay silent). After a
conversation closed as solved the resume also asks how satisfied the customer is, as the bot's own
feedback question (`naadloos.handover_contract.satisfaction`): the bot's rules take the answer.
The words are responses in domain.yml (`RESUME_RESPONSES`), which the caller reads at start-up
and fills (`naadloos.core.domain_responses.CustomerWording`) and passes in.

Every failure (refused, timeout, non-2xx) raises `DeliveryError` with a short reason; callers keep
the message, so nothing is lost, and retry it. A message is sent with its `delivery_key` in the
event's metadata, so after an unknown outcome (a timeout, a crash between sending and recording)
`delivered()` can read Rasa's tracker to see whether it arrived: the message is then never sent
twice. An outage is logged once when it starts (warning) and once when it ends (info), not once
per call.

The built-in desk imports it as `livechat.customer_channel` (a re-export of this module).
"""
from __future__ import annotations

import abc
import asyncio
import logging
from typing import Any
from urllib.parse import quote

import aiohttp

from naadloos.handover_contract import satisfaction

logger = logging.getLogger(__name__)

DELIVERY_KEY = "livechat_delivery"  # metadata field of a bot event with the stored message's key

# What the customer reads when a person gives the conversation back (responses in domain.yml).
BACK_TO_BOT_RESPONSE = "utter_handover_back_to_bot"  # handed back to the assistant
RESOLVED_RESPONSE = "utter_handover_resolved"  # closed as solved (or, in Chatwoot, resolved)
SATISFACTION_RESPONSE = "utter_handover_satisfaction_ask"  # after solved, unless a death or a crisis
RESUME_RESPONSES = (BACK_TO_BOT_RESPONSE, RESOLVED_RESPONSE, SATISFACTION_RESPONSE)


class DeliveryError(Exception):
    """The message could not be delivered to the customer (reason in str())."""


class CustomerChannel(abc.ABC):
    """Where the desk sends what the customer should see."""

    @abc.abstractmethod
    async def send_agent_message(
        self, conversation_id: str, text: str, agent_name: str, delivery_key: str | None = None
    ) -> None:
        """Shows `text` from `agent_name` in the customer's chat window; raises DeliveryError."""

    @abc.abstractmethod
    async def resume_bot(self, conversation_id: str, text: str, satisfaction_question: str | None = None) -> None:
        """Hands the conversation back to the bot and tells the customer so with `text`, then asks
        `satisfaction_question` (how satisfied they are) when one is given; raises DeliveryError."""

    async def send_system_message(self, conversation_id: str, text: str, delivery_key: str | None = None) -> None:
        """A service message (queue status, alternatives) in the customer's chat window."""
        await self.send_agent_message(conversation_id, text, "", delivery_key)

    async def delivered(self, conversation_id: str, delivery_key: str) -> bool:
        """Whether a message sent with `delivery_key` already reached the customer; raises
        DeliveryError when that cannot be known now. A channel that cannot look back answers
        False: after an unknown outcome it may then show a message twice."""
        return False

    async def close(self) -> None:  # noqa: B027 - optional hook, deliberately not abstract
        """Releases connections; the default has none."""


# Characters allowed as they are in a URL path (RFC 3986 "pchar" and "/"). Rasa's routes take the
# conversation id from the raw path without decoding it, so "whatsapp:+316..." sent as
# "whatsapp%3A%2B316..." would reach another, empty conversation.
PATH_SAFE = "/:@!$&'()*+,;="


def conversation_path(conversation_id: str) -> str:
    """The conversation id as Rasa's `/conversations/<conversation_id:path>` routes read it."""
    return quote(conversation_id, safe=PATH_SAFE)


class RasaCustomerChannel(CustomerChannel):
    def __init__(self, rasa_url: str, token: str = "", timeout_seconds: float = 5.0) -> None:
        self.rasa_url = rasa_url.rstrip("/")
        self.token = token
        self.timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._session: aiohttp.ClientSession | None = None  # created on first use, not at import
        self._down = False  # in an outage: logged when it starts and when it ends, not per call

    def events_url(self, conversation_id: str) -> str:
        return f"{self.rasa_url}/conversations/{conversation_path(conversation_id)}/tracker/events"

    def tracker_url(self, conversation_id: str) -> str:
        return f"{self.rasa_url}/conversations/{conversation_path(conversation_id)}/tracker"

    def _params(self, **extra: str) -> dict[str, str]:
        params = dict(extra)
        if self.token:
            params["token"] = self.token
        return params

    async def _call(self, method: str, url: str, params: dict[str, str], body: Any = None) -> Any:
        """One call to Rasa: its JSON answer, or DeliveryError; logs an outage once."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self.timeout)
        try:
            async with self._session.request(method, url, params=params, json=body) as reply:
                if reply.status >= 300:
                    detail = (await reply.text())[:200]
                    raise self._failed(f"Rasa answered HTTP {reply.status}", f"{detail!r}")
                answer = await reply.json(content_type=None) if method == "GET" else None
        except asyncio.TimeoutError as error:
            raise self._failed("Rasa did not answer in time") from error
        except (aiohttp.ClientError, ValueError) as error:
            raise self._failed("Rasa is not reachable", str(error)) from error
        if self._down:
            self._down = False
            logger.info("Rasa is reachable again: customer deliveries continue")
        return answer

    def _failed(self, reason: str, detail: str = "") -> DeliveryError:
        if not self._down:
            self._down = True
            logger.warning("Rasa outage: %s %s; messages for customers wait and are retried", reason, detail)
        else:
            logger.debug("Rasa still failing: %s %s", reason, detail)
        return DeliveryError(reason)

    async def _post_events(self, conversation_id: str, events: list[dict[str, Any]]) -> None:
        body: Any = events[0] if len(events) == 1 else events
        params = self._params(output_channel="latest", execute_side_effects="true")
        await self._call("POST", self.events_url(conversation_id), params, body)

    async def send_agent_message(
        self, conversation_id: str, text: str, agent_name: str, delivery_key: str | None = None
    ) -> None:
        await self._post_events(conversation_id, [_bot_event(text, {"agent": agent_name}, delivery_key)])

    async def send_system_message(self, conversation_id: str, text: str, delivery_key: str | None = None) -> None:
        await self._post_events(conversation_id, [_bot_event(text, {"livechat": "system"}, delivery_key)])

    async def delivered(self, conversation_id: str, delivery_key: str) -> bool:
        tracker = await self._call("GET", self.tracker_url(conversation_id), self._params())
        events = tracker.get("events") if isinstance(tracker, dict) else None
        if not isinstance(events, list):
            raise DeliveryError("Rasa's tracker could not be read")
        return any(
            isinstance(event, dict) and event.get("event") == "bot"
            and isinstance(event.get("metadata"), dict) and event["metadata"].get(DELIVERY_KEY) == delivery_key
            for event in events
        )

    async def resume_bot(self, conversation_id: str, text: str, satisfaction_question: str | None = None) -> None:
        await self._post_events(conversation_id, resume_events(text, satisfaction_question))

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def _bot_event(text: str, metadata: dict[str, str], delivery_key: str | None) -> dict[str, Any]:
    if delivery_key is not None:
        metadata = {**metadata, DELIVERY_KEY: delivery_key}
    return {"event": "bot", "text": text, "metadata": metadata}


def resume_events(text: str, satisfaction_question: str | None = None) -> list[dict[str, Any]]:
    """Rasa events that give the conversation back to the bot with a short message, and then,
    when one is given, the satisfaction question with a button per score."""
    question = satisfaction_events(satisfaction_question) if satisfaction_question is not None else []
    return [{"event": "resume"}, {"event": "bot", "text": text}, *question, {"event": "action", "name": "action_listen"}]


def satisfaction_events(question: str) -> list[dict[str, Any]]:
    """The question as the bot's feedback question: the action, then its message with buttons."""
    buttons = [{"title": str(score), "payload": satisfaction.payload(score)} for score in satisfaction.SCORES]
    return [
        {"event": "action", "name": satisfaction.QUESTION_ACTION},
        {
            "event": "bot",
            "text": question,
            "data": {"buttons": buttons},
            "metadata": dict(satisfaction.METADATA),
        },
    ]
