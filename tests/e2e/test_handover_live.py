"""End to end with the real processes: Rasa (socket.io + HTTP API with a token), the action server
and the live-chat service. A customer asks for a person, an agent takes over in the customer's own
chat window, they talk both ways, and the agent hands the customer back to the bot."""
from __future__ import annotations

import aiohttp

from tests.e2e.live_clients import Agent, WebCustomer, eventually, tracker_of


async def test_customer_and_agent_talk_in_the_same_window_and_back_to_the_bot(
    people: tuple[WebCustomer, Agent], live_system: dict[str, str]
) -> None:
    customer, agent = people
    await customer.says("hallo")
    await customer.reads_until("Polderstroom")
    await customer.says("ik wil een medewerker spreken")
    await customer.reads_until("Je hoeft niets te herhalen")

    queue = await agent.call("GET", "/queue")
    waiting = [h for h in queue["queued"] if h["conversation_id"] == customer.session_id]
    assert len(waiting) == 1
    detail = await agent.call("GET", f"/handovers/{waiting[0]['id']}")
    assert [t["text"] for t in detail["handover"]["transcript"] if t["role"] == "user"] == [
        "hallo",
        "ik wil een medewerker spreken",
    ]

    await customer.says("mijn factuur klopt niet")  # while waiting: reaches the desk, the bot stays silent

    async def customer_lines() -> list[str]:
        messages = (await agent.call("GET", f"/handovers/{waiting[0]['id']}"))["messages"]
        return [m["text"] for m in messages if m["sender"] == "customer"]

    assert await eventually(customer_lines) == ["mijn factuur klopt niet"]

    await agent.call("POST", f"/handovers/{waiting[0]['id']}/accept")
    await customer.reads_until("Je praat nu met")
    await agent.call("POST", f"/handovers/{waiting[0]['id']}/messages", {"text": "Ik kijk even met je mee."})
    from_agent = await customer.reads_until("Ik kijk even met je mee.")
    assert from_agent["metadata"] == {"agent": "Demo Medewerker"}  # the page shows who is talking

    await agent.call("POST", f"/handovers/{waiting[0]['id']}/close", {"outcome": "back_to_bot"})
    await customer.reads_until("digitale assistent")
    await customer.says("wanneer zijn jullie bereikbaar?")
    await customer.reads_until("Vandaag kun je ons bereiken tot 24.00 uur")

    tracker = await tracker_of(live_system, customer)
    kinds = [event["event"] for event in tracker["events"]]
    assert "pause" in kinds and "resume" in kinds
    bot_texts = [event.get("text") for event in tracker["events"] if event["event"] == "bot"]
    assert "Ik kijk even met je mee." in bot_texts  # the agent's words are part of the Rasa tracker too


async def test_rasa_http_api_needs_the_token(live_system: dict[str, str]) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{live_system['rasa']}/conversations/someone/tracker") as response:
            assert response.status == 401


async def test_nobody_online_gives_alternatives_ticket_and_callback(live_system: dict[str, str]) -> None:
    customer, agent = WebCustomer(live_system["rasa"]), Agent(live_system["livechat"])
    await customer.connect()
    try:
        await agent.call("POST", "/agents/login", {"username": "demo", "password": live_system["password"]})
        await agent.call("POST", "/agents/logout")

        await customer.says("kan ik met een mens praten?")
        await customer.reads_until("Er is op dit moment geen collega vrij")
        await customer.reads_until("Wil je dat een collega je terugbelt?")
        await customer.says("/affirm")
        await customer.reads_until("Op welk telefoonnummer")
        await customer.says("06-87654321")
        await customer.reads_until("Wanneer komt het je het beste uit?")
        await customer.says("vrijdagmiddag")
        await customer.reads_until("belt je terug op 0687654321 (vrijdagmiddag)")

        await agent.call("POST", "/agents/login", {"username": "demo", "password": live_system["password"]})
        tickets = (await agent.call("GET", "/tickets"))["tickets"]
        callbacks = (await agent.call("GET", "/callbacks"))["callbacks"]
    finally:
        await customer.close()
        await agent.close()
    assert [t["reason"] for t in tickets if t["conversation_id"] == customer.session_id] == ["customer_request"]
    assert [(c["phone"], c["preferred_moment"]) for c in callbacks if c["conversation_id"] == customer.session_id] == [
        ("0687654321", "vrijdagmiddag")
    ]
