"""End to end with Chatwoot as the live-chat back end: `scripts/run.sh` (what `make run` calls) with
NAADLOOS_HANDOVER_BACKEND=chatwoot starts the action server, Rasa (with the trained model), the
live chat's web chat and the Chatwoot webhook receiver; Chatwoot is the fake of tests/chatwoot
(a real HTTP server in a thread of this process) that sends signed webhooks to the receiver.

A customer in the web chat (socket.io) asks for a person: the conversation and a private note with
the conversation so far appear in Chatwoot; the agent's public reply reaches the customer's window,
the customer's answer reaches Chatwoot as an incoming message, a private note never reaches the
customer, and resolving gives the customer back to the bot, which answers again. With nobody
online the customer gets the existing no-agent path: a ticket (and a callback) in Chatwoot. A
missing Chatwoot setting stops run.sh before it starts anything, with the variable named.

One start of everything for the module; every wait is bounded.
"""
from __future__ import annotations

import asyncio
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import pytest
from aiohttp import web

from naadloos.handover_contract import satisfaction
from naadloos.handover_contract.chatwoot.backend import CALLBACK_LABEL, TICKET_LABEL
from naadloos.handover_contract.chatwoot.links import contact_identifier
from tests.chatwoot.fake_chatwoot import FakeChatwoot, serve
from tests.domain_wording import RESOLVED_TEXT, SATISFACTION_QUESTION
from tests.e2e.live_clients import ANSWER_TIMEOUT_SECONDS, WebCustomer
from tests.processes import (
    ROOT,
    RUN_SCRIPT,
    RunningSystem,
    always_open_organisation,
    free_port,
    run_env,
    running_system,
)

WEBHOOK_SECRET = "e2e-chatwoot-webhook-secret-" + uuid.uuid4().hex
RASA_TOKEN = "e2e-rasa-token-" + uuid.uuid4().hex
SANNE = 1  # the agent of team klantenservice (Chatwoot team 1)
T = TypeVar("T")


class ChatwootThread:
    """The fake Chatwoot on its own event loop in a thread, so it answers the action server and
    Rasa while the test waits; everything that touches it runs on that loop (`run`)."""

    def __init__(self, fake: FakeChatwoot) -> None:
        self.fake = fake
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="fake-chatwoot", daemon=True)
        self._runner: web.AppRunner | None = None

    def start(self) -> None:
        self._thread.start()
        self._runner, self.fake.url = self._wait(serve(self.fake.app()))

    def _wait(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=30)

    async def _on_loop(self, action: Callable[[FakeChatwoot], T]) -> T:
        return action(self.fake)

    def run(self, action: Callable[[FakeChatwoot], T]) -> T:
        """`action(fake)` on the fake's loop (an agent's click, or a copy of what it holds)."""
        return self._wait(self._on_loop(action))

    async def eventually(self, check: Callable[[FakeChatwoot], T], seconds: float = ANSWER_TIMEOUT_SECONDS) -> T:
        """`check(fake)` until it is truthy or time runs out (then its last answer)."""
        deadline = time.monotonic() + seconds
        while True:
            found = await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(self._on_loop(check), self._loop))
            if found or time.monotonic() > deadline:
                return found
            await asyncio.sleep(0.2)

    def stop(self) -> None:
        self._wait(self.fake.settled())
        if self._runner is not None:
            self._wait(self._runner.cleanup())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)


@dataclass
class System:
    chatwoot: ChatwootThread
    stack: RunningSystem  # scripts/run.sh with the Chatwoot receiver


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    work = tmp_path_factory.mktemp("chatwoot_round_trip")
    fake = FakeChatwoot(webhook_secret=WEBHOOK_SECRET)
    fake.add_agent(SANNE, "Sanne de Vries", status="offline")
    fake.add_team(1, "Klantenservice", [SANNE])
    chatwoot = ChatwootThread(fake)
    chatwoot.start()
    ports = {name: free_port() for name in ("actions", "rasa", "livechat", "bridge")}
    fake.webhook_url = f"http://127.0.0.1:{ports['bridge']}/chatwoot/webhook"
    env = run_env(
        work, ports,
        NAADLOOS_ORGANISATION_FILE=str(always_open_organisation(work)),
        RASA_TOKEN=RASA_TOKEN,
        NAADLOOS_HANDOVER_BACKEND="chatwoot",
        CHATWOOT_URL=fake.url,
        CHATWOOT_ACCOUNT_ID=str(fake.account_id),
        CHATWOOT_INBOX_ID=str(fake.inbox_id),
        CHATWOOT_API_TOKEN=fake.token,
        CHATWOOT_TEAMS="klantenservice=1",
        CHATWOOT_WEBHOOK_SECRET=WEBHOOK_SECRET,
        CHATWOOT_BRIDGE_HOST="127.0.0.1",
        CHATWOOT_BRIDGE_PORT=str(ports["bridge"]),
    )
    try:
        with running_system(work, env, ports) as stack:
            yield System(chatwoot, stack)
    finally:
        chatwoot.stop()


