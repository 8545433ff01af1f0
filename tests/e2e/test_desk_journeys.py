"""Issue 10's journeys in headless Chromium against the real processes (`live_system`: Rasa with the
trained model, the action server, the live-chat service). The customer and the agent each have a
browser context of their own, as two people on two computers:

- nobody can take over: the bot offers a callback in the chat, the customer gives a number and a
  moment, and the agent sees it in the desk's inbox, claims it, records "teruggebeld" and closes it;
- waiting for a colleague: the header says so, no fake typing, then the agent takes over and the
  reply arrives in the same window (on a phone);
- two customers wait: the second is number 2, and moves up once the agent takes the first;
- a form finished without a customer number: postcode and house number, a double meter with
  solar panels, one reading changed at "Klopt dit?", every reading in its own back-office column.

Writes results/screenshots/e2e-chat-phone.png, e2e-chat-desktop.png, e2e-desk.png,
e2e-desk-queue.png, e2e-desk-inbox.png and e2e-form-phone.png.
"""
from __future__ import annotations

import re
import time
from datetime import date, timedelta
from pathlib import Path

from naadloos.core.parsing import format_date_nl
from tests.e2e.browser import PHONE, Browser
from tests.e2e.page_objects import DEMO_AGENT_NAME, ROOT, ChatPage, backoffice_row, desk_of, js, screenshot

ASK_FOR_A_PERSON = "ik wil een medewerker spreken"
HANDED_OVER = "Je hoeft niets te herhalen"  # in the bot's hand-over message
WAITING_HEADER = "Je wacht op een collega. Blijf in dit venster."
FIRST_IN_LINE = "Je bent de volgende in de wachtrij."
CHAT_JS = ROOT / "livechat" / "static" / "chat" / "chat.js"


def page_poll_seconds() -> float:
    """How often the waiting page asks for its place (chat.js `WAITING_POLL_MS`)."""
    found = re.search(r"WAITING_POLL_MS = (\d+);", CHAT_JS.read_text(encoding="utf-8"))
    assert found, f"WAITING_POLL_MS not found in {CHAT_JS}"
    return int(found.group(1)) / 1000


async def hands_over(chat: ChatPage, opening: str | None = None) -> str:
    """The customer asks for a person (after `opening`, when given); the conversation id."""
    if opening:
        await chat.says(opening)
        await chat.reads("Polderstroom")
    await chat.says(ASK_FOR_A_PERSON)
    await chat.reads(HANDED_OVER)
    return await chat.session_id()


async def test_a_callback_promised_by_the_bot_is_seen_claimed_and_closed_on_the_desk(
    browser: Browser, live_system: dict[str, str]
) -> None:
    # Nobody is logged in at the desk: the bot cannot hand over and offers a callback.
    chat = await ChatPage.open(await browser.new_context(), live_system["livechat"])
    await chat.says(ASK_FOR_A_PERSON)
    await chat.reads("Er is op dit moment geen collega vrij")
    await chat.reads("Wil je dat een collega je terugbelt?")
    await chat.clicks("Ja, bel me terug")
    await chat.reads("Op welk telefoonnummer")
    await chat.says("06-23456789")
    await chat.reads("Wanneer komt het je het beste uit?")
    await chat.says("morgenochtend")
    await chat.reads("belt je terug op 0623456789 (morgenochtend)")
    assert not await chat.typing_shown()

    async with desk_of(await browser.new_context(), live_system["livechat"], live_system["password"]) as desk:
        title, listed = await desk.opens_inbox_item("callback", await chat.session_id())
        assert "Bellen: 0623456789 · morgenochtend · nog niet opgepakt" in listed, listed
        detail = await desk.inbox_detail()
        for expected in ("Telefoon 0623456789", "Moment morgenochtend", "Eigenaar nog niemand"):
            assert expected in detail, (expected, detail)
        transcript = await desk.inbox_transcript()
        assert f"Klant {ASK_FOR_A_PERSON}" in transcript, transcript
        assert await desk.tab.evaluate("document.querySelector('#inbox-detail a.phone').getAttribute('href')") == "tel:0623456789"

        await desk.claims()
        assert f"Eigenaar {DEMO_AGENT_NAME}" in await desk.inbox_detail()
        await desk.records_outcome("called_back", "Klant teruggebeld, factuur samen doorgenomen")
        detail = await desk.inbox_detail()
        assert "Teruggebeld (poging 1" in detail and "Klant teruggebeld, factuur samen doorgenomen" in detail, detail
        await screenshot(desk.tab, "e2e-desk-inbox.png")

        await desk.finishes()
        await desk.tab.wait_for(f"!{desk.inbox_row(title)}", what=f"{title} gone from the open list")
        await desk.history_shows(f"{title} · Teruggebeld")


