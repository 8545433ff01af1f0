"""The `whatsapp` channel in a real Sanic server, mounted as `rasa run` mounts it, against the fake
WhatsApp Cloud API, with signed webhooks.

Rasa's Agent is replaced by `StandInAgent` here (it keeps the messages it is handed, as a tracker
would, and answers through the message's output channel): these tests are about the channel's
mechanics. Messages pushed later are sent the way Rasa's HTTP API sends them for
``output_channel=latest``: `get_output_channel().send_response(sender_id, event.message())`.
test_whatsapp_live.py runs the same channel in the real Rasa with the trained model, the action
server and the live chat."""
from __future__ import annotations

import asyncio
import json
import logging
import time
from datetime import datetime, timezone
from pathlib import Path

import aiohttp
import pytest

from livechat.config import LiveChatConfig
from naadloos.channels.customer_notices import media_not_supported_text
from naadloos.channels.delivery import ProviderError
from naadloos.channels.whatsapp import WhatsAppInput
from naadloos.channels.whatsapp.closed_window import WINDOW_CLOSED_REASON, NotSentWindowClosed
from naadloos.channels.whatsapp.settings import WhatsAppSettings
from naadloos.handover_contract.outbox import Outbox
from naadloos.handover_contract.schema import TicketRequest
from tests.channels.conftest import StandInAgent, serving
from tests.channels.whatsapp.conftest import TEMPLATE, Mounted
from tests.channels.whatsapp.fake_whatsapp import APP_SECRET, VERIFY_TOKEN, FakeWhatsApp, meta_signature
from tests.livechat.helpers import ROOT, SECRET, FakeClock, create_agent_client, running_service
from tests.processes import free_port

CUSTOMER = "31612345678"
DAY = 24 * 3600


def agent_event(text: str, agent: str = "Sanne", delivery_key: str = "7-1772442000.000000") -> dict:
    """What Rasa's HTTP API hands the output channel for the live chat's agent message
    (`BotUttered.message()` of ``{"event": "bot", "text", "metadata": {"agent", "livechat_delivery"}}``)."""
    return {"text": text, "timestamp": time.time(), "agent": agent, "livechat_delivery": delivery_key}


async def test_the_handshake_echoes_the_challenge_only_for_our_verify_token(mounted: Mounted, fake_whatsapp: FakeWhatsApp):
    async with mounted() as served:
        assert await fake_whatsapp.handshake(served.webhook("whatsapp"), VERIFY_TOKEN) == (200, "1158201444")
        status, _ = await fake_whatsapp.handshake(served.webhook("whatsapp"), "geraden-token")
        assert status == 403
        async with aiohttp.ClientSession() as http, http.get(served.webhook("whatsapp")) as reply:
            assert reply.status == 403


async def test_a_customers_message_reaches_the_assistant_and_its_reply_reaches_the_customer(
    mounted: Mounted, fake_whatsapp: FakeWhatsApp, agent: StandInAgent
):
    webhook = fake_whatsapp.text(CUSTOMER, "Hoi, ik wil mijn meterstand doorgeven")
    async with mounted() as served:
        assert await fake_whatsapp.post(served.webhook("whatsapp"), webhook) == (200, "ok")
        [reply] = await fake_whatsapp.wait_for(CUSTOMER, 1)
    [message] = agent.received
    assert (message.text, message.sender_id, message.input_channel) == ("Hoi, ik wil mijn meterstand doorgeven", CUSTOMER,
                                                                        "whatsapp")
    assert message.message_id == fake_whatsapp.message_id(webhook)
    assert reply == {"messaging_product": "whatsapp", "recipient_type": "individual", "to": CUSTOMER, "type": "text",
                     "text": {"preview_url": False, "body": "Hoi! Waarmee kan ik je helpen?"}}