async def read_until(customer: WebCustomer, fragment: str) -> list[dict[str, Any]]:
    """Every message the customer gets, up to and including the first one with `fragment`."""
    seen: list[dict[str, Any]] = []
    while True:
        try:
            message = await asyncio.wait_for(customer.inbox.get(), ANSWER_TIMEOUT_SECONDS)
        except asyncio.TimeoutError:
            pytest.fail(f"no message with {fragment!r} within {ANSWER_TIMEOUT_SECONDS}s; got {[m.get('text') for m in seen]}")
        seen.append(message)
        if fragment in (message.get("text") or ""):
            return seen


def conversations_of(fake: FakeChatwoot, customer: WebCustomer) -> list[dict[str, Any]]:
    """The customer's Chatwoot conversations (its contact is the hash of the Rasa sender id)."""
    identifier = contact_identifier(customer.session_id)
    return [dict(c, labels=list(c["labels"])) for c in fake.conversations.values()
            if fake.contacts[c["contact_id"]]["identifier"] == identifier]


def messages_in(fake: FakeChatwoot, conversation_id: int) -> list[dict[str, Any]]:
    return [dict(m) for m in fake.messages if m["conversation_id"] == conversation_id]


async def tracker(system: System, customer: WebCustomer) -> dict[str, Any]:
    async with aiohttp.ClientSession() as http:
        url = f"{system.stack.rasa}/conversations/{customer.session_id}/tracker"
        async with http.get(url, params={"token": RASA_TOKEN}) as reply:
            return await reply.json()


async def test_run_starts_the_chatwoot_receiver_next_to_the_assistant(system: System) -> None:
    printed = system.stack.printed()
    assert "Hand-over:      Chatwoot at " in printed and "/chatwoot/webhook" in printed
    assert (system.stack.var / "chatwoot_bridge.log").exists()
    assert (system.stack.var / "chatwoot.sqlite3").stat().st_mode & 0o777 == 0o600  # shared by the three, next to the logs


async def test_a_customer_and_a_chatwoot_agent_talk_in_the_customers_window(system: System) -> None:
    chatwoot = system.chatwoot
    chatwoot.run(lambda fake: fake.set_status(SANNE, "online"))
    customer = WebCustomer(system.stack.rasa)
    await customer.connect()
    try:
        await customer.says("hallo")
        await read_until(customer, "Polderstroom")
        await customer.says("ik wil een medewerker")
        handed_over = await read_until(customer, "Ik geef je door aan een collega")
        assert not handed_over[-1].get("custom"), "no waiting bar: Chatwoot has no queue the page can ask"

        # In Chatwoot: one open conversation of this customer, in the team, with one private note.
        [opened] = await chatwoot.eventually(lambda fake: conversations_of(fake, customer))
        assert (opened["status"], opened["team_id"], opened["labels"]) == ("open", 1, [])
        [note] = chatwoot.run(lambda fake: messages_in(fake, opened["id"]))
        assert note["private"] and note["message_type"] == "outgoing"
        assert "Klant: hallo" in note["content"] and "Klant: ik wil een medewerker" in note["content"]

        def incoming(fake: FakeChatwoot) -> list[str]:
            return [m["content"] for m in messages_in(fake, opened["id"]) if m["message_type"] == "incoming"]

        await customer.says("mijn termijnbedrag is ineens verdubbeld")  # the bot is paused: it goes to Chatwoot
        assert await chatwoot.eventually(incoming) == ["mijn termijnbedrag is ineens verdubbeld"]

        # The agent answers in Chatwoot: a signed webhook, the receiver, Rasa, the customer's window.
        chatwoot.run(lambda fake: fake.agent_reply(opened["id"], "Hoi, ik ben Sanne. Ik kijk even met je mee.", SANNE))
        reply = (await read_until(customer, "Ik kijk even met je mee."))[-1]
        assert reply["metadata"] == {"agent": "Sanne de Vries"}

        await customer.says("dank je, het gaat om mijn nieuwe contract")
        assert await chatwoot.eventually(lambda fake: len(incoming(fake)) == 2)
        assert chatwoot.run(incoming)[-1] == "dank je, het gaat om mijn nieuwe contract"

        # A private note is for colleagues only; the next public reply arrives, the note never does.
        chatwoot.run(lambda fake: fake.agent_reply(opened["id"], "Interne notitie: klant is geschrokken", SANNE, private=True))
        chatwoot.run(lambda fake: fake.agent_reply(opened["id"], "Ik heb het termijnbedrag aangepast.", SANNE))
        between = await read_until(customer, "Ik heb het termijnbedrag aangepast.")
        assert all("Interne notitie" not in (m.get("text") or "") for m in between)

        # Resolved in Chatwoot: back to the bot, which asks how it went and then answers again.
        chatwoot.run(lambda fake: fake.resolve(opened["id"]))
        await read_until(customer, RESOLVED_TEXT)
        await read_until(customer, SATISFACTION_QUESTION)
        await customer.says(satisfaction.payload(5))
        await customer.says("wanneer zijn jullie bereikbaar?")
        await read_until(customer, "Vandaag kun je ons bereiken tot 24.00 uur")

        events = (await tracker(system, customer))["events"]
        kinds = [event["event"] for event in events]
        assert "pause" in kinds and "resume" in kinds
        bot_texts = [event.get("text") or "" for event in events if event["event"] == "bot"]
        assert "Hoi, ik ben Sanne. Ik kijk even met je mee." in bot_texts
        assert all("Interne notitie" not in text for text in bot_texts)
        assert chatwoot.run(incoming)[-1] == "dank je, het gaat om mijn nieuwe contract", "the bot's again: not relayed"
        answers = chatwoot.run(lambda fake: [body for _, body in fake.webhook_answers])
        assert {"status": "relayed"} in answers and {"status": "back_to_bot"} in answers
    finally:
        await customer.close()
        chatwoot.run(lambda fake: fake.set_status(SANNE, "offline"))


