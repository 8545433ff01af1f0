"""Polderstroom's Chatwoot in the tests: the fake (tests/chatwoot/fake_chatwoot.py) with the
organisation's agents and teams, served on a free port, and the Chatwoot back end against it.
One home for the back-end tests (tests/chatwoot) and the front-door channel tests
(tests/channels/test_chatwoot_channel.py)."""
from __future__ import annotations

from collections.abc import AsyncIterator, Collection
from contextlib import asynccontextmanager
from datetime import datetime
from typing import TypeVar

from naadloos.core.organisation import Organisation
from naadloos.handover_contract.chatwoot.api import ChatwootApi
from naadloos.handover_contract.chatwoot.backend import ChatwootBackend
from naadloos.handover_contract.chatwoot.links import ChatwootLinks
from naadloos.handover_contract.chatwoot.settings import ChatwootSettings
from tests.chatwoot.fake_chatwoot import FakeChatwoot, serve

AGENTS = {1: "Sanne de Vries", 2: "Pieter Jansen"}
CHATWOOT_TEAMS = {1: ("Klantenservice", [1]), 2: ("Fraude", [2])}  # Chatwoot's team id -> (name, agents)

Fake = TypeVar("Fake", bound=FakeChatwoot)


@asynccontextmanager
async def served(fake: Fake, online: Collection[int] = ()) -> AsyncIterator[Fake]:
    """`fake` with the agents (those in `online` online) and teams, on a free port; at the end its
    webhooks are awaited and the server stops."""
    for agent_id, name in AGENTS.items():
        fake.add_agent(agent_id, name, status="online" if agent_id in online else "offline")
    for team_id, (name, members) in CHATWOOT_TEAMS.items():
        fake.add_team(team_id, name, members)
    runner, fake.url = await serve(fake.app())
    try:
        yield fake
    finally:
        await fake.settled()
        await runner.cleanup()


def backend_for(
    config: ChatwootSettings, links: ChatwootLinks, organisation: Organisation, now: datetime | None = None
) -> ChatwootBackend:
    """The back end as `ChatwootBackend.from_settings` makes it from `config`, open as
    `organisation` is and, with `now`, with the clock stopped there."""
    api = ChatwootApi(config.url, config.account_id, config.api_token, config.timeout_seconds)
    if now is None:
        return ChatwootBackend(api, links, config.inbox_id, config.teams, organisation=lambda: organisation)
    return ChatwootBackend(api, links, config.inbox_id, config.teams, organisation=lambda: organisation,
                           clock=lambda: now)
