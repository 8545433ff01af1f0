"""Rasa event broker that carries what the customer types to the person who has the conversation.

While a colleague has the conversation, Rasa is paused: it still records every user message in the
tracker (and publishes it to the event broker) but does not answer. This broker forwards those
customer messages through the configured live-chat back end (`NAADLOOS_HANDOVER_BACKEND`: the
built-in desk, or Chatwoot), which shows them to the agent live. When the back end is briefly
down, the messages wait in the local outbox (`naadloos.handover_contract.outbox`) and reach the
agent after the outage, in order and once each.

Only conversations that are (or may be) handed over are forwarded. The broker keeps, per
conversation, whether the back end may have an open hand-over for it (`HandoverStates`), from the
events it is given and the back end's answers: `pause` (the hand-over action's `ConversationPaused`, emitted once the back
end accepted the hand-over) means yes; `resume` (the back end gives the conversation back through
Rasa's API, after it closed the hand-over) means no. A conversation without a hand-over costs
nothing here once that is known: no outbox write, no request.

When the broker knows nothing about a conversation, it forwards: after a restart of Rasa (the live
chat still holds its open hand-overs, and the kept trackers are still paused), for a conversation
pushed out of the bounded memory, and for the first message of a new conversation. Losing what
a customer types to a waiting colleague is worse than a needless request. The back end's answer
settles it: 404 (no open hand-over) makes the conversation the bot's, an accepted message a
person's; an event seen while the message travelled wins over the answer. So the cost is one
forwarded message per new conversation instead of every message, and nothing typed during a
hand-over is lost to a restart (also not with the in-memory tracker store, where Rasa itself
forgets the pause and the bot answers too, as it did before this filter). `restart` and
`session_started` do unpause Rasa, but they say nothing about the back end (an agent may still be
waiting), so they change nothing here; a conversation the back end closed is given back with
`resume`. The state lives in this process: run one Rasa process (as the in-memory lock
store of endpoints.yml requires anyway); a second one that had learned "no hand-over" for a
conversation and did not see its `pause` would keep that conversation's messages.

`publish()` is called by Rasa inside its event loop for every event, so it only looks at the event
and, for a conversation to forward, appends the message to a bounded queue in memory. A background
task writes that queue to the outbox (in a worker thread), another delivers the outbox. What is
lost when Rasa is killed: only messages not yet written (milliseconds); a normal stop (`close()`)
writes them first. When the queue is full (the outbox cannot be written for a long time) new
messages are dropped with an error in the log; they stay in Rasa's tracker. No error is ever
raised into Rasa.

Configured in endpoints.yml (the URL is the built-in desk's; other back ends have their own settings):

    event_broker:
      type: naadloos.handover_contract.event_broker.LiveChatEventBroker
      url: ${LIVECHAT_URL}
"""
from __future__ import annotations

import asyncio
import logging
from asyncio import AbstractEventLoop
from collections import OrderedDict, deque
from typing import Any

from rasa.core.brokers.broker import EventBroker
from rasa.utils.endpoints import EndpointConfig

from naadloos.core.backoff import Backoff
from naadloos.handover_contract.backend import HandoverBackend, handover_backend_from_settings
from naadloos.handover_contract.outbox import CUSTOMER_MESSAGES, DeliveryRound, Outbox
from naadloos.handover_contract.schema import (
    Availability,
    CallbackRequest,
    CustomerMessage,
    HandoverRequest,
    LiveChatRejected,
    LiveChatUnavailable,
    OpenedHandover,
    TicketRequest,
    customer_message_id,
)

logger = logging.getLogger(__name__)

RETRY_FIRST_SECONDS = 0.5  # a short outage (a restart) is bridged within seconds ...
RETRY_MAX_SECONDS = 10.0  # ... and a long one is still tried often enough to recover quickly
MAX_CONVERSATIONS = 10_000  # states remembered; the least recently active is forgotten first
MAX_QUEUED_MESSAGES = 1_000  # messages waiting in memory to be written to the outbox

# Rasa events (their "event" field) that say whether the back end has an open hand-over.
HANDED_OVER_EVENT = "pause"  # the hand-over action's ConversationPaused, after the back end accepted
BACK_TO_BOT_EVENT = "resume"  # the back end closed the hand-over and gave the conversation back
NO_OPEN_HANDOVER = 404  # the back end's answer for a conversation without an open hand-over


