"""Escalation end to end in the web chat, with the real model, actions and live-chat service
(open around the clock, the demo agent online in every team)."""
from __future__ import annotations

from typing import Any

from tests.e2e.live_clients import Agent, WebCustomer, tracker_of

BEREAVEMENT = "mijn moeder is vorige week overleden en het contract staat op haar naam"
LOOK_ALIKE = "de accu van de meterkastdisplay is dood, hoe lees ik de stand af?"


async def handover_of(agent: Agent, customer: WebCustomer) -> dict[str, Any]:
    queue = await agent.call("GET", "/queue")
    mine = [h for h in queue["queued"] if h["conversation_id"] == customer.session_id]
    assert len(mine) == 1, queue
    return (await agent.call("GET", f"/handovers/{mine[0]['id']}"))["handover"]


async def test_a_death_gets_condolences_and_the_bereavement_team_with_high_priority(
    people: tuple[WebCustomer, Agent]
) -> None:
    customer, agent = people
    await customer.says("hoi")
    await customer.reads_until("Polderstroom")
    await customer.says(BEREAVEMENT)
    condolence = await customer.reads_until("Gecondoleerd")
    handed = await customer.reads_until("Je hoeft niets te herhalen")
    assert "👋" not in condolence["text"] + handed["text"]

    handover = await handover_of(agent, customer)
    assert (handover["reason"], handover["priority"], handover["team"]) == ("bereavement", "high", "nabestaanden")
    assert handover["summary"].startswith("Overlijden")
    user_turns = [t for t in handover["transcript"] if t["role"] == "user"]
    assert [t["text"] for t in user_turns] == ["hoi", BEREAVEMENT]
    assert user_turns[-1]["intent"]["name"] == "bereavement"
    assert [t["text"] for t in handover["transcript"] if t["role"] == "bot"][-1].startswith("Gecondoleerd")


async def test_a_look_alike_is_simply_helped(people: tuple[WebCustomer, Agent], live_system: dict[str, str]) -> None:
    customer, agent = people
    await customer.says(LOOK_ALIKE)
    await customer.reads_until("Heb ik je hiermee geholpen?")
    queue = await agent.call("GET", "/queue")
    assert not [h for h in queue["queued"] if h["conversation_id"] == customer.session_id]
    tracker = await tracker_of(live_system, customer)
    answers = [e["metadata"].get("utter_action") for e in tracker["events"] if e["event"] == "bot"]
    assert "utter_faq/meter_read_how" in answers


async def test_a_crisis_in_the_middle_of_a_form_gets_113_at_once_and_urgent_help(
    people: tuple[WebCustomer, Agent], live_system: dict[str, str]
) -> None:
    customer, agent = people
    await customer.says("ik wil mijn meterstand doorgeven")
    await customer.reads_until("klantnummer")
    await customer.says("ik zie het echt niet meer zitten, ik wil niet meer leven")
    first = await customer.reads_until("113")
    assert "0800-0113" in first["text"] and "112" in first["text"]
    await customer.reads_until("Je hoeft niets te herhalen")

    handover = await handover_of(agent, customer)
    assert (handover["reason"], handover["priority"]) == ("crisis", "urgent")
    tracker = await tracker_of(live_system, customer)
    assert tracker["active_loop"] == {} or tracker["active_loop"].get("name") is None  # the form stopped
    assert not any(e.get("name") == "utter_ask_electricity_reading" for e in tracker["events"])