async def test_the_webhook_is_answered_before_the_assistant_has_finished(fake_whatsapp: FakeWhatsApp, whatsapp_env: Path):
    """Meta sends a webhook again when the answer is slow: the 200 may not wait for the assistant."""
    release = asyncio.Event()
    slow = StandInAgent()
    handled = []

    async def handle_message(message):
        await release.wait()  # the assistant is busy until the test has its answer
        handled.append(message)

    slow.handle_message = handle_message  # type: ignore[method-assign]
    channel = WhatsAppInput.from_credentials(None)
    async with serving([channel], slow) as served:
        posting = fake_whatsapp.post(served.webhook("whatsapp"), fake_whatsapp.text(CUSTOMER, "hallo"))
        assert await asyncio.wait_for(posting, timeout=10) == (200, "ok")
        assert handled == []
        release.set()
        await channel.idle()
    assert [m.text for m in handled] == ["hallo"]


@pytest.mark.parametrize("signature", ["", "sha256=" + "0" * 64, None])
async def test_a_bad_signature_gets_403_and_nothing_is_handed_on_or_stored(
    mounted: Mounted, fake_whatsapp: FakeWhatsApp, agent: StandInAgent, whatsapp_env: Path, signature, caplog
):
    webhook = fake_whatsapp.text(CUSTOMER, "hallo")
    if signature is None:  # signed with another app's secret
        signature = meta_signature("een-ander-geheim", json.dumps(webhook, separators=(",", ":")).encode())
    channel = WhatsAppInput.from_credentials(None)
    async with mounted(channel) as served:
        with caplog.at_level(logging.WARNING):
            status, _ = await fake_whatsapp.post(served.webhook("whatsapp"), webhook, signature=signature)
        await channel.idle()
    assert status == 403
    assert "X-Hub-Signature-256 missing or wrong" in caplog.text
    assert agent.received == [] and fake_whatsapp.sent == []
    assert not (whatsapp_env / "whatsapp.sqlite3").exists(), "not even the customer's window was stored"


async def test_the_same_webhook_twice_is_handled_once(mounted: Mounted, fake_whatsapp: FakeWhatsApp, agent: StandInAgent):
    webhook = fake_whatsapp.text(CUSTOMER, "hallo")
    channel = WhatsAppInput.from_credentials(None)
    async with mounted(channel) as served:
        for _ in range(2):
            assert (await fake_whatsapp.post(served.webhook("whatsapp"), webhook))[0] == 200
        await channel.idle()
    assert [m.text for m in agent.received] == ["hallo"]
    assert len(fake_whatsapp.to(CUSTOMER)) == 1


async def test_one_customers_messages_are_handled_in_order(mounted: Mounted, fake_whatsapp: FakeWhatsApp):
    seen: list[str] = []
    slow_first = StandInAgent()

    async def handle_message(message):
        if message.text == "eerste":
            await asyncio.sleep(0.5)
        seen.append(message.text)

    slow_first.handle_message = handle_message  # type: ignore[method-assign]
    channel = WhatsAppInput.from_credentials(None)
    async with serving([channel], slow_first) as served:
        for text in ("eerste", "tweede", "derde"):
            assert (await fake_whatsapp.post(served.webhook("whatsapp"), fake_whatsapp.text(CUSTOMER, text)))[0] == 200
        await channel.idle()
    assert seen == ["eerste", "tweede", "derde"]


async def test_status_updates_are_acknowledged_and_a_failed_one_is_logged(
    mounted: Mounted, fake_whatsapp: FakeWhatsApp, agent: StandInAgent, caplog
):
    channel = WhatsAppInput.from_credentials(None)
    async with mounted(channel) as served:
        with caplog.at_level(logging.WARNING):
            for status in ("sent", "delivered", "read"):
                assert await fake_whatsapp.post(served.webhook("whatsapp"), fake_whatsapp.status(CUSTOMER, status)) == (200, "ok")
            failed = fake_whatsapp.status(CUSTOMER, "failed", [{"code": 131026, "title": "Message undeliverable"}])
            assert (await fake_whatsapp.post(served.webhook("whatsapp"), failed))[0] == 200
        await channel.idle()
    assert agent.received == [] and fake_whatsapp.requests == []
    assert "did not reach …5678: 131026 Message undeliverable" in caplog.text


