"""Files carry only plain http(s) addresses (`naadloos.channels.script_links.web_link`): a file a
customer sends reaches the colleague with its address or, for a `javascript:`, `data:`, ...
link, with the reason in Dutch (`naadloos.channels.media`); an image or file the bot sends leaves
no channel with such a link. WhatsApp's part is in tests/channels/whatsapp/test_whatsapp_channel.py,
Chatwoot's in test_chatwoot_channel.py."""
from __future__ import annotations

import pytest

from naadloos.channels.chatwoot.options import AgentBotApi
from naadloos.channels.chatwoot.output import ChatwootOutput
from naadloos.channels.media import DOCUMENT, PHOTO, UNSAFE_LINK_NOTE, Media, media_line
from naadloos.channels.script_links import link_scheme, web_link
from naadloos.channels.telegram import TelegramInput
from naadloos.channels.twilio import TwilioInput
from naadloos.channels.webchat import safe_for_page
from naadloos.channels.whatsapp.messages import NumberedChoices
from naadloos.handover_contract.chatwoot.links import front_door_sender_id
from tests.channels.conftest import StandInAgent, serving
from tests.channels.fake_chatwoot import FakeChatwootWithBot
from tests.channels.test_telegram_channel import CHAT_ID
from tests.channels.test_telegram_channel import settings_for as telegram_settings
from tests.channels.test_twilio_channel import CUSTOMER, WHATSAPP_CONVERSATION
from tests.channels.test_twilio_channel import settings_for as twilio_settings
from tests.chatwoot.polderstroom import served as served_chatwoot
from tests.processes import free_port

IMAGE = "https://www.polderstroom.nl/img/meterkast.png"
UNSAFE = [
    "javascript:alert(document.cookie)",
    " JavaScript:alert(1)",
    "&#106;avascript:alert(1)",
    "java\tscript:alert(1)",
    "\x01javascript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "data:image/svg+xml,<svg onload=alert(1)>",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
    "//evil.example/x.png",  # no scheme: relative to wherever it is shown
    "https://",  # no host
    "https://example.nl/a b.png",
    'https://example.nl/x.png"onerror="alert(1)',
    "h&#116;tps://example.nl/x.png",
    "https://example.nl:99999999/x.png",
]


@pytest.mark.parametrize("link", [IMAGE, "http://intranet.polderstroom.nl/meter.jpg", "HTTPS://Example.NL/x?y=1&z=2#k",
                                  "  https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1\n"])
def test_a_plain_web_address_is_a_web_link(link):
    assert web_link(link) == link.strip()


@pytest.mark.parametrize("link", [*UNSAFE, "", None, 42, ["https://example.nl"], "mailto:klant@example.nl"])
def test_anything_else_is_not(link):
    assert web_link(link) is None


def test_only_the_schemes_asked_for():
    assert web_link("http://example.nl/x.png", schemes=("https",)) is None
    assert web_link(IMAGE, schemes=("https",)) == IMAGE


@pytest.mark.parametrize(("link", "scheme"), [("&#x6A;avascript&colon;x", "javascript"), (" Data:x", "data"),
                                              ("WhatsApp media-id 1234", None), ("", None)])
def test_the_scheme_is_read_as_a_browser_reads_it(link, scheme):
    assert link_scheme(link) == scheme


@pytest.mark.parametrize("link", UNSAFE[:9])
def test_a_customers_file_with_a_script_or_data_link_reaches_the_colleague_with_the_reason(link):
    line = media_line([Media(PHOTO, reference=IMAGE), Media(DOCUMENT, "factuur.pdf", link)], "mijn meter")
    assert line == f"[Foto gestuurd] [Document: factuur.pdf] mijn meter ({IMAGE}; {UNSAFE_LINK_NOTE})"


def test_the_reason_is_plain_dutch_for_the_colleague():
    assert UNSAFE_LINK_NOTE.startswith("link weggehaald") and "http" in UNSAFE_LINK_NOTE


