"""Typing both ways, "Klant heeft het gesprek verlaten" / "Klant is terug", and the callback offered
after the wait timeout (issue 10, items 3 and 5), against the real service and its real sockets:
the customer's chat socket (`/api/waiting/<token>/ws`), the desk's socket and the HTTP API."""
from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
import sqlalchemy as sa
import yaml

from livechat import presence, waiting
from livechat.callback_wording import load_callback_wording
from livechat.customer_channel import RasaCustomerChannel
from livechat.customer_wording import load_livechat_wording
from livechat.storage import presence as presence_store
from livechat.storage.db import open_engine
from livechat.storage.schema import handovers, to_db
from livechat.throttle import Throttle
from naadloos.core.domain_responses import DomainResponseError
from naadloos.core.organisation import load_organisation
from naadloos.handover_contract.wait_token import wait_token
from tests.livechat.helpers import (
    OPEN_MOMENT,
    ROOT,
    SECRET,
    AgentClient,
    Bot,
    RunningService,
    create_agent_client,
    handover_payload,
    running_service,
)

LEFT, BACK = "Klant heeft het gesprek verlaten", "Klant is terug"


class ManualTime:
    """A monotonic clock for the typing throttle that the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def typing_time(service: RunningService) -> ManualTime:
    time = ManualTime()
    service.app.ctx.services.hub.typing = Throttle(1.0, clock=time)
    return time


def chat_socket_url(service: RunningService, handover_id: int) -> str:
    return service.url.replace("http://", "ws://") + f"/api/waiting/{wait_token(SECRET, handover_id)}/ws"


@asynccontextmanager
async def chat_page(http: aiohttp.ClientSession, service: RunningService, handover_id: int) -> AsyncIterator[Any]:
    """The customer's chat page connected to its socket (after the service's hello)."""
    async with http.ws_connect(chat_socket_url(service, handover_id)) as socket:
        assert (await asyncio.wait_for(socket.receive_json(), 5)) == {"type": "hello"}
        yield socket


@asynccontextmanager
async def desk_socket(agent: AgentClient) -> AsyncIterator[Any]:
    async with agent.session.ws_connect(agent.service.ws_url()) as socket:
        assert (await asyncio.wait_for(socket.receive_json(), 5))["type"] == "hello"
        yield socket


async def next_event(socket: Any, wanted: str, timeout: float = 5.0) -> dict[str, Any]:
    """The next desk event of type `wanted` (others are skipped)."""

    async def wait() -> dict[str, Any]:
        while True:
            event = await socket.receive_json()
            if event.get("type") == wanted:
                return event

    return await asyncio.wait_for(wait(), timeout)


async def events_within(socket: Any, seconds: float) -> list[dict[str, Any]]:
    """Every message that arrives on `socket` within `seconds`."""
    found: list[dict[str, Any]] = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while (left := deadline - loop.time()) > 0:
        try:
            message = await asyncio.wait_for(socket.receive(), left)
        except asyncio.TimeoutError:
            break
        if message.type == aiohttp.WSMsgType.TEXT:
            found.append(json.loads(message.data))
    return found


async def presence_state(service: RunningService, handover_id: int) -> str | None:
    """The stored state of the customer's presence (present, away, left), or None."""

    def read(engine: Any) -> str | None:
        with engine.connect() as connection:
            table = presence_store.customer_presence
            return connection.execute(sa.select(table.c.state).where(table.c.handover_id == handover_id)).scalar()

    return await service.app.ctx.services.db.run(read)


async def wait_for_state(service: RunningService, handover_id: int, state: str) -> None:
    for _ in range(100):
        if await presence_state(service, handover_id) == state:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"presence of hand-over {handover_id} never became {state!r}")


async def new_handover(bot: Any, conversation: str) -> dict[str, Any]:
    status, created = await bot.post("/handovers", handover_payload(conversation, key=f"hk-{conversation}"))
    assert status == 201, created
    return created