@pytest.mark.parametrize("kind", ["image", "audio", "sticker", "location", "document"])
async def test_media_gets_a_polite_reply_and_does_not_reach_the_assistant(
    mounted: Mounted, fake_whatsapp: FakeWhatsApp, agent: StandInAgent, kind: str
):
    async with mounted() as served:
        assert (await fake_whatsapp.post(served.webhook("whatsapp"), fake_whatsapp.media(CUSTOMER, kind)))[0] == 200
        await fake_whatsapp.wait_for(CUSTOMER, 1)
    assert fake_whatsapp.texts_to(CUSTOMER) == [media_not_supported_text()]
    assert "Sorry, ik kan alleen tekst lezen" in media_not_supported_text()
    assert agent.received == []


async def test_a_photos_caption_still_reaches_the_assistant_and_a_reaction_gets_nothing(
    mounted: Mounted, fake_whatsapp: FakeWhatsApp, agent: StandInAgent
):
    channel = WhatsAppInput.from_credentials(None)
    async with mounted(channel) as served:
        await fake_whatsapp.post(served.webhook("whatsapp"), fake_whatsapp.media(CUSTOMER, "image", caption="mijn meter"))
        await fake_whatsapp.post(served.webhook("whatsapp"), fake_whatsapp.reaction(CUSTOMER))
        await channel.idle()
    assert [m.text for m in agent.received] == ["mijn meter"]
    assert fake_whatsapp.texts_to(CUSTOMER) == [media_not_supported_text(), "Hoi! Waarmee kan ik je helpen?"]


@pytest.mark.parametrize(
    ("content", "line"),
    [
        ({"type": "image", "image": {"id": "1001", "mime_type": "image/jpeg", "caption": "mijn meter"}},
         "[Foto gestuurd] mijn meter (WhatsApp media-id 1001)"),
        ({"type": "document", "document": {"id": "1002", "filename": "factuur.pdf", "mime_type": "application/pdf"}},
         "[Document: factuur.pdf] (WhatsApp media-id 1002)"),
        ({"type": "audio", "audio": {"id": "1003", "mime_type": "audio/ogg; codecs=opus", "voice": True}},
         "[Spraakbericht] (WhatsApp media-id 1003)"),
        ({"type": "location", "location": {"latitude": 52.09, "longitude": 5.12, "name": "Thuis"}}, "[Locatie gedeeld: Thuis]"),
    ],
)
async def test_during_a_hand_over_media_reaches_the_colleague_as_a_line(
    mounted: Mounted, fake_whatsapp: FakeWhatsApp, agent: StandInAgent, content: dict, line: str
):
    await agent.hand_over(CUSTOMER)
    channel = WhatsAppInput.from_credentials(None)
    async with mounted(channel) as served:
        webhook = fake_whatsapp.message(CUSTOMER, content)
        assert (await fake_whatsapp.post(served.webhook("whatsapp"), webhook))[0] == 200
        await channel.idle()
    [message] = agent.received
    assert (message.text, message.message_id) == (line, fake_whatsapp.message_id(webhook))
    assert fake_whatsapp.sent == [], "the customer gets no 'I can only read text': a colleague reads along"