def test_a_providers_id_stays_and_keeps_no_script_link():
    assert media_line([Media(PHOTO, reference="WhatsApp media-id 1234")]) == "[Foto gestuurd] (WhatsApp media-id 1234)"
    assert "javascript:" not in media_line([Media(PHOTO, reference="Telegram file_id x javascript:alert(1)")])


async def test_during_a_hand_over_a_twilio_file_with_a_script_link_reaches_the_colleague_with_the_reason(fake_twilio):
    agent, port = StandInAgent(), free_port()
    await agent.hand_over(WHATSAPP_CONVERSATION)
    async with serving([TwilioInput(twilio_settings(fake_twilio, port))], agent, port) as running:
        params = fake_twilio.incoming(CUSTOMER, "kijk", NumMedia="2", MediaContentType0="image/jpeg", MediaUrl0=IMAGE,
                                      MediaContentType1="application/pdf", MediaUrl1="javascript:alert(1)")
        status, _ = await fake_twilio.webhook(running.webhook("twilio"), params)
    assert status == 200
    assert [m.text for m in agent.received] == [f"[Foto gestuurd] [Document gestuurd] kijk ({IMAGE}; {UNSAFE_LINK_NOTE})"]


async def test_twilio_sends_a_file_only_by_a_web_address(fake_twilio):
    output = TwilioInput(twilio_settings(fake_twilio, 1)).get_output_channel()
    try:
        for link in UNSAFE:
            await output.send_response(WHATSAPP_CONVERSATION, {"image": link})
            await output.send_response(WHATSAPP_CONVERSATION, {"attachment": link})
        await output.send_response(WHATSAPP_CONVERSATION, {"image": IMAGE})
        [sent] = await fake_twilio.wait_for(1)
    finally:
        await output.api.close()  # type: ignore[attr-defined]
    assert sent["media_url"] == [IMAGE] and len(fake_twilio.sent) == 1


async def test_telegram_sends_an_image_only_by_a_web_address(fake_telegram):
    output = TelegramInput(telegram_settings(fake_telegram, 1)).get_output_channel()
    assert output is not None
    try:
        for link in UNSAFE:
            await output.send_response(str(CHAT_ID), {"image": link})
            await output.send_response(str(CHAT_ID), {"attachment": link})
        await output.send_response(str(CHAT_ID), {"image": IMAGE})
    finally:
        await output.close_session()
    assert [photo["photo"] for photo in fake_telegram.photos] == [IMAGE]
    assert fake_telegram.sent == []  # not even as "Attachment: ..." text


async def test_chatwoot_posts_a_file_only_by_a_web_address():
    async with served_chatwoot(FakeChatwootWithBot()) as chatwoot:
        conversation = chatwoot.start_conversation()
        api = AgentBotApi(chatwoot.url, chatwoot.account_id, chatwoot.bot_token, 2.0)
        output = ChatwootOutput(api, NumberedChoices(), raise_send_errors=True)
        sender = front_door_sender_id(chatwoot.account_id, conversation)
        for link in UNSAFE:
            await output.send_response(sender, {"image": link})
            await output.send_response(sender, {"attachment": link})
        await output.send_response(sender, {"image": IMAGE})
    assert chatwoot.said_by_bot(conversation) == [IMAGE]


@pytest.mark.parametrize("link", UNSAFE)
def test_the_web_chat_gets_no_file_with_another_link(link):
    message = {"text": "Zo ziet je meterkast eruit", "attachment": {"type": "image", "payload": {"src": link}}}
    assert safe_for_page(message) == {"text": "Zo ziet je meterkast eruit"}
    assert safe_for_page({"attachment": link}) == {}


def test_the_web_chat_gets_a_file_with_a_web_address():
    image = {"attachment": {"type": "image", "payload": {"src": IMAGE}}}
    assert safe_for_page(image) == image
    assert safe_for_page({"attachment": {"type": "template", "payload": {"elements": []}}})["attachment"]
