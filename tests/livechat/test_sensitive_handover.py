"""action_handover for the sensitive topics of config/escalation.yml, against the real live-chat
service: what the customer reads first, the team and priority the colleagues see, and what the
customer gets when nobody can take over."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecuted, BotUttered, ConversationPaused, SlotSet, UserUttered

from tests.livechat.helpers import (
    ROOT,
    SUNDAY_EVENING,
    Bot,
    FakeClock,
    RunningService,
    handover,
    handover_payload,
    settled,
)

TRIGGERS = yaml.safe_load((ROOT / "config" / "escalation.yml").read_text(encoding="utf-8"))["triggers"]
MESSAGES = {
    "bereavement": "mijn moeder is vorige week overleden, hoe regel ik het contract",
    "crisis": "ik zie het niet meer zitten en wil er een einde aan maken",
    "fraud": "ik kreeg een mail namens jullie die om mijn pincode vroeg",
    "payment_distress": "ik kan mijn termijnbedrag deze maand niet betalen",
}
HANDED_OVER = "Ik geef je door aan een collega van Polderstroom."


def sensitive(topic: str, safety_net: dict[str, str] | None = None) -> Tracker:
    """A customer who asked a question earlier and now writes about `topic` (its intent)."""
    message: dict[str, Any] = {"text": MESSAGES[topic], "intent": {"name": topic, "confidence": 0.93}, "entities": []}
    if safety_net:
        message["safety_net"] = safety_net
    events = [
        ActionExecuted("action_listen"),
        UserUttered("hoi", parse_data={"intent": {"name": "greet", "confidence": 0.99}, "entities": []}),
        BotUttered("Hoi! Waarmee kan ik je helpen?"),
        ActionExecuted("action_listen"),
        UserUttered(message["text"], parse_data=message),
    ]
    return Tracker("test-conversation", {}, message, events, False, None, {}, "action_listen")


def queued(team: str) -> list[dict[str, Any]]:
    return [SlotSet("escalation_team", team), SlotSet("handover_status", "queued"), ConversationPaused()]


def said(dispatcher) -> list[str]:
    return [m["text"] for m in dispatcher.messages if m["text"]]


async def only_handover(agent) -> dict[str, Any]:
    """The one hand-over in the agent's queue, in full."""
    status, queue = await agent.get("/queue")
    assert status == 200 and len(queue["queued"]) == 1, queue
    status, detail = await agent.get(f"/handovers/{queue['queued'][0]['id']}")
    assert status == 200
    return detail["handover"]


async def only_ticket(agent) -> dict[str, Any]:
    status, tickets = await agent.get("/tickets")
    assert status == 200 and len(tickets["tickets"]) == 1, tickets
    return tickets["tickets"][0]


# --- bereavement -----------------------------------------------------------------------------------
async def test_bereavement_condolence_first_then_the_nabestaanden_team(
    service: RunningService, make_agent, bot_side, dispatcher, domain
) -> None:
    agent = await make_agent("els", teams=["nabestaanden"])
    bot_side(service.url)

    events = await handover(dispatcher, sensitive("bereavement"), domain)

    assert events == [*settled("bereavement", "high"), *queued("nabestaanden")]
    first, then = said(dispatcher)
    assert first.startswith("Gecondoleerd met je verlies.")
    assert then.startswith(HANDED_OVER)
    assert not any("Heb ik je hiermee geholpen" in text for text in said(dispatcher))
    handed_over = await only_handover(agent)
    assert (handed_over["reason"], handed_over["priority"], handed_over["team"]) == ("bereavement", "high", "nabestaanden")
    assert TRIGGERS["bereavement"]["label"] in handed_over["summary"]
    assert MESSAGES["bereavement"] in handed_over["summary"]


async def test_bereavement_goes_to_the_default_team_when_no_nabestaanden_colleague_is_online(
    service: RunningService, make_agent, bot_side, dispatcher, domain
) -> None:
    agent = await make_agent("sanne", teams=["klantenservice"])
    bot_side(service.url)

    events = await handover(dispatcher, sensitive("bereavement"), domain)

    assert events == [*settled("bereavement", "high"), *queued("klantenservice")]
    handed_over = await only_handover(agent)
    assert (handed_over["reason"], handed_over["priority"], handed_over["team"]) == ("bereavement", "high", "klantenservice")


async def test_bereavement_when_closed_gives_the_bereavement_line_and_form(
    service: RunningService, make_agent, clock: FakeClock, bot_side, dispatcher, domain, organisation_data
) -> None:
    clock.set(SUNDAY_EVENING)
    agent = await make_agent("els", teams=["nabestaanden"])
    bot_side(service.url)

    events = await handover(dispatcher, sensitive("bereavement"), domain)

    assert events == [
        *settled("bereavement", "high"),
        SlotSet("escalation_team", "nabestaanden"),
        SlotSet("handover_status", "unavailable"),
    ]
    first, no_agent = said(dispatcher)
    assert first.startswith("Gecondoleerd")
    line = organisation_data["team_lines"]["bereavement_phone"]["address"]
    assert line in no_agent and organisation_data["help"]["bereavement_form"] in no_agent
    channels = [channel["address"] for channel in organisation_data["channels"].values()]
    assert not any(address in no_agent for address in channels)
    assert "andere manier bereiken" not in no_agent
    ticket = await only_ticket(agent)
    assert (ticket["conversation_id"], ticket["reason"]) == ("test-conversation", "bereavement")
    assert (ticket["contact_preference"], ticket["priority"], ticket["team"]) == ("callback_offered", "high", "nabestaanden")