async def test_buttons_become_interactive_messages_and_the_choice_comes_back_as_the_payload(
    mounted: Mounted, fake_whatsapp: FakeWhatsApp, agent: StandInAgent
):
    channel = WhatsAppInput.from_credentials(None)
    yes_no = [{"title": "Ja", "payload": "/affirm"}, {"title": "Nee", "payload": "/deny"}]
    scores = [{"title": str(n), "payload": f'/feedback{{"score":"{n}"}}'} for n in range(1, 6)]
    topics = [{"title": f"Onderwerp {n}", "payload": f"/topic_{n}"} for n in range(1, 13)]
    async with mounted(channel) as served:
        await fake_whatsapp.post(served.webhook("whatsapp"), fake_whatsapp.text(CUSTOMER, "hallo"))  # opens the window
        await channel.idle()
        for text, buttons, answer in (
            ("Klopt dit?", yes_no, fake_whatsapp.button_reply(CUSTOMER, "/affirm", "Ja")),
            ("Hoe tevreden ben je?", scores, fake_whatsapp.list_reply(CUSTOMER, '/feedback{"score":"4"}', "4")),
            ("Waarover gaat je vraag?", topics, fake_whatsapp.text(CUSTOMER, "11")),
        ):
            await channel.reply_output.send_response(CUSTOMER, {"text": text, "buttons": buttons})
            assert (await fake_whatsapp.post(served.webhook("whatsapp"), answer))[0] == 200
            await channel.idle()
        await fake_whatsapp.post(served.webhook("whatsapp"), fake_whatsapp.text(CUSTOMER, "11"))
        await channel.idle()
    sent = [m for m in fake_whatsapp.to(CUSTOMER) if m.get("text", {}).get("body") != "Hoi! Waarmee kan ik je helpen?"]
    buttons, listed, numbered = sent
    assert buttons["interactive"]["type"] == "button"
    assert [b["reply"]["id"] for b in buttons["interactive"]["action"]["buttons"]] == ["/affirm", "/deny"]
    assert listed["interactive"]["type"] == "list"
    assert [r["title"] for r in listed["interactive"]["action"]["sections"][0]["rows"]] == ["1", "2", "3", "4", "5"]
    assert numbered["type"] == "text" and "11. Onderwerp 11" in numbered["text"]["body"]
    assert [m.text for m in agent.received] == ["hallo", "/affirm", '/feedback{"score":"4"}', "/topic_11", "11"], (
        "a number means a choice only right after the numbered choices"
    )
    assert all(request in fake_whatsapp.sent for request in fake_whatsapp.requests), "WhatsApp took every message"


async def test_an_agents_message_within_24_hours_is_a_text_with_the_agents_name(
    mounted: Mounted, fake_whatsapp: FakeWhatsApp
):
    channel = WhatsAppInput.from_credentials(None)
    async with mounted(channel) as served:
        webhook = fake_whatsapp.text(CUSTOMER, "hallo", sent_at=time.time() - 23 * 3600)
        await fake_whatsapp.post(served.webhook("whatsapp"), webhook)
        await channel.idle()
        await channel.get_output_channel().send_response(CUSTOMER, agent_event("Ik kijk even met je mee."))
        await channel.get_output_channel().send_response(CUSTOMER, {"text": "Je bent aan de beurt.", "livechat": "system"})
    assert fake_whatsapp.texts_to(CUSTOMER)[-2:] == ["*Sanne (Polderstroom):* Ik kijk even met je mee.", "Je bent aan de beurt."]


async def test_an_image_or_file_goes_only_by_its_https_address(mounted: Mounted, fake_whatsapp: FakeWhatsApp):
    """WhatsApp fetches a file from its link: only a plain https address is sent, nothing else
    (`naadloos.channels.script_links.web_link`), so no pushed message fails on a bad link either."""
    channel = WhatsAppInput.from_credentials(None)
    async with mounted(channel) as served:
        await fake_whatsapp.post(served.webhook("whatsapp"), fake_whatsapp.text(CUSTOMER, "hallo"))
        await channel.idle()
        output = channel.get_output_channel()
        for link in ("javascript:alert(1)", "data:image/png;base64,iVBORw0KGgo=", "&#106;avascript:alert(1)",
                     "http://www.polderstroom.nl/meterkast.png"):
            await output.send_response(CUSTOMER, {"image": link})
            await output.send_response(CUSTOMER, {"attachment": link})
        await output.send_response(CUSTOMER, {"image": " https://www.polderstroom.nl/meterkast.png"})
    files = [(m["type"], m[m["type"]]) for m in fake_whatsapp.to(CUSTOMER) if m["type"] in ("image", "document")]
    assert files == [("image", {"link": "https://www.polderstroom.nl/meterkast.png"})]


async def test_the_window_is_remembered_after_a_restart(mounted: Mounted, fake_whatsapp: FakeWhatsApp):
    before = WhatsAppInput.from_credentials(None)
    async with mounted(before) as served:
        await fake_whatsapp.post(served.webhook("whatsapp"), fake_whatsapp.text(CUSTOMER, "hallo"))
        await before.idle()
    after = WhatsAppInput.from_credentials(None)  # a new Rasa process: nothing in memory
    await after.get_output_channel().send_response(CUSTOMER, agent_event("Goedemorgen!"))
    await after.close()
    assert fake_whatsapp.texts_to(CUSTOMER)[-1] == "*Sanne (Polderstroom):* Goedemorgen!"


