"""The web chat channel with a real socket.io client, as a widget on a website uses it: Rasa's
`rasa-webchat` (issue 12, item 5) and our own chat page. The channel runs in a real Sanic server,
mounted and given CORS as `rasa run --cors` does (tests/channels/conftest.py `serving`); the
StandInAgent keeps what would reach the bot and answers through the channel's output, as Rasa does.

- an empty `user_uttered` (rasa-webchat opening without `initPayload`) never reaches the bot;
- `customData` (rasa-webchat) and `metadata` (Rasa's default key) become the message's metadata;
- the embedding sites (NAADLOOS_WEBCHAT_ORIGINS) may open socket.io's polling transport;
- an agent's message carries the agent's name in its text for a widget on those sites, and not
  on our own page, which shows the name from the metadata;
- no text that reaches the customer carries a `javascript:` link.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import socketio
import yaml
from rasa.shared.core.events import BotUttered

from naadloos.channels.agent_prefix import organisation_name
from naadloos.channels.customer_notices import channel_message
from naadloos.channels.webchat import WebChatInput
from tests.channels.conftest import Served, StandInAgent, serving

ROOT = Path(__file__).resolve().parents[2]
PAGE_ORIGIN = "http://127.0.0.1:5056"  # our chat page, in RASA_CORS_ORIGINS (`rasa run --cors`)
SITE = "https://www.example.nl"  # a website that embeds rasa-webchat
OTHER_SITE = "https://klant.example.nl"
UNLISTED_SITE = "https://elders.example.com"
ANSWER_TIMEOUT_SECONDS = 5
POLLING_HANDSHAKE = "/socket.io/?EIO=4&transport=polling"


def project_webchat_credentials() -> dict[str, Any]:
    """The web chat's entry in the project's credentials.yml, as Rasa reads it."""
    credentials = yaml.safe_load((ROOT / "credentials.yml").read_text(encoding="utf-8"))
    return credentials["naadloos.channels.webchat.WebChatInput"]


@pytest.fixture
def sites(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """Two embedding sites configured; the agent's name in the text left at its default."""
    monkeypatch.setenv("NAADLOOS_WEBCHAT_ORIGINS", f"{SITE}, {OTHER_SITE}/")
    monkeypatch.delenv("NAADLOOS_WEBCHAT_AGENT_NAME_IN_TEXT", raising=False)
    return monkeypatch


class WidgetClient:
    """A socket.io client doing what a chat widget does: connect (from a page's origin), ask for a
    session, send `user_uttered` and collect every `bot_uttered`."""

    def __init__(self) -> None:
        self.sio = socketio.AsyncClient(reconnection=False)
        self.received: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.session_id = ""
        self.sio.on("bot_uttered", self.received.put_nowait)

    async def open(self, url: str, origin: str, session_request: dict[str, Any] | None = None) -> str:
        confirmed: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self.sio.on("session_confirm", lambda session_id: confirmed.done() or confirmed.set_result(session_id))
        # Polling first, as rasa-webchat's socket.io client does: that is where CORS applies.
        await self.sio.connect(url, headers={"Origin": origin}, transports=["polling"], socketio_path="/socket.io")
        await self.sio.emit("session_request", session_request if session_request is not None else {"session_id": None})
        self.session_id = await asyncio.wait_for(confirmed, ANSWER_TIMEOUT_SECONDS)
        return self.session_id

    async def say(self, data: dict[str, Any]) -> None:
        """`user_uttered`, waiting until the channel has handled it (socket.io acknowledgement)."""
        await self.sio.call("user_uttered", {"session_id": self.session_id, **data}, timeout=ANSWER_TIMEOUT_SECONDS)

    async def next_message(self) -> dict[str, Any]:
        return await asyncio.wait_for(self.received.get(), ANSWER_TIMEOUT_SECONDS)

    async def close(self) -> None:
        await self.sio.disconnect()


@asynccontextmanager
async def webchat(agent: StandInAgent, credentials: dict[str, Any] | None = None) -> AsyncIterator[tuple[Served, WebChatInput]]:
    """The web chat channel from `credentials` (default: the project's credentials.yml entry) on a
    real server, with Rasa's CORS for our own chat page."""
    channel = WebChatInput.from_credentials(project_webchat_credentials() if credentials is None else credentials)
    assert isinstance(channel, WebChatInput)
    async with serving([channel], agent, cors=[PAGE_ORIGIN]) as served:
        yield served, channel


@asynccontextmanager
async def widget(served: Served, origin: str, session_request: dict[str, Any] | None = None) -> AsyncIterator[WidgetClient]:
    client = WidgetClient()
    await client.open(served.url, origin, session_request)
    try:
        yield client
    finally:
        await client.close()


async def push_agent_message(channel: WebChatInput, session_id: str, text: str, **metadata: str) -> None:
    """What Rasa does with a bot event that the live chat appends with `output_channel=latest`."""
    output = channel.get_output_channel()
    assert output is not None
    await output.send_response(session_id, BotUttered(text, metadata=metadata).message())