async def test_waiting_for_a_colleague_then_the_colleague_answers_in_the_same_window(
    browser: Browser, live_system: dict[str, str]
) -> None:
    async with desk_of(await browser.new_context(), live_system["livechat"], live_system["password"]) as desk:
        chat = await ChatPage.open(await browser.new_context(), live_system["livechat"], PHONE)
        conversation = await hands_over(chat, opening="hallo")
        handover_id = await desk.handover_of(conversation)
        try:
            await chat.tab.wait_for(f"{chat.HEADER} === {js(WAITING_HEADER)}", what="the waiting header")
            await chat.waits_for_place(FIRST_IN_LINE)
            assert not await chat.typing_shown()

            await chat.says("Is er al iemand?")  # reaches the desk; nobody pretends to type meanwhile
            assert not await chat.typing_shown(), "typing shown while waiting for a colleague"
            await desk.opens_handover(conversation)
            await desk.transcript_has("Is er al iemand?")
            assert not await chat.typing_shown()
            assert await chat.header() == WAITING_HEADER
            await screenshot(chat.tab, "e2e-chat-phone.png")

            await desk.accepts()
            await chat.reads("Je praat nu met")
            await desk.replies("Hoi, ik ben van Polderstroom. Ik kijk even met je mee.")
            await chat.reads("Ik kijk even met je mee.")
            assert await chat.last_agent_message() == {
                "sender": DEMO_AGENT_NAME, "text": "Hoi, ik ben van Polderstroom. Ik kijk even met je mee."
            }
            assert await chat.header() == f"Je chat met {DEMO_AGENT_NAME}."
            assert await chat.tab.evaluate(f"!({chat.WAITING_SHOWN})"), "the waiting bar is gone"
            assert await chat.session_id() == conversation, "still the same conversation and window"
            await screenshot(desk.tab, "e2e-desk.png")
        finally:  # nobody left waiting for the journeys after this one
            await desk.gives_back(handover_id)


async def test_the_second_customer_in_the_queue_moves_up_when_the_first_is_taken(
    browser: Browser, live_system: dict[str, str]
) -> None:
    async with desk_of(await browser.new_context(), live_system["livechat"], live_system["password"]) as desk:
        first = await ChatPage.open(await browser.new_context(), live_system["livechat"])
        second = await ChatPage.open(await browser.new_context(), live_system["livechat"])
        assert await second.session_id() != await first.session_id(), "each customer has a conversation of their own"
        handovers: list[int] = []
        try:
            first_conversation = await hands_over(first)
            handovers.append(await desk.handover_of(first_conversation))
            await first.waits_for_place(FIRST_IN_LINE)
            second_conversation = await hands_over(second)
            handovers.append(await desk.handover_of(second_conversation))
            await second.waits_for_place("Je bent nummer 2 in de wachtrij.")
            assert await second.header() == WAITING_HEADER
            await screenshot(second.tab, "e2e-chat-desktop.png")
            queued = "[...document.querySelectorAll('#queue li strong')].map((s) => s.textContent.split(' ')[0])"
            await desk.tab.wait_for(f"{js([f'#{id}' for id in handovers])}.every((id) => {queued}.includes(id))",
                                    what="both customers in the desk's queue")
            await screenshot(desk.tab, "e2e-desk-queue.png")

            await desk.opens_handover(first_conversation)
            await desk.accepts()
            accepted_at = time.monotonic()
            # The second page learns its new place on its next poll, without a reload.
            await second.waits_for_place(FIRST_IN_LINE, timeout=page_poll_seconds() + 2)
            assert time.monotonic() - accepted_at <= page_poll_seconds() + 2
            assert await second.header() == WAITING_HEADER
            await first.reads("Je praat nu met")
            await first.tab.wait_for(f"!({first.WAITING_SHOWN})", what="the first customer's wait ended")
            assert (await first.header()).startswith("Je chat met ")
        finally:  # nobody left waiting for the journeys after this one
            for handover_id in handovers:
                await desk.gives_back(handover_id)