async def test_after_24_hours_an_agents_reply_goes_as_the_configured_template(
    mounted: Mounted, fake_whatsapp: FakeWhatsApp, monkeypatch, caplog
):
    monkeypatch.setenv("WHATSAPP_TEMPLATE_NAME", TEMPLATE)
    channel = WhatsAppInput.from_credentials(None)
    async with mounted(channel) as served:
        webhook = fake_whatsapp.text(CUSTOMER, "hallo", sent_at=time.time() - 25 * 3600)
        await fake_whatsapp.post(served.webhook("whatsapp"), webhook)
        await channel.idle()
        before = len(fake_whatsapp.to(CUSTOMER))
        with caplog.at_level(logging.INFO):
            await channel.get_output_channel().send_response(CUSTOMER, agent_event("Je factuur is aangepast.\nFijne dag!"))
    [template] = fake_whatsapp.to(CUSTOMER)[before:]
    assert template["type"] == "template"
    assert template["template"] == {
        "name": TEMPLATE, "language": {"code": "nl"},
        "components": [{"type": "body", "parameters": [
            {"type": "text", "text": "*Sanne (Polderstroom):* Je factuur is aangepast. Fijne dag!"}]}],
    }
    assert f"Sanne's reply to …5678 went out as template '{TEMPLATE}'" in caplog.text


async def test_after_24_hours_without_a_template_the_reply_becomes_a_ticket_at_the_desk(
    mounted: Mounted, fake_whatsapp: FakeWhatsApp, whatsapp_env: Path, monkeypatch, tmp_path: Path
):
    """The ticket goes to the real live-chat service (in this process), through the configured back end."""
    config = LiveChatConfig(database_url=f"sqlite:///{tmp_path / 'livechat.sqlite3'}", shared_secret=SECRET,
                            organisation_file=ROOT / "config" / "organisation.yml", var_dir=tmp_path / "desk",
                            rasa_url="http://127.0.0.1:9")
    async with running_service(config, FakeClock(datetime.now(timezone.utc))) as desk:
        monkeypatch.setenv("LIVECHAT_URL", desk.url)
        monkeypatch.setenv("LIVECHAT_SHARED_SECRET", SECRET)
        monkeypatch.setenv("NAADLOOS_HANDOVER_BACKEND", "builtin")
        channel = WhatsAppInput.from_credentials(None)
        async with mounted(channel) as served:
            last = time.time() - 30 * 3600
            await fake_whatsapp.post(served.webhook("whatsapp"), fake_whatsapp.text(CUSTOMER, "hallo", sent_at=last))
            await channel.idle()
            before = len(fake_whatsapp.requests)
            for _attempt in range(2):  # the desk retries a message that did not arrive: one ticket
                with pytest.raises(NotSentWindowClosed, match="more than 24 hours old and no template is configured"):
                    await channel.get_output_channel().send_response(CUSTOMER, agent_event("Je factuur is aangepast."))
            # A notice that is not an agent's words is left out without an error (the desk must not retry it).
            await channel.get_output_channel().send_response(CUSTOMER, {"text": "Je praat nu weer met de digitale assistent."})
        assert len(fake_whatsapp.requests) == before, "nothing was sent to WhatsApp"
        sanne = await create_agent_client(desk, "sanne", "Sanne")  # what the desk shows her team
        try:
            status, body = await sanne.get("/tickets")
        finally:
            await sanne.close()
    assert status == 200
    [ticket] = [t for t in body["tickets"] if t["conversation_id"] == CUSTOMER]
    assert (ticket["channel"], ticket["reason"], ticket["team"]) == ("whatsapp", WINDOW_CLOSED_REASON, "klantenservice")
    assert ticket["summary"].startswith("WhatsApp-bericht van Sanne niet verstuurd: de klant schreef ons het laatst op ")
    assert "er is geen sjabloonbericht ingesteld (WHATSAPP_TEMPLATE_NAME)" in ticket["summary"]
    assert [turn["text"] for turn in ticket["transcript"]] == ["*Sanne (Polderstroom):* Je factuur is aangepast."]
    assert Outbox(whatsapp_env / "outbox.sqlite3").pending() == []