# --- an empty message ---------------------------------------------------------------------------


@pytest.mark.parametrize("origin", [SITE, PAGE_ORIGIN])
async def test_an_empty_message_never_reaches_the_bot(sites, origin):
    """rasa-webchat sends `{"customData": {}, "session_id": ...}` when it opens without
    `initPayload`: no text, so no "Sorry, dat begreep ik niet goed" and no failure counted."""
    agent = StandInAgent()
    async with webchat(agent) as (served, _), widget(served, origin) as client:
        await client.say({"customData": {}})  # no "message" at all (rasa-webchat's init without a payload)
        await client.say({"message": None, "customData": {}})
        await client.say({"message": ""})
        await client.say({"message": "  \n\t "})
        await client.say({"message": 42})
        await client.say({"message": "Ik wil mijn meterstand doorgeven"})

        assert (await client.next_message())["text"] == agent.reply

    assert [message.text for message in agent.received] == ["Ik wil mijn meterstand doorgeven"]
    assert client.received.empty()


async def test_a_message_that_is_not_an_object_is_ignored(sites):
    agent = StandInAgent()
    async with webchat(agent) as (served, _), widget(served, SITE) as client:
        await client.sio.call("user_uttered", "hoi", timeout=ANSWER_TIMEOUT_SECONDS)
        await client.say({"message": "hoi"})
        await client.next_message()
    assert [message.text for message in agent.received] == ["hoi"]


# --- customData ---------------------------------------------------------------------------------


async def test_custom_data_and_metadata_become_the_messages_metadata(sites):
    """credentials.yml reads rasa-webchat's `customData`; a client that follows Rasa's default
    (`metadata`) keeps working; our own page sends neither."""
    assert project_webchat_credentials()["metadata_key"] == "customData"
    agent = StandInAgent()
    async with webchat(agent) as (served, _), widget(served, SITE) as client:
        await client.say({"message": "/greet", "customData": {"klantnummer": "12345", "taal": "nl"}})
        await client.say({"message": "hoi", "metadata": {"pagina": "/storing"}})
        await client.say({"message": "hallo"})  # our chat page
        await client.say({"message": "hallo", "customData": '{"klantnummer": "678"}'})  # as a JSON text
        await client.say({"message": "hallo", "customData": "{geen json"})
        await client.say({"message": "hallo", "customData": ["geen", "object"]})

    assert [(message.text, message.metadata) for message in agent.received] == [
        ("/greet", {"klantnummer": "12345", "taal": "nl"}),
        ("hoi", {"pagina": "/storing"}),
        ("hallo", {}),
        ("hallo", {"klantnummer": "678"}),
        ("hallo", {}),
        ("hallo", {}),
    ]


# --- the embedding sites' origins (CORS) ---------------------------------------------------------


async def polling_handshake(
    served: Served, origin: str, method: str = "GET", path: str = POLLING_HANDSHAKE
) -> aiohttp.ClientResponse:
    """What a browser asks first on a page at `origin` (OPTIONS: its preflight)."""
    headers = {"Origin": origin}
    if method == "OPTIONS":
        headers["Access-Control-Request-Method"] = "POST"
    async with aiohttp.ClientSession() as session, session.request(method, served.url + path, headers=headers) as response:
        await response.read()
        return response


async def test_the_embedding_sites_may_open_the_polling_transport_others_not(sites):
    """A browser reads the answer to socket.io's first (polling) request only with an
    Access-Control-Allow-Origin for its page; rasa-webchat hides itself without one."""
    async with webchat(StandInAgent()) as (served, _):
        for origin in (SITE, OTHER_SITE, PAGE_ORIGIN):
            response = await polling_handshake(served, origin)
            assert response.status == 200
            assert response.headers.getall("Access-Control-Allow-Origin") == [origin]
            assert response.headers["Access-Control-Allow-Credentials"] == "true"
        preflight = await polling_handshake(served, SITE, "OPTIONS")
        assert preflight.headers.getall("Access-Control-Allow-Origin") == [SITE]

        assert "Access-Control-Allow-Origin" not in (await polling_handshake(served, UNLISTED_SITE)).headers
        # Only the socket.io endpoint: the rest of Rasa keeps the origins of `rasa run --cors`.
        health = await polling_handshake(served, SITE, path="/webhooks/socketio/")
        assert health.status == 200 and "Access-Control-Allow-Origin" not in health.headers


async def test_without_embedding_sites_only_rasas_own_cors_applies(monkeypatch):
    monkeypatch.delenv("NAADLOOS_WEBCHAT_ORIGINS", raising=False)
    async with webchat(StandInAgent()) as (served, _):
        assert "Access-Control-Allow-Origin" not in (await polling_handshake(served, SITE)).headers
        assert (await polling_handshake(served, PAGE_ORIGIN)).headers.getall("Access-Control-Allow-Origin") == [PAGE_ORIGIN]


# --- the agent's name in the text ----------------------------------------------------------------


