"""End to end: a customer chats with the running assistant (trained model + action server)."""
from __future__ import annotations

import re
import sqlite3
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from naadloos.core.parsing import format_date_nl
from tests.e2e.conftest import ABSENT_LIVECHAT_SECRET
from tests.e2e.page_objects import backoffice_row
from tests.processes import livechat_env, start_livechat, stop_process


class Customer:
    """One customer talking to the assistant over its REST channel."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.sender = f"e2e-{uuid.uuid4().hex[:12]}"

    def says(self, text: str) -> list[dict[str, Any]]:
        response = requests.post(
            f"{self.base_url}/webhooks/rest/webhook", json={"sender": self.sender, "message": text}, timeout=60
        )
        response.raise_for_status()
        return response.json()

    def reads(self, text: str) -> str:
        """Sends `text`; returns everything the assistant answered as one string."""
        return "\n".join(message.get("text", "") for message in self.says(text))

    def tracker(self) -> dict[str, Any]:
        response = requests.get(f"{self.base_url}/conversations/{self.sender}/tracker", timeout=30)
        response.raise_for_status()
        return response.json()


@pytest.fixture
def customer(assistant_url: str) -> Customer:
    return Customer(assistant_url)


def test_greeting_names_the_organisation_from_its_config(customer: Customer) -> None:
    assert "Polderstroom" in customer.reads("hallo")


def test_faq_answer_with_organisation_facts_then_not_helped_offers_a_colleague(customer: Customer) -> None:
    messages = customer.says("hoe laat zijn jullie bereikbaar?")
    answer = "\n".join(m.get("text", "") for m in messages)
    assert "kun je ons" in answer and "bereiken" in answer and "0800-123 45 67" in answer  # today's hours
    assert "None" not in answer
    question = messages[-1]
    assert question["text"] == "Heb ik je hiermee geholpen?"
    assert [b["title"] for b in question["buttons"]] == ["Ja", "Nee"]

    offer = customer.reads("nee, niet echt")
    assert "Zal ik je doorverbinden met een collega?" in offer
    alternatives = customer.reads("ja graag")
    assert alternatives.startswith("Jammer dat ik je niet goed kon helpen.")
    assert "Het lukt me nu niet om je door te verbinden met een collega." in alternatives
    assert "0800-123 45 67" in alternatives and "WhatsApp" in alternatives
    assert "Wil je dat een collega je terugbelt?" in alternatives

    slots = customer.tracker()["slots"]
    assert slots["feedback_helped"] is False
    assert slots["feedback_subject"] == "utter_faq/opening_hours"


def test_faq_helped(customer: Customer) -> None:
    customer.says("waar vind ik mijn jaarafrekening")
    assert "Fijn" in customer.reads("ja, dank je")
    assert customer.tracker()["slots"]["feedback_helped"] is True


READING_COLUMNS = (
    "customer_number", "customer_postcode", "customer_house_number", "meter_type", "electricity_kwh",
    "electricity_normal_kwh", "electricity_offpeak_kwh", "return_kwh", "return_normal_kwh", "return_offpeak_kwh", "gas_m3",
)


def test_meterstand_form_with_bad_input_and_a_saved_reading(customer: Customer, backoffice_db: Path) -> None:
    assert "klantnummer" in customer.reads("ik wil mijn meterstand doorgeven")
    assert "8 cijfers" in customer.reads("1234")
    assert "enkele of een dubbele meter" in customer.reads("87654321")
    assert "stroommeter" in customer.reads("enkel")
    assert "te lang" in customer.reads("123456789")
    assert "zonnepanelen" in customer.reads("stand is 04567")
    assert "gasmeter" in customer.reads("nee")
    assert "afgelezen" in customer.reads("<b>geen gas</b>")
    assert "toekomst" in customer.reads("overmorgen")
    yesterday = format_date_nl(date.today() - timedelta(days=1))
    summary = customer.reads("gisteren")
    for line in ("Klantnummer: 87654321", "Soort meter: enkele meter", "Stroom: 4567 kWh", "Zonnepanelen: nee",
                 "Gas: geen gas", f"Afgelezen op: {yesterday}", "Klopt dit?"):
        assert line in summary, (line, summary)
    assert backoffice_row(backoffice_db, "meter_readings", READING_COLUMNS, customer.sender) is None, "saved before 'ja'"

    confirmation = customer.reads("ja")
    assert f"stroom 4567 kWh, afgelezen op {yesterday}" in confirmation
    assert "MS-" in confirmation
    assert backoffice_row(backoffice_db, "meter_readings", READING_COLUMNS, customer.sender) == (
        "87654321", None, None, "enkel", "4567", None, None, None, None, None, None
    )


def test_verhuizing_form_with_correction(customer: Customer, backoffice_db: Path) -> None:
    customer.says("ik ga verhuizen en wil mijn nieuwe adres doorgeven")
    assert "postcode" in customer.reads("klantnummer 11223344")
    assert "4 cijfers en 2 letters" in customer.reads("1234 SA")
    assert "sleutel" in customer.reads("2514 gl 4")
    corrected = customer.reads("nee sorry, het huisnummer is 14")
    assert "Ik heb het huisnummer aangepast naar 14." in corrected
    moving_day = date.today() + timedelta(days=40)
    summary = customer.reads(moving_day.strftime("%d-%m-%Y"))
    for line in ("Klantnummer: 11223344", "Nieuwe postcode: 2514 GL", "Nieuw huisnummer: 14",
                 f"Verhuisdatum: {format_date_nl(moving_day)}", "Klopt dit?"):
        assert line in summary, (line, summary)
    columns = ("customer_number", "customer_postcode", "customer_house_number", "postcode", "house_number", "moving_date")
    assert backoffice_row(backoffice_db, "moves", columns, customer.sender) is None, "saved before 'ja'"

    confirmation = customer.reads("ja")
    assert f"2514 GL 14 op {format_date_nl(moving_day)}" in confirmation
    assert backoffice_row(backoffice_db, "moves", columns, customer.sender) == (
        "11223344", None, None, "2514 GL", "14", moving_day.isoformat()
    )


def test_stop_in_the_middle_of_a_form_saves_nothing(customer: Customer, backoffice_db: Path) -> None:
    customer.says("verhuizing doorgeven")
    customer.says("55667788")
    assert "niets doorgegeven" in customer.reads("stop")
    assert customer.tracker()["active_loop"] == {}


def kept_records(outbox: Path, sender: str) -> list[str]:
    """The kinds of the tickets and callbacks of `sender` that wait in the bot's outbox."""
    with sqlite3.connect(outbox) as db:
        rows = db.execute("SELECT kind FROM pending WHERE queue = 'records' AND payload LIKE ? ORDER BY id", (f"%{sender}%",))
        return [kind for (kind,) in rows]