# --- typing ----------------------------------------------------------------------------------------
async def test_customer_typing_reaches_the_desk_only_once_an_agent_has_the_conversation(
    service, bot, make_agent, http, typing_time
) -> None:
    agent = await make_agent("sanne", name="Sanne de Vries")
    created = await new_handover(bot, "conv-typing")
    async with desk_socket(agent) as desk, chat_page(http, service, created["id"]) as page:
        await page.send_json({"type": "typing"})
        assert [e for e in await events_within(desk, 0.5) if e["type"] == "customer_typing"] == [], "queued: no typing"

        assert (await agent.post(f"/handovers/{created['id']}/accept"))[0] == 200
        typing_time.now += 1.0
        await page.send_json({"type": "typing", "text": "mijn geheime pincode 1234"})  # words are never passed on
        event = await next_event(desk, "customer_typing")
        assert event == {"type": "customer_typing", "team": "klantenservice", "handover_id": created["id"]}

        await page.send_json({"type": "typing"})  # less than a second later: dropped
        typing_time.now += 0.5
        await page.send_json({"type": "typing"})
        assert [e for e in await events_within(desk, 0.5) if e["type"] == "customer_typing"] == []
        typing_time.now += 0.6
        await page.send_json({"type": "typing"})
        await next_event(desk, "customer_typing")

    status, detail = await agent.get(f"/handovers/{created['id']}")
    assert status == 200 and "pincode" not in json.dumps(detail), "typing is never stored"


async def test_agent_typing_reaches_the_customer_page_with_the_agent_name(service, bot, make_agent, http, typing_time) -> None:
    agent = await make_agent("sanne", name="Sanne de Vries")
    created = await new_handover(bot, "conv-agent-typing")
    path = f"/handovers/{created['id']}/typing"
    status, refused = await agent.post(path)
    assert status == 409 and refused["error"] == "conflict", "queued: nobody has it yet"

    assert (await agent.post(f"/handovers/{created['id']}/accept"))[0] == 200
    assert await agent.post(path) == (200, {"relayed": False}), "no page connected"
    typing_time.now += 1.0
    async with chat_page(http, service, created["id"]) as page:
        assert await agent.post(path) == (200, {"relayed": True})
        assert await asyncio.wait_for(page.receive_json(), 5) == {"type": "typing", "name": "Sanne de Vries"}
        assert await agent.post(path) == (200, {"relayed": False}), "throttled"
        assert await events_within(page, 0.3) == []
        typing_time.now += 1.0
        assert await agent.post(path) == (200, {"relayed": True})


# --- presence --------------------------------------------------------------------------------------
async def test_the_desk_hears_when_the_customer_left_and_came_back(service, bot, make_agent, http, clock, fake_rasa) -> None:
    agent = await make_agent("sanne")
    created = await new_handover(bot, "conv-leave")
    services = service.app.ctx.services
    handover_id = created["id"]
    async with desk_socket(agent) as desk:
        async with chat_page(http, service, handover_id):
            await wait_for_state(service, handover_id, "present")
        await wait_for_state(service, handover_id, "away")
        left_moment = clock()

        # A reload within the grace period (60 s) is not leaving.
        clock.advance(30)
        async with chat_page(http, service, handover_id):
            await wait_for_state(service, handover_id, "present")
        await wait_for_state(service, handover_id, "away")
        left_moment = clock()
        clock.advance(59)
        assert await presence.announce_departures(services) == 0
        clock.advance(2)
        assert await presence.announce_departures(services) == 1
        assert await presence.announce_departures(services) == 0, "told once"

        event = await next_event(desk, "customer_left")
        assert event["handover_id"] == handover_id and event["at"] == left_moment.isoformat().replace("+00:00", "Z")
        assert event["message"]["text"] == LEFT and event["message"]["sender"] == "system"
        assert event["message"]["delivery_status"] is None, "an internal line: never sent to the customer"
        status, body = await agent.get("/presence")
        assert status == 200 and body["presence"] == [
            {"handover_id": handover_id, "state": "left", "left_at": event["at"], "back_at": None}
        ]

        clock.advance(300)
        async with chat_page(http, service, handover_id):
            back = await next_event(desk, "customer_back")
            assert back["message"]["text"] == BACK and back["at"] == clock().isoformat().replace("+00:00", "Z")
            status, body = await agent.get("/presence")
            assert body["presence"] == [
                {"handover_id": handover_id, "state": "present", "left_at": event["at"], "back_at": back["at"]}
            ]
    status, detail = await agent.get(f"/handovers/{handover_id}")
    assert [m["text"] for m in detail["messages"]] == [LEFT, BACK]
    assert LEFT not in json.dumps([r["json"] for r in fake_rasa.requests]), "the customer never sees these lines"


async def test_nobody_is_reported_after_the_conversation_closed_or_without_a_chat_page(
    service, bot, make_agent, http, clock
) -> None:
    agent = await make_agent("sanne")
    closed = await new_handover(bot, "conv-closed")
    await new_handover(bot, "conv-other-channel")  # its customer never opens the page: never "left"
    async with chat_page(http, service, closed["id"]):
        assert (await agent.post(f"/handovers/{closed['id']}/accept"))[0] == 200
        assert (await agent.post(f"/handovers/{closed['id']}/close", {"outcome": "resolved"}))[0] == 200
    await wait_for_state(service, closed["id"], "away")
    clock.advance(3600)
    assert await presence.announce_departures(service.app.ctx.services) == 0
    assert (await agent.get("/presence"))[1] == {"presence": []}

    async with http.get(chat_socket_url(service, closed["id"]).replace("ws://", "http://")) as reply:
        assert reply.status == 404, "a closed hand-over gets no chat socket"