class HandoverStates:
    """Per conversation: whether the back end may have an open hand-over for it (True), has none
    (False), or unknown (absent). Bounded: at most `capacity` conversations, the least recently
    active forgotten first (a forgotten one is unknown again, which is safe: it is forwarded until
    an answer settles it)."""

    def __init__(self, capacity: int = MAX_CONVERSATIONS) -> None:
        self._capacity = capacity
        self._handed_over: OrderedDict[str, bool] = OrderedDict()

    def __len__(self) -> int:
        return len(self._handed_over)

    def get(self, conversation_id: str) -> bool | None:
        return self._handed_over.get(conversation_id)

    def observe(self, conversation_id: str, event_name: str) -> None:
        """Takes one of the conversation's Rasa events into account."""
        if event_name == HANDED_OVER_EVENT:
            self._set(conversation_id, True)
        elif event_name == BACK_TO_BOT_EVENT:
            self._set(conversation_id, False)
        elif conversation_id in self._handed_over:
            self._handed_over.move_to_end(conversation_id)  # still active: forgotten last

    def should_forward(self, conversation_id: str) -> bool:
        """A hand-over may be open, or nobody knows yet: forward. Only the bot's stay here."""
        return self._handed_over.get(conversation_id) is not False

    def learn(self, conversation_id: str, handed_over: bool) -> None:
        """What the back end's answer to a forwarded message says, for a conversation without a
        known state only: an event (a `pause` while the message travelled) is newer than the answer."""
        if conversation_id not in self._handed_over:
            self._set(conversation_id, handed_over)

    def _set(self, conversation_id: str, handed_over: bool) -> None:
        self._handed_over[conversation_id] = handed_over
        self._handed_over.move_to_end(conversation_id)
        while len(self._handed_over) > self._capacity:
            self._handed_over.popitem(last=False)


class _LearningBackend:
    """`backend` as the outbox delivers through it; every forwarded message's answer also tells
    `states` whether the conversation has an open hand-over."""

    def __init__(self, backend: HandoverBackend, states: HandoverStates) -> None:
        self._backend = backend
        self._states = states

    async def forward_customer_message(self, conversation_id: str, text: str, message_id: str) -> None:
        try:
            await self._backend.forward_customer_message(conversation_id, text, message_id)
        except LiveChatRejected as rejection:
            if rejection.status == NO_OPEN_HANDOVER:
                self._states.learn(conversation_id, handed_over=False)
            raise
        self._states.learn(conversation_id, handed_over=True)

    async def availability(self, team: str) -> Availability:
        return await self._backend.availability(team)

    async def open_handover(self, request: HandoverRequest, fallback_team: str | None = None) -> OpenedHandover:
        return await self._backend.open_handover(request, fallback_team)

    async def ticket(self, request: TicketRequest) -> None:
        await self._backend.ticket(request)

    async def callback(self, request: CallbackRequest) -> None:
        await self._backend.callback(request)