READING_COLUMNS = (
    "customer_number", "customer_postcode", "customer_house_number", "meter_type", "electricity_kwh",
    "electricity_normal_kwh", "electricity_offpeak_kwh", "return_kwh", "return_normal_kwh", "return_offpeak_kwh", "gas_m3",
    "reading_date",
)


def backoffice_of(live_system: dict[str, str]) -> Path:
    """The back-office file of `live_system`: next to its outbox (tests/live_stack.py)."""
    return Path(live_system["outbox"]).parent / "backoffice.sqlite3"


async def test_a_meter_reading_without_a_customer_number_is_checked_changed_and_stored_per_reading(
    browser: Browser, live_system: dict[str, str]
) -> None:
    chat = await ChatPage.open(await browser.new_context(), live_system["livechat"], PHONE)
    await chat.says("ik wil mijn meterstand doorgeven")
    await chat.reads("Wat is je klantnummer?")
    await chat.clicks("Ik heb geen klantnummer")
    await chat.reads("Wat zijn je postcode en huisnummer?")
    await chat.says("3512 JE 8")
    await chat.reads("Heb je een enkele of een dubbele meter?")
    await chat.clicks("Dubbele meter")
    await chat.reads("Wat is je stand normaal")
    await chat.says("12345")
    await chat.reads("En wat is je stand dal?")
    await chat.says("9876")
    await chat.reads("Heb je zonnepanelen")
    await chat.clicks("Ja")
    await chat.reads("Wat is je terugleverstand normaal")
    await chat.says("3456")
    await chat.reads("En je terugleverstand dal?")
    await chat.says("1234")
    await chat.reads("de stand van je gasmeter")
    await chat.says("geen gas")
    await chat.reads("Op welke dag heb je de meter afgelezen?")
    await chat.says("gisteren")
    await chat.reads("Klopt dit?")
    yesterday = date.today() - timedelta(days=1)
    summary = "\n".join(await chat.bot_texts())
    for line in ("Postcode en huisnummer: 3512 JE 8", "Soort meter: dubbele meter", "Stroom normaal: 12345 kWh",
                 "Stroom dal: 9876 kWh", "Zonnepanelen: ja", "Teruglevering normaal: 3456 kWh",
                 "Teruglevering dal: 1234 kWh", "Gas: geen gas", f"Afgelezen op: {format_date_nl(yesterday)}"):
        assert line in summary.splitlines(), (line, summary)
    conversation = await chat.session_id()
    backoffice = backoffice_of(live_system)
    assert backoffice_row(backoffice, "meter_readings", READING_COLUMNS, conversation) is None, "stored before 'ja'"

    await chat.clicks("Nee, aanpassen")
    await chat.reads("Wat wil je aanpassen?")
    await chat.clicks("Stroom dal")
    await chat.reads("En wat is je stand dal?")
    await chat.says("9867")
    await chat.reads("Klopt dit?")
    summary = "\n".join(await chat.bot_texts())
    assert "Stroom dal: 9867 kWh" in summary.splitlines() and "Stroom normaal: 12345 kWh" in summary.splitlines(), summary
    await screenshot(chat.tab, "e2e-form-phone.png")
    assert backoffice_row(backoffice, "meter_readings", READING_COLUMNS, conversation) is None, "stored before 'ja'"

    await chat.clicks("Ja, klopt")
    await chat.reads("Je referentie is MS-")
    confirmation = "\n".join(await chat.bot_texts())
    assert "stroom normaal 12345 kWh, stroom dal 9867 kWh, teruglevering normaal 3456 kWh en teruglevering dal 1234 kWh" \
        in confirmation, confirmation
    reference = re.search(r"MS-(\d{6})", confirmation)
    assert reference, confirmation
    assert backoffice_row(backoffice, "meter_readings", READING_COLUMNS, conversation) == (
        None, "3512 JE", "8", "dubbel", None, "12345", "9867", None, "3456", "1234", None, yesterday.isoformat()
    )
    assert backoffice_row(backoffice, "meter_readings", ("id",), conversation) == (int(reference.group(1)),)