async def test_nobody_online_in_chatwoot_leaves_a_ticket_and_a_callback_there(system: System) -> None:
    chatwoot = system.chatwoot
    customer = WebCustomer(system.stack.rasa)
    await customer.connect()
    try:
        await customer.says("kan ik met een mens praten?")
        await read_until(customer, "Er is op dit moment geen collega vrij")
        await read_until(customer, "Wil je dat een collega je terugbelt?")
        [ticket] = await chatwoot.eventually(lambda fake: conversations_of(fake, customer))
        assert ticket["labels"] == [TICKET_LABEL]
        [note] = chatwoot.run(lambda fake: messages_in(fake, ticket["id"]))
        assert note["private"] and "kan ik met een mens praten?" in note["content"]

        await customer.says("/affirm")
        await read_until(customer, "Op welk telefoonnummer")
        await customer.says("06-87654321")
        await read_until(customer, "Wanneer komt het je het beste uit?")
        await customer.says("vrijdagmiddag")
        await read_until(customer, "belt je terug op 0687654321 (vrijdagmiddag)")
        callbacks = await chatwoot.eventually(
            lambda fake: [c for c in conversations_of(fake, customer) if CALLBACK_LABEL in c["labels"]]
        )
        assert len(callbacks) == 1
        [note] = chatwoot.run(lambda fake: messages_in(fake, callbacks[0]["id"]))
        assert "0687654321" in note["content"] and "vrijdagmiddag" in note["content"]
    finally:
        await customer.close()


def test_run_names_a_missing_chatwoot_setting_before_it_starts_anything(tmp_path: Path) -> None:
    ports = {name: free_port() for name in ("actions", "rasa", "livechat")}
    env = run_env(
        tmp_path, ports, NAADLOOS_HANDOVER_BACKEND="chatwoot", RASA_TOKEN=RASA_TOKEN,
        CHATWOOT_URL="http://127.0.0.1:9", CHATWOOT_ACCOUNT_ID="3", CHATWOOT_INBOX_ID="12", CHATWOOT_API_TOKEN="t",
        # Set, but empty: a developer's .env must not fill them in.
        **{f"CHATWOOT_WEBHOOK_{name}": "" for name in ("SECRET", "SECRET_FILE", "TOKEN", "TOKEN_FILE")},
    )
    done = subprocess.run(RUN_SCRIPT, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "CHATWOOT_WEBHOOK_SECRET" in done.stderr and "docs/chatwoot.md" in done.stderr
    assert not list((tmp_path / "var").glob("*.log")), "nothing was started"