# --- crisis ------------------------------------------------------------------------------------------
async def test_crisis_when_closed_refers_to_113_and_offers_no_callback(
    service: RunningService, make_agent, clock: FakeClock, bot_side, dispatcher, domain
) -> None:
    clock.set(SUNDAY_EVENING)
    agent = await make_agent("sanne")
    bot_side(service.url)

    events = await handover(dispatcher, sensitive("crisis"), domain)

    assert events == [
        *settled("crisis", "urgent"),
        SlotSet("escalation_team", "klantenservice"),
        SlotSet("handover_status", "referred"),
    ]
    first, no_agent = said(dispatcher)
    assert all(number in first for number in ("113", "0800-0113", "112"))
    assert "113" in no_agent
    assert "andere manier bereiken" not in no_agent
    ticket = await only_ticket(agent)
    assert (ticket["reason"], ticket["contact_preference"], ticket["priority"]) == ("crisis", "referred", "urgent")


async def test_crisis_with_a_colleague_online_is_urgent_and_goes_first(
    service: RunningService, bot: Bot, make_agent, bot_side, dispatcher, domain
) -> None:
    agent = await make_agent("sanne")
    status, _ = await bot.post("/handovers", handover_payload("waiting-customer"))  # normal priority, earlier
    assert status == 201
    bot_side(service.url)

    events = await handover(dispatcher, sensitive("crisis"), domain)

    assert events == [*settled("crisis", "urgent"), *queued("klantenservice")]
    first, then = said(dispatcher)
    assert "113" in first and then.startswith(HANDED_OVER)
    status, queue = await agent.get("/queue")
    assert [(h["conversation_id"], h["priority"]) for h in queue["queued"]] == [
        ("test-conversation", "urgent"),
        ("waiting-customer", "normal"),
    ]


# --- fraud and payment distress ----------------------------------------------------------------------
async def test_fraud_warns_in_the_organisations_name_and_goes_to_the_fraud_team(
    service: RunningService, make_agent, bot_side, dispatcher, domain, organisation_data
) -> None:
    agent = await make_agent("sanne")
    bot_side(service.url)

    events = await handover(dispatcher, sensitive("fraud"), domain)

    assert events == [*settled("fraud", "high"), *queued("fraude")]
    first, then = said(dispatcher)
    assert f"{organisation_data['name']} vraagt je nooit om je pincode" in first
    assert "{org_name}" not in first
    assert then.startswith(HANDED_OVER)
    handed_over = await only_handover(agent)
    assert (handed_over["reason"], handed_over["priority"], handed_over["team"]) == ("fraud", "high", "fraude")


async def test_payment_distress_offers_an_arrangement_and_debt_help(
    service: RunningService, make_agent, bot_side, dispatcher, domain, organisation_data
) -> None:
    agent = await make_agent("sanne")
    bot_side(service.url)

    events = await handover(dispatcher, sensitive("payment_distress"), domain)

    assert events == [*settled("payment_distress", "high"), *queued("betalingen")]
    first, then = said(dispatcher)
    assert first.startswith(TRIGGERS["payment_distress"]["first_response"][0])
    assert organisation_data["help"]["payment_arrangement"] in first
    assert organisation_data["help"]["debt_help"] in first
    assert then.startswith(HANDED_OVER)
    assert (await only_handover(agent))["team"] == "betalingen"


async def test_payment_distress_promises_nothing_the_organisation_did_not_configure(
    service: RunningService, make_agent, bot_side, dispatcher, domain, organisation_data, tmp_path: Path, monkeypatch
) -> None:
    without_help = {key: value for key, value in organisation_data.items() if key != "help"}
    organisation_file = tmp_path / "organisation.yml"
    organisation_file.write_text(yaml.safe_dump(without_help, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("NAADLOOS_ORGANISATION_FILE", str(organisation_file))
    await make_agent("sanne")
    bot_side(service.url)

    events = await handover(dispatcher, sensitive("payment_distress"), domain)

    assert events == [*settled("payment_distress", "high"), *queued("betalingen")]
    first, then = said(dispatcher)
    assert first == TRIGGERS["payment_distress"]["first_response"][0]
    everything = "\n".join(said(dispatcher))
    assert "betalingsregeling" not in everything and "Geldfit" not in everything and "{" not in everything
    assert then.startswith(HANDED_OVER)


# --- transcript --------------------------------------------------------------------------------------
async def test_the_transcript_shows_what_the_safety_net_caught(
    service: RunningService, make_agent, bot_side, dispatcher, domain
) -> None:
    agent = await make_agent("els", teams=["nabestaanden"])
    bot_side(service.url)
    caught = {"topic": "bereavement", "keyword": "overleden", "classified_as": "give_meter_reading"}

    await handover(dispatcher, sensitive("bereavement", safety_net=caught), domain)

    transcript = (await only_handover(agent))["transcript"]
    assert [turn["role"] for turn in transcript] == ["user", "bot", "user", "bot"]
    assert "safety_net" not in transcript[0]
    customer_turn, condolence = transcript[-2:]
    assert customer_turn["text"] == MESSAGES["bereavement"]
    assert customer_turn["intent"]["name"] == "bereavement"
    assert customer_turn["safety_net"] == caught
    assert condolence["text"].startswith("Gecondoleerd")  # the colleague sees what the customer was told