def test_no_colleague_reachable_then_a_callback_request_is_kept(customer: Customer, backoffice_db: Path) -> None:
    answer = customer.reads("ik wil een medewerker spreken")
    assert "Ik heb ons gesprek bewaard" in answer and "Wil je dat een collega je terugbelt?" in answer
    assert "telefoonnummer" in customer.reads("ja graag")
    assert "herken ik niet" in customer.reads("123")
    assert "Wanneer komt het je het beste uit?" in customer.reads("06 1234 5678")
    assert "belt je terug op 0612345678 (morgen na de lunch)" in customer.reads("morgen na de lunch")

    assert kept_records(backoffice_db.parent / "outbox.sqlite3", customer.sender) == ["ticket", "callback"]


def test_outbox_is_delivered_once_the_live_chat_service_is_back(
    customer: Customer, backoffice_db: Path, absent_livechat_port: int, tmp_path: Path
) -> None:
    customer.says("ik wil een medewerker spreken")  # live chat down: the ticket waits in the outbox
    outbox = backoffice_db.parent / "outbox.sqlite3"
    assert kept_records(outbox, customer.sender) == ["ticket"]

    env = livechat_env(tmp_path, absent_livechat_port, ABSENT_LIVECHAT_SECRET)
    livechat = start_livechat(env, tmp_path / "livechat.log")
    try:
        customer.says("ik wil toch echt een medewerker spreken")  # reaches the service: the outbox goes first

        assert kept_records(outbox, customer.sender) == []
        password = re.search(r"password: (\S+)", (tmp_path / "var" / "demo-agent.txt").read_text()).group(1)
        agent = requests.Session()
        base = f"http://127.0.0.1:{absent_livechat_port}/api"
        assert agent.post(f"{base}/agents/login", json={"username": "demo", "password": password}, timeout=10).ok
        tickets = agent.get(f"{base}/tickets", timeout=10).json()["tickets"]
        assert any(ticket["conversation_id"] == customer.sender for ticket in tickets)
    finally:
        stop_process(livechat)