class LiveChatEventBroker(EventBroker):
    """A customer message of a conversation to forward goes into a queue in memory, which one task
    writes to the outbox (queue `CUSTOMER_MESSAGES`) and another posts, oldest first. While the
    back end is down that task retries with backoff; the outbox is a file, so what waits survives
    a Rasa restart and is delivered when the broker starts again. The back end stores a message
    once per `message_id`, so a post repeated after a lost answer or a crash is harmless."""

    def __init__(
        self,
        backend: HandoverBackend,
        outbox: Outbox | None = None,
        backoff: Backoff | None = None,
        states: HandoverStates | None = None,
        max_queued: int = MAX_QUEUED_MESSAGES,
    ) -> None:
        self._backend = backend
        self.outbox = outbox or Outbox.from_settings(CUSTOMER_MESSAGES)
        self.states = states or HandoverStates()
        self._delivering_backend = _LearningBackend(backend, self.states)
        self._backoff = backoff or Backoff(RETRY_FIRST_SECONDS, RETRY_MAX_SECONDS)
        self._keep_backoff = Backoff(RETRY_FIRST_SECONDS, RETRY_MAX_SECONDS)
        self._queued: deque[CustomerMessage] = deque()
        self._max_queued = max_queued
        self._overflowing = False
        self._queued_event = asyncio.Event()  # something waits in `_queued`
        self._wake = asyncio.Event()  # something may wait in the outbox
        self._one_write_at_a_time = asyncio.Lock()  # only the writer takes from `_queued`, in order
        self._one_round_at_a_time = asyncio.Lock()  # flush() and the task never post side by side
        self._writer: asyncio.Task | None = None
        self._delivery: asyncio.Task | None = None

    @classmethod
    async def from_endpoint_config(
        cls, broker_config: EndpointConfig, event_loop: AbstractEventLoop | None = None
    ) -> LiveChatEventBroker:
        broker = cls(handover_backend_from_settings(livechat_url=broker_config.url or None))
        broker.start()  # delivers what waited in the outbox while Rasa was down
        return broker

    @property
    def queued_messages(self) -> int:
        """Customer messages waiting in memory to be written to the outbox."""
        return len(self._queued)

    def publish(self, event: dict[str, Any]) -> None:
        """Called by Rasa for every new tracker event, in its event loop: no I/O here, never raises."""
        try:
            self._publish(event)
        except Exception:  # noqa: BLE001 - a broker error must never break the conversation in Rasa
            logger.exception("the live-chat event broker could not handle a %r event", event.get("event"))

    def _publish(self, event: dict[str, Any]) -> None:
        conversation_id, name = event.get("sender_id"), event.get("event")
        if not conversation_id or not isinstance(name, str):
            return
        conversation_id = str(conversation_id)
        self.states.observe(conversation_id, name)
        if name != "user" or not event.get("text") or not self.states.should_forward(conversation_id):
            return
        if len(self._queued) >= self._max_queued:
            if not self._overflowing:
                logger.error(
                    "the outbox cannot keep up (%s messages wait in memory): customer messages are dropped "
                    "(they stay in Rasa's tracker) until it does", len(self._queued),
                )
            self._overflowing = True
            return
        self._queued.append(CustomerMessage(conversation_id, str(event["text"]), customer_message_id(event)))
        self._queued_event.set()
        self._run_tasks()  # the writer wakes the delivery once the message is in the outbox

    def start(self) -> None:
        """Starts the tasks (inside Rasa's event loop) and delivers what waits in the outbox."""
        self._run_tasks()
        self._wake.set()

    def _run_tasks(self) -> None:
        loop = asyncio.get_running_loop()
        if self._writer is None or self._writer.done():
            self._writer = loop.create_task(self._write_forever())
        if self._delivery is None or self._delivery.done():
            self._delivery = loop.create_task(self._deliver_forever())

    async def _write_queued(self) -> int:
        """Writes what waits in memory to the outbox (in a worker thread), oldest first; returns how many."""
        async with self._one_write_at_a_time:
            batch = list(self._queued)
            if batch:
                await asyncio.to_thread(self._keep_all, batch)
                for _ in batch:  # publish() only appends: the written ones are the oldest
                    self._queued.popleft()
                if self._overflowing and len(self._queued) < self._max_queued:
                    logger.warning("the outbox keeps up again: customer messages are forwarded again")
                    self._overflowing = False
            return len(batch)

    def _keep_all(self, batch: list[CustomerMessage]) -> None:
        for message in batch:
            self.outbox.keep(message)

    async def flush(self) -> DeliveryRound:
        """Writes what waits in memory, then one delivery round now, oldest first; stops at the
        first message the back end cannot take."""
        await self._write_queued()
        return await self._delivery_round()

    async def _delivery_round(self) -> DeliveryRound:
        async with self._one_round_at_a_time:
            delivered = await self.outbox.deliver(self._delivering_backend)
        if delivered.unavailable is None:
            if self._backoff.succeeded():
                logger.info("customer messages reach the live-chat back end again")
        elif not self._backoff.failing:
            logger.warning(
                "customer messages are not reaching the live-chat back end (%r): kept in the outbox, retried",
                delivered.unavailable,
            )
        return delivered

    async def _write_forever(self) -> None:
        while True:
            await self._queued_event.wait()
            self._queued_event.clear()
            try:
                written = await self._write_queued()
            except Exception:  # noqa: BLE001 - e.g. a locked or unwritable outbox file: keep them, try again
                if not self._keep_backoff.failing:
                    logger.exception("customer messages could not be written to the outbox; they wait in memory")
                await asyncio.sleep(self._keep_backoff.failed())
                self._queued_event.set()
                continue
            if self._keep_backoff.succeeded():
                logger.info("customer messages are written to the outbox again")
            if written:
                self._wake.set()

    async def _deliver_forever(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            try:
                delivered = await self._delivery_round()  # the writer wakes it after each write
            except Exception:  # noqa: BLE001 - e.g. a locked outbox file: keep the task, try again later
                logger.exception("forwarding customer messages failed")
                delivered = DeliveryRound(0, LiveChatUnavailable("delivery round failed"))
            if delivered.unavailable is not None:
                await asyncio.sleep(self._backoff.failed())  # new messages wait in the outbox meanwhile
                self._wake.set()

    async def close(self) -> None:
        """Stops both tasks; what waited in memory is written to the outbox first, and what was not
        delivered stays there for the next start."""
        if self._writer is not None:
            async with self._one_write_at_a_time:  # not in the middle of a write
                self._writer.cancel()
            await asyncio.gather(self._writer, return_exceptions=True)
            self._writer = None
        try:
            await self._write_queued()
        except Exception:  # noqa: BLE001 - Rasa is stopping: say what is lost, do not fail the stop
            logger.exception("%s customer messages could not be written to the outbox and are lost", len(self._queued))
        if self._delivery is not None:
            self._delivery.cancel()
            await asyncio.gather(self._delivery, return_exceptions=True)
            self._delivery = None
