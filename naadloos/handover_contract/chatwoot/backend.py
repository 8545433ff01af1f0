"""Chatwoot as a `HandoverBackend`: the conversation appears in a Chatwoot API channel inbox.

- **Availability**: within our opening hours (`Organisation`: weekly hours, Dutch public holidays)
  and at least one agent `online` who works in the inbox, and, when our team is mapped to a
  Chatwoot team (`CHATWOOT_TEAMS`), in that team. Chatwoot has no queue limit for us to read, so
  the reasons are `holiday`, `closed`, `no_agents` or `open`; the expected wait is not known (0).
- **Hand-over**: the contact is found or created by its `identifier`, the SHA-256 of the Rasa
  sender id (`contact_identifier`; its contact inbox uses the same value as `source_id`); then a
  new conversation in the inbox, status `open`, with the Chatwoot team; then ONE private note
  with the summary and the conversation (`notes.handover_note`); urgent and high priorities are
  set on the conversation. While a customer's hand-over is still open, a new one reuses its
  conversation (opened again, team set). The customer messages already in the note are marked
  as forwarded, so the event broker does not post them a second time.
- **Customer messages** during the hand-over: an `incoming` message in that conversation, once
  per Rasa message id.
- **Tickets and callbacks**: a conversation of their own, status `open` (agents see it in their
  inbox), the team, a private note and the label `naadloos-bericht` or `naadloos-terugbellen`.
  Replies in it do not reach the customer (the note says so).

Each write names an idempotency key; a retry finds what the first attempt created
(`links.ChatwootLinks`) and only finishes what is missing.

**Chatwoot as the front door** (the `chatwoot` channel; the sender id names a Chatwoot
conversation, `links.front_door_conversation`): everything happens in the customer's own
conversation instead. Availability counts the agents of that conversation's inbox (and team). The
hand-over sets it to `open` (from `pending`, where the agent bot answers), assigns the team, adds
the one private note (its id kept in the link) and raises the priority; a ticket or callback adds
its note (worded for this case), label and team and leaves the conversation with the assistant.
Customer messages are not forwarded: Chatwoot has them already. Only these conversations need no
``CHATWOOT_INBOX_ID``; without it, a hand-over, ticket or callback of a conversation from another
channel is `InboxMissing` (the contract's "unavailable", so the customer gets the usual path and
a ticket waits in the outbox), with an error in the log that names the variable.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any

from naadloos.core.organisation import Organisation
from naadloos.core.settings import current_organisation
from naadloos.handover_contract.backend import with_fallback_team
from naadloos.handover_contract.chatwoot.api import ONLINE, ChatwootApi
from naadloos.handover_contract.chatwoot.links import (
    CALLBACK,
    HANDOVER,
    TICKET,
    ChatwootLinks,
    Link,
    contact_identifier,
    front_door_conversation,
)
from naadloos.handover_contract.chatwoot.notes import callback_note, handover_note, ticket_note
from naadloos.handover_contract.chatwoot.settings import ChatwootSettings
from naadloos.handover_contract.schema import (
    CLOSED,
    HOLIDAY,
    NO_AGENTS,
    OPEN,
    Availability,
    CallbackRequest,
    Handover,
    HandoverRefused,
    HandoverRequest,
    LiveChatRejected,
    LiveChatUnavailable,
    OpenedHandover,
    TicketRequest,
)

logger = logging.getLogger(__name__)

INBOX_MISSING = (
    "CHATWOOT_INBOX_ID is not set: conversations that did not come in through Chatwoot (the web chat, "
    "WhatsApp or Telegram directly) need a Chatwoot API channel inbox to be handed over into "
    "(docs/chatwoot.md, 'Connect a Chatwoot'); the agent bot's own conversations do not"
)

TICKET_LABEL = "naadloos-bericht"
CALLBACK_LABEL = "naadloos-terugbellen"
OPEN_STATUS = "open"
QUEUED = "queued"  # the hand-over's status until an agent answers (as the built-in desk says it)
RAISED_PRIORITIES = ("urgent", "high")  # set on the conversation; normal stays Chatwoot's default
CUSTOMER_NUMBER_LABEL = "klantnummer"  # from actions.transcript.customer_details


class InboxMissing(LiveChatUnavailable):
    """A conversation from another channel needs CHATWOOT_INBOX_ID, and it is not set."""


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def _agent_id(agent: Mapping[str, Any]) -> Any:
    return agent.get("id", agent.get("user_id"))


def contact_name(customer: Mapping[str, str]) -> str:
    """How the contact is called in Chatwoot: by customer number when the bot knows it."""
    number = customer.get(CUSTOMER_NUMBER_LABEL)
    return f"Klant {number}" if number else "Klant via de chat"


class ChatwootBackend:
    def __init__(
        self,
        api: ChatwootApi,
        links: ChatwootLinks,
        inbox_id: int,
        teams: Mapping[str, int],
        *,
        organisation: Callable[[], Organisation] = current_organisation,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self._api = api
        self._links = links
        self._inbox_id = inbox_id
        self._teams = dict(teams)
        self._organisation = organisation
        self._clock = clock

    @classmethod
    def from_settings(cls, settings: ChatwootSettings | None = None) -> ChatwootBackend:
        config = (settings or ChatwootSettings.from_environment()).require_api()
        api = ChatwootApi(config.url, config.account_id, config.api_token, config.timeout_seconds)
        return cls(api, ChatwootLinks(config.links_db), config.inbox_id, config.teams)

    def _api_inbox(self) -> int:
        """CHATWOOT_INBOX_ID, for a conversation that did not come in through Chatwoot; `InboxMissing`
        (and the log says which variable) when it is not set."""
        if self._inbox_id <= 0:
            logger.error(INBOX_MISSING)
            raise InboxMissing(INBOX_MISSING)
        return self._inbox_id

    def _front_door(self, sender: str) -> int | None:
        """The customer's own Chatwoot conversation when Chatwoot is their front door, else None."""
        return front_door_conversation(sender, self._api.account_id)

    # --- availability --------------------------------------------------------------------------
    async def availability(self, team: str, inbox_id: int | None = None) -> Availability:
        """For `team` in `inbox_id` (default: the inbox of CHATWOOT_INBOX_ID, `InboxMissing` without it)."""
        now = self._clock()
        organisation = self._organisation()
        if organisation.holiday(now):
            reason = HOLIDAY
        elif not organisation.is_open(now):
            reason = CLOSED
        else:
            reason = OPEN if await self._agents_online(team, inbox_id or self._api_inbox()) else NO_AGENTS
        return Availability(reason == OPEN, reason, 0, team)

    async def _agents_online(self, team: str, inbox_id: int) -> int:
        inbox = await self._api.inbox_members(inbox_id)
        team_id = self._teams.get(team)
        if team_id is None:
            return sum(1 for agent in inbox if agent.get("availability_status") == ONLINE)
        in_inbox = {_agent_id(agent) for agent in inbox}
        members = await self._api.team_members(team_id)
        return sum(1 for agent in members if agent.get("availability_status") == ONLINE and _agent_id(agent) in in_inbox)

    # --- hand-over -----------------------------------------------------------------------------
    async def open_handover(self, request: HandoverRequest, fallback_team: str | None = None) -> OpenedHandover:
        return await with_fallback_team(request, fallback_team, self._open_if_available)

    async def _open_if_available(self, request: HandoverRequest) -> OpenedHandover:
        front_door = self._front_door(request.conversation_id)
        inbox_id = await self._api.conversation_inbox(front_door) if front_door is not None else None
        availability = await self.availability(request.team, inbox_id)
        if not availability.can_take_over:
            raise HandoverRefused(availability.reason)
        if front_door is not None:
            return OpenedHandover(await self._open_in_place(request, front_door), request.team)
        return OpenedHandover(await self._open(request), request.team)

    async def _open_in_place(self, request: HandoverRequest, conversation_id: int) -> Handover:
        """The front door's hand-over: status open first, the note last, so every customer message
        with a higher id than the note came after the hand-over (`Link.note_id`)."""
        known = self._links.request(request.idempotency_key)
        if known is not None and known[1]:
            return Handover(conversation_id, QUEUED, None, 0)
        await self._api.set_status(conversation_id, OPEN_STATUS)
        if request.team in self._teams:
            await self._api.assign_team(conversation_id, self._teams[request.team])
        if request.priority in RAISED_PRIORITIES:
            await self._api.set_priority(conversation_id, request.priority)
        note_id = await self._api.post_message(conversation_id, handover_note(request, self._zone()), "outgoing", private=True)
        link = Link(conversation_id, request.conversation_id, HANDOVER, request.reason, True, request.ask_satisfaction, note_id)
        self._links.remember_request(request.idempotency_key, conversation_id, link)
        self._links.finish_request(request.idempotency_key)
        return Handover(conversation_id, QUEUED, None, 0)

    async def _open(self, request: HandoverRequest) -> Handover:
        sender = request.conversation_id
        known = self._links.request(request.idempotency_key)
        if known is not None and known[1]:
            return Handover(known[0], QUEUED, None, 0)
        if known is not None:
            conversation_id = known[0]
        else:
            active = self._links.open_handover_of(sender)
            if active is not None:
                conversation_id = active.conversation_id
                await self._api.set_status(conversation_id, OPEN_STATUS)
                if request.team in self._teams:
                    await self._api.assign_team(conversation_id, self._teams[request.team])
            else:
                conversation_id = await self._new_conversation(sender, request.team, request.customer)
            link = Link(conversation_id, sender, HANDOVER, request.reason, True, request.ask_satisfaction)
            self._links.remember_request(request.idempotency_key, conversation_id, link)
        await self._api.post_message(conversation_id, handover_note(request, self._zone()), "outgoing", private=True)
        if request.priority in RAISED_PRIORITIES:
            await self._api.set_priority(conversation_id, request.priority)
        # The note holds these messages already; the event broker will offer them again.
        in_note = [turn.get("message_id") for turn in request.transcript if turn.get("role") == "user"]
        self._links.mark_forwarded(sender, [str(message_id) for message_id in in_note if message_id])
        self._links.finish_request(request.idempotency_key)
        return Handover(conversation_id, QUEUED, None, 0)

    async def forward_customer_message(self, conversation_id: str, text: str, message_id: str) -> None:
        if self._front_door(conversation_id) is not None:
            return  # the customer wrote it in Chatwoot: the agents see it there already
        link = self._links.open_handover_of(conversation_id)
        if link is None:
            raise LiveChatRejected("no open hand-over for this conversation", 404)
        if self._links.was_forwarded(conversation_id, message_id):
            return
        await self._api.post_message(link.conversation_id, text, "incoming", private=False)
        self._links.mark_forwarded(conversation_id, [message_id])

    # --- tickets and callbacks -----------------------------------------------------------------
    async def ticket(self, request: TicketRequest) -> None:
        note = ticket_note(request, self._zone(), in_place=self._front_door(request.conversation_id) is not None)
        await self._follow_up(request, TICKET, note, TICKET_LABEL, request.customer, request.reason, request.priority)

    async def callback(self, request: CallbackRequest) -> None:
        note = callback_note(request, in_place=self._front_door(request.conversation_id) is not None)
        await self._follow_up(request, CALLBACK, note, CALLBACK_LABEL)

    async def _follow_up(
        self,
        request: TicketRequest | CallbackRequest,
        kind: str,
        note: str,
        label: str,
        customer: Mapping[str, str] | None = None,
        reason: str = "",
        priority: str | None = None,
    ) -> None:
        """A conversation for a person to follow up: created once per key (the front door's own
        conversation, with the team), then note and label."""
        sender = request.conversation_id
        known = self._links.request(request.idempotency_key)
        if known is not None and known[1]:
            return
        front_door = self._front_door(sender)
        if known is not None:
            conversation_id = known[0]
        elif front_door is not None:
            conversation_id = front_door
            team_id = self._teams.get(request.team) if request.team else None
            if team_id is not None:
                await self._api.assign_team(conversation_id, team_id)
            self._links.remember_request(
                request.idempotency_key, conversation_id, Link(conversation_id, sender, kind, reason, False)
            )
        else:
            conversation_id = await self._new_conversation(sender, request.team, customer or {})
            self._links.remember_request(
                request.idempotency_key, conversation_id, Link(conversation_id, sender, kind, reason, False)
            )
        await self._api.post_message(conversation_id, note, "outgoing", private=True)
        await self._api.add_labels(conversation_id, [label])
        if priority in RAISED_PRIORITIES:
            await self._api.set_priority(conversation_id, priority)
        self._links.finish_request(request.idempotency_key)

    # --- contacts and conversations ------------------------------------------------------------
    async def _new_conversation(self, sender: str, team: str | None, customer: Mapping[str, str]) -> int:
        inbox_id = self._api_inbox()
        identifier = contact_identifier(sender)
        team_id = self._teams.get(team) if team else None
        contact_id = await self._contact(identifier, customer, inbox_id, use_cache=True)
        try:
            conversation_id, status = await self._api.create_conversation(
                identifier, inbox_id, contact_id, OPEN_STATUS, team_id
            )
        except LiveChatRejected as rejection:
            if rejection.status != 404:
                raise
            # The contact we remembered is gone (deleted or merged in Chatwoot): find or make it anew.
            contact_id = await self._contact(identifier, customer, inbox_id, use_cache=False)
            conversation_id, status = await self._api.create_conversation(
                identifier, inbox_id, contact_id, OPEN_STATUS, team_id
            )
        if status and status != OPEN_STATUS:  # an inbox with one conversation per contact gave back an old one
            await self._api.set_status(conversation_id, OPEN_STATUS)
            if team_id is not None:
                await self._api.assign_team(conversation_id, team_id)
        return conversation_id

    async def _contact(self, identifier: str, customer: Mapping[str, str], inbox_id: int, use_cache: bool) -> int:
        """The Chatwoot contact with `identifier`: remembered, found, or created."""
        contact_id = self._links.contact_id(identifier) if use_cache else None
        if contact_id is None:
            contact_id = await self._find_contact(identifier)
        if contact_id is None:
            try:
                contact_id = await self._api.create_contact(contact_name(customer), identifier, inbox_id, identifier)
            except LiveChatRejected as rejection:  # 422: made by a parallel hand-over meanwhile
                contact_id = await self._find_contact(identifier) if rejection.status == 422 else None
                if contact_id is None:
                    raise
        self._links.remember_contact(identifier, contact_id)
        return contact_id

    async def _find_contact(self, identifier: str) -> int | None:
        for contact in await self._api.search_contacts(identifier):
            if contact.get("identifier") == identifier and isinstance(contact.get("id"), int):
                return int(contact["id"])
        return None

    def _zone(self) -> Any:
        return self._organisation().timezone