@pytest.mark.parametrize(("handed_over_to", "team"), [("klachten", "klachten"), (None, "klantenservice")])
async def test_a_late_reply_becomes_a_ticket_for_the_team_that_has_the_conversation(
    mounted: Mounted, agent: StandInAgent, whatsapp_env: Path, handed_over_to: str | None, team: str
):
    """The conversation's own hand-over team (the `escalation_team` slot); the default team only
    when the conversation is not known."""
    if handed_over_to:
        await agent.hand_over(CUSTOMER, team=handed_over_to)
    tickets: list[TicketRequest] = []

    async def file_ticket(ticket: TicketRequest) -> None:
        tickets.append(ticket)

    channel = WhatsAppInput(WhatsAppSettings.from_environment(), file_ticket=file_ticket)
    async with mounted(channel):
        with pytest.raises(NotSentWindowClosed):
            await channel.get_output_channel().send_response(CUSTOMER, agent_event("Je klacht is behandeld."))
    [ticket] = tickets
    assert ticket.team == team


async def test_with_the_desk_unreachable_the_ticket_waits_in_the_outbox(
    mounted: Mounted, fake_whatsapp: FakeWhatsApp, whatsapp_env: Path, monkeypatch
):
    monkeypatch.setenv("LIVECHAT_URL", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("LIVECHAT_SHARED_SECRET", SECRET)
    monkeypatch.setenv("NAADLOOS_HANDOVER_BACKEND", "builtin")
    channel = WhatsAppInput.from_credentials(None)
    with pytest.raises(NotSentWindowClosed):  # never wrote: no window at all
        await channel.get_output_channel().send_response(CUSTOMER, agent_event("Hallo!"))
    await channel.close()
    [kept] = Outbox(whatsapp_env / "outbox.sqlite3").pending()
    assert isinstance(kept, TicketRequest) and kept.reason == WINDOW_CLOSED_REASON
    assert "er is geen WhatsApp-bericht van de klant van de afgelopen 24 uur bekend" in kept.summary


async def test_when_whatsapp_says_the_window_is_closed_the_reply_goes_as_a_template(
    fake_whatsapp: FakeWhatsApp, whatsapp_env: Path, monkeypatch
):
    """Our file says the window is open (e.g. it was copied from another server), WhatsApp disagrees."""
    monkeypatch.setenv("WHATSAPP_TEMPLATE_NAME", TEMPLATE)
    channel = WhatsAppInput.from_credentials(None)
    channel.windows.record(CUSTOMER, time.time())
    await channel.get_output_channel().send_response(CUSTOMER, agent_event("Hallo!"))
    await channel.close()
    refused, template = fake_whatsapp.requests
    assert refused["type"] == "text" and template["type"] == "template"
    assert fake_whatsapp.sent == [template]


async def test_a_refused_template_becomes_a_ticket(fake_whatsapp: FakeWhatsApp, whatsapp_env: Path, monkeypatch):
    monkeypatch.setenv("WHATSAPP_TEMPLATE_NAME", "niet_goedgekeurd")
    tickets: list[TicketRequest] = []

    async def file_ticket(ticket: TicketRequest) -> None:
        tickets.append(ticket)

    channel = WhatsAppInput(WhatsAppSettings.from_environment(), file_ticket=file_ticket)
    with pytest.raises(NotSentWindowClosed, match="WhatsApp refused template 'niet_goedgekeurd'"):
        await channel.get_output_channel().send_response(CUSTOMER, agent_event("Hallo!"))
    await channel.close()
    [ticket] = tickets
    assert "WhatsApp weigerde het sjabloonbericht 'niet_goedgekeurd'" in ticket.summary
    assert "132001" in ticket.summary


async def test_whatsapp_errors_are_raised_for_pushed_messages_and_logged_for_replies(
    mounted: Mounted, fake_whatsapp: FakeWhatsApp, agent: StandInAgent, caplog
):
    channel = WhatsAppInput.from_credentials(None)
    async with mounted(channel) as served:
        fake_whatsapp.mode = "error"
        with caplog.at_level(logging.ERROR):
            assert (await fake_whatsapp.post(served.webhook("whatsapp"), fake_whatsapp.text(CUSTOMER, "hallo")))[0] == 200
            await channel.idle()
        assert [m.text for m in agent.received] == ["hallo"], "the customer's message is kept even when the reply fails"
        assert "WhatsApp answered HTTP 500: error 131000 (Something went wrong)" in caplog.text
        with pytest.raises(ProviderError, match="HTTP 500"):
            await channel.get_output_channel().send_response(CUSTOMER, agent_event("Hallo!"))
    await fake_whatsapp.stop()
    with pytest.raises(ProviderError, match="WhatsApp is not reachable"):
        await channel.get_output_channel().send_response(CUSTOMER, agent_event("Hallo!"))
    await channel.close()


async def test_a_wrong_access_token_is_a_clear_error(fake_whatsapp: FakeWhatsApp, whatsapp_env: Path, monkeypatch):
    monkeypatch.setenv("WHATSAPP_ACCESS_TOKEN", "verlopen-token")
    channel = WhatsAppInput.from_credentials(None)
    channel.windows.record(CUSTOMER, time.time())
    with pytest.raises(ProviderError, match="HTTP 401: error 190"):
        await channel.get_output_channel().send_response(CUSTOMER, {"text": "Hallo!"})
    await channel.close()


async def test_a_message_for_another_business_number_is_ignored(
    mounted: Mounted, fake_whatsapp: FakeWhatsApp, agent: StandInAgent
):
    webhook = fake_whatsapp.text(CUSTOMER, "hallo")
    webhook["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"] = "999999999999"
    channel = WhatsAppInput.from_credentials(None)
    async with mounted(channel) as served:
        assert (await fake_whatsapp.post(served.webhook("whatsapp"), webhook))[0] == 200
        await channel.idle()
    assert agent.received == [] and fake_whatsapp.requests == []


async def test_without_settings_the_webhook_answers_503_and_rasa_still_starts(
    fake_whatsapp: FakeWhatsApp, agent: StandInAgent, monkeypatch, tmp_path: Path, caplog
):
    for name in ("WHATSAPP_PHONE_NUMBER_ID", "WHATSAPP_ACCESS_TOKEN", "WHATSAPP_APP_SECRET", "WHATSAPP_VERIFY_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NAADLOOS_VAR_DIR", str(tmp_path))
    with caplog.at_level(logging.INFO):
        channel = WhatsAppInput.from_credentials(None)
        async with serving([channel], agent) as served:
            status, _ = await fake_whatsapp.post(served.webhook("whatsapp"), fake_whatsapp.text(CUSTOMER, "hallo"))
            handshake_status, _ = await fake_whatsapp.handshake(served.webhook("whatsapp"), VERIFY_TOKEN)
    assert (status, handshake_status) == (503, 503)
    assert "whatsapp channel off: WHATSAPP_VERIFY_TOKEN, WHATSAPP_APP_SECRET" in caplog.text
    assert "whatsapp webhook refused: the channel is not configured (set WHATSAPP_APP_SECRET)" in caplog.text
    assert agent.received == []
    with pytest.raises(ProviderError, match="set WHATSAPP_PHONE_NUMBER_ID, WHATSAPP_ACCESS_TOKEN"):
        await channel.api.send(CUSTOMER, {"type": "text", "text": {"body": "x"}})


async def test_a_body_that_is_not_json_gets_400(mounted: Mounted, agent: StandInAgent):
    body = b"not json"
    async with mounted() as served, aiohttp.ClientSession() as http:
        headers = {"X-Hub-Signature-256": meta_signature(APP_SECRET, body)}
        async with http.post(served.webhook("whatsapp"), data=body, headers=headers) as reply:
            assert reply.status == 400
    assert agent.received == []