async def test_an_agents_message_on_an_embedding_site_carries_the_name_in_its_text(sites):
    """rasa-webchat ignores metadata: without the name, a colleague's words look like the bot's.
    It renders Markdown, so the name is in bold (**...**)."""
    async with webchat(StandInAgent()) as (served, channel), widget(served, SITE) as client:
        await push_agent_message(channel, client.session_id, "Goedemiddag, ik help je verder.", agent="Sanne")
        await push_agent_message(channel, client.session_id, "Een collega neemt het gesprek over.", livechat="system")
        await push_agent_message(channel, client.session_id, "Kan ik je nog ergens mee helpen?")  # the bot

        agent_message = await client.next_message()
        assert agent_message == {
            "text": f"**Sanne ({organisation_name()}):** Goedemiddag, ik help je verder.",
            "metadata": {"agent": "Sanne"},
        }
        assert (await client.next_message())["text"] == "Een collega neemt het gesprek over."
        assert (await client.next_message())["text"] == "Kan ik je nog ergens mee helpen?"


@pytest.mark.parametrize(
    "origin, session_request",
    [
        (PAGE_ORIGIN, None),  # our own chat page shows the name from the metadata
        (SITE, {"session_id": None, "shows_agent_name": True}),  # a widget on a site that does the same
    ],
)
async def test_a_page_that_shows_the_name_itself_gets_it_only_in_the_metadata(sites, origin, session_request):
    async with webchat(StandInAgent()) as (served, channel), widget(served, origin, session_request) as client:
        await push_agent_message(channel, client.session_id, "Goedemiddag", agent="Sanne")
        assert await client.next_message() == {"text": "Goedemiddag", "metadata": {"agent": "Sanne"}}


async def test_the_name_in_the_text_can_be_switched_off(sites):
    sites.setenv("NAADLOOS_WEBCHAT_AGENT_NAME_IN_TEXT", "false")
    async with webchat(StandInAgent()) as (served, channel), widget(served, SITE) as client:
        await push_agent_message(channel, client.session_id, "Goedemiddag", agent="Sanne")
        assert (await client.next_message())["text"] == "Goedemiddag"


async def test_the_name_follows_the_session_after_a_reconnect(sites):
    """A reload: the widget reconnects with its session id and still gets the name in the text; the
    socket that left no longer counts."""
    async with webchat(StandInAgent()) as (served, channel):
        async with widget(served, SITE) as first:
            session_id = first.session_id
        async with widget(served, SITE, {"session_id": session_id}) as again:
            assert again.session_id == session_id
            await push_agent_message(channel, session_id, "Ben je er nog?", agent="Sanne")
            assert (await again.next_message())["text"].startswith("**Sanne")
        for _ in range(50):  # the server handles a disconnect shortly after the client leaves
            if not channel.text_name_sessions.sockets:
                break
            await asyncio.sleep(0.02)
        assert not channel.text_name_sessions.sockets


# --- no script links -----------------------------------------------------------------------------


async def test_no_script_link_reaches_the_customer_from_an_agent_or_the_bot(sites):
    agent = StandInAgent(reply="Lees [onze voorwaarden](https://www.example.nl/voorwaarden) of [klik](JavaScript:alert(1)).")
    async with webchat(agent) as (served, channel), widget(served, SITE) as client:
        await client.say({"message": "hoi"})
        reply = await client.next_message()
        assert reply["text"] == "Lees [onze voorwaarden](https://www.example.nl/voorwaarden) of [klik](#alert(1))."

        await push_agent_message(
            channel, client.session_id, 'Kijk <a href="java&#115;cript:alert(1)">hier</a> of <vbscript:msgbox(1)>', agent="Sanne"
        )
        text = (await client.next_message())["text"]
        assert "script:" not in text.lower() and "&#115;" not in text
        assert text.endswith('Kijk <a href="#alert(1)">hier</a> of <#msgbox(1)>')

        output = channel.get_output_channel()
        assert output is not None
        await output.send_response(
            client.session_id,
            {"text": "Kies:", "buttons": [{"title": "[x](javascript:alert(1))", "payload": "/greet"}]},
        )
        assert (await client.next_message())["quick_replies"][0]["title"] == "[x](#alert(1))"


async def test_a_message_the_assistant_could_not_take_gets_a_notice_not_silence(sites, caplog):
    """The lock store (Redis) or the tracker store failing: the customer is asked to send it again."""
    agent = StandInAgent()
    async with webchat(agent) as (served, _), widget(served, SITE) as client:
        agent.failing = True
        with caplog.at_level(logging.ERROR):
            await client.say({"message": "Ik wil mijn meterstand doorgeven"})
            notice = await client.next_message()
        assert notice["text"] == channel_message("message_not_received")
        assert "door een storing" in notice["text"] and "could not be handled" in caplog.text
        agent.failing = False
        await client.say({"message": "Ik wil mijn meterstand doorgeven"})
        assert (await client.next_message())["text"] == agent.reply