async def test_a_restart_gives_every_customer_a_new_grace_period(database_url, tmp_path) -> None:
    """Pages cannot be connected to a service that just started: customers marked present (or
    away since long before) get the whole grace period from the start to reconnect."""
    engine = open_engine(database_url)
    try:
        with engine.begin() as connection:
            ids = [
                connection.execute(handovers.insert().values(
                    conversation_id=f"c{n}", idempotency_key=f"k{n}", channel="socketio", reason="request_human",
                    summary="", customer={}, priority="normal", team="klantenservice", slots={}, transcript=[],
                    raw_events=[], status="queued", created_at=to_db(OPEN_MOMENT),
                )).inserted_primary_key[0]
                for n in range(3)
            ]
        presence_store.connected(engine, ids[0], OPEN_MOMENT)
        presence_store.connected(engine, ids[1], OPEN_MOMENT)
        presence_store.disconnected(engine, ids[1], OPEN_MOMENT)
        started = OPEN_MOMENT + timedelta(hours=2)
        presence_store.connected(engine, ids[2], started)  # connected to the new process: untouched
        assert presence_store.restart_grace(engine, started) == 2
        assert presence_store.away_since_before(engine, started + timedelta(seconds=59)) != []
        assert [p.handover_id for p in presence_store.away_since_before(engine, started)] == ids[:2]
        assert presence_store.away_since_before(engine, started - timedelta(seconds=1)) == []
        with engine.connect() as connection:
            states = dict(connection.execute(sa.select(presence_store.customer_presence.c.handover_id,
                                                       presence_store.customer_presence.c.state)).all())
        assert states == {ids[0]: "away", ids[1]: "away", ids[2]: "present"}
    finally:
        engine.dispose()


async def test_the_background_task_tells_the_desk_on_its_own(database_url, config_for, clock, fake_rasa, http) -> None:
    config = config_for(database_url, rasa_url=fake_rasa.url, customer_left_grace_seconds=1)
    async with running_service(config, clock, background_tasks=True) as service:
        agent = await create_agent_client(service, "sanne")
        try:
            created = await new_handover(Bot(http, service), "conv-bg")
            async with desk_socket(agent) as desk:
                async with chat_page(http, service, created["id"]):
                    pass
                await wait_for_state(service, created["id"], "away")
                clock.advance(2)
                event = await next_event(desk, "customer_left", timeout=10)
                assert event["handover_id"] == created["id"]
        finally:
            await agent.close()


# --- the wait timeout: alternatives, and a callback while keeping the place -------------------------
def test_the_alternatives_say_whether_the_phone_is_open_today() -> None:
    organisation = load_organisation(ROOT / "config" / "organisation.yml")
    text = waiting.alternatives_text(load_livechat_wording(organisation), organisation, OPEN_MOMENT)
    assert text.startswith("Het duurt langer dan we hoopten, sorry. Je plek in de wachtrij blijft bewaard")
    assert "- Telefoon: 0800-123 45 67 (gratis, nu open tot 20.00 uur)" in text
    assert "- E-mail: klantenservice@polderstroom.example (je krijgt binnen 2 werkdagen antwoord)" in text


async def test_the_chat_page_gets_the_callback_wording_of_the_bots_callback_form(service, http) -> None:
    async with http.get(f"{service.url}/chat/config") as reply:
        config = await reply.json()
    wording = load_callback_wording()
    assert config["callback"] == wording.to_json() and all(wording.to_json().values())
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"]
    offer = domain["utter_callback_offer"][0]
    assert wording.question == offer["text"]
    assert [wording.yes, wording.no] == [button["title"] for button in offer["buttons"]]
    assert wording.ask_phone == domain["utter_ask_callback_phone"][0]["text"]


def test_a_missing_callback_response_stops_the_start_with_its_name(tmp_path) -> None:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    del domain["responses"]["utter_ask_callback_moment"]
    broken = tmp_path / "domain.yml"
    broken.write_text(yaml.safe_dump(domain, allow_unicode=True), encoding="utf-8")
    with pytest.raises(DomainResponseError, match="utter_ask_callback_moment"):
        load_callback_wording(broken)
    organisation = load_organisation(ROOT / "config" / "organisation.yml")
    with pytest.raises(DomainResponseError, match="utter_ask_callback_moment"):
        load_livechat_wording(organisation, broken)  # what the service reads at start


async def test_after_the_timeout_the_customer_can_ask_for_a_callback_and_keeps_the_place(
    database_url, config_for, clock, fake_rasa, http
) -> None:
    config = config_for(database_url, rasa_url=fake_rasa.url, accept_timeout_seconds=60)
    channel = RasaCustomerChannel(fake_rasa.url, timeout_seconds=1.0)
    async with running_service(config, clock, channel) as service:
        agent = await create_agent_client(service, "sanne")
        try:
            bot = Bot(http, service)
            created = await new_handover(bot, "conv-callback")
            token = wait_token(SECRET, created["id"])
            status_url = service.api(f"/waiting/{token}")
            callback_url = service.api(f"/waiting/{token}/callback")
            async with http.get(status_url) as reply:
                assert (await reply.json())["callback"] is None, "no offer before the timeout"

            clock.advance(61)
            assert await waiting.offer_alternatives_once(service.app.ctx.services) == 1
            notice = fake_rasa.requests[-1]["json"]["text"]
            assert "nu open tot 20.00 uur" in notice, notice
            async with http.get(status_url) as reply:
                assert await reply.json() == {"status": "queued", "queue_position": 1,
                                              "estimated_wait_minutes": created["estimated_wait_minutes"],
                                              "callback": "offered", "agent_name": None}

            async with http.post(callback_url, json={"phone": "12345", "preferred_moment": "morgen"}) as reply:
                assert reply.status == 422 and (await reply.json())["field"] == "phone"
            async with http.post(callback_url, json={"phone": "06-12345678", "preferred_moment": " "}) as reply:
                assert reply.status == 422 and (await reply.json())["field"] == "preferred_moment"
            async with desk_socket(agent) as desk:
                asked = {"phone": "+31 6 1234 5678", "preferred_moment": "morgenochtend"}
                async with http.post(callback_url, json=asked) as reply:
                    assert reply.status == 201, await reply.text()
                    assert await reply.json() == {"callback": {"phone": "0612345678", "preferred_moment": "morgenochtend"},
                                                  "created": True}
                event = await next_event(desk, "callback_requested")
                assert event["handover_id"] == created["id"]
                assert event["message"]["text"].startswith("Dank je. Een collega belt je terug op 0612345678 (morgenochtend).")
                assert event["message"]["delivery_status"] == "delivered"
            sent = fake_rasa.requests[-1]["json"]
            assert sent["metadata"]["livechat"] == "system" and "belt je terug" in sent["text"]

            async with http.post(callback_url, json={"phone": "06-12345678", "preferred_moment": "morgenochtend"}) as reply:
                assert reply.status == 200 and (await reply.json())["created"] is False, "the same request again"
            async with http.post(callback_url, json={"phone": "06-87654321", "preferred_moment": "vanavond"}) as reply:
                assert reply.status == 409 and (await reply.json())["error"] == "conflict"

            async with http.get(status_url) as reply:
                body = await reply.json()
            assert body["status"] == "queued" and body["queue_position"] == 1 and body["callback"] == "requested"
            status, inbox = await agent.get("/inbox")
            assert status == 200
            callbacks = [item for item in inbox["items"] if item["kind"] == "callback"]
            assert len(callbacks) == 1 and callbacks[0]["phone"] == "0612345678", inbox
            assert callbacks[0]["summary"].startswith("Klant wil een medewerker spreken"), "the hand-over's summary"
            status, answer = await agent.get(f"/inbox/callback/{callbacks[0]['id']}")
            detail = answer["item"]
            assert status == 200 and detail["ticket_id"] is None, "no ticket behind a callback asked while waiting"
            assert [line["text"] for line in detail["transcript"]][-1] == "ik wil een medewerker spreken"
            assert detail["customer"]["customer_number"] == "12345678"
            status, queue = await agent.get("/queue")
            assert [h["id"] for h in queue["queued"]] == [created["id"]], "the colleague still sees the conversation"

            assert (await agent.post(f"/handovers/{created['id']}/accept"))[0] == 200
            other = await new_handover(bot, "conv-callback-2")
            assert (await agent.post(f"/handovers/{other['id']}/accept"))[0] == 200
            async with http.post(service.api(f"/waiting/{wait_token(SECRET, other['id'])}/callback"),
                                 json={"phone": "06-12345678", "preferred_moment": "morgen"}) as reply:
                assert reply.status == 409, "only while waiting in the queue"
        finally:
            await agent.close()
