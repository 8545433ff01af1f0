"""The desk's conversation view (issue 10, items 2 and 3): the customer panel from what the customer
gave, Dutch labels for reason, priority and channel, internal notes that never reach the customer,
and the canned replies designers keep in YAML. Against the real service and the recording Rasa."""
from __future__ import annotations

from pathlib import Path

import pytest

from livechat.__main__ import main as livechat_main
from livechat.canned_replies import CannedRepliesError, load_canned_replies
from naadloos.core.organisation import load_organisation
from tests.livechat.helpers import ROOT, SECRET, handover_payload, running_service

ORGANISATION = load_organisation(ROOT / "config" / "organisation.yml")
NOTE = "Klant klinkt erg boos, eerst de afschrijving nakijken"


def said_by_the_customer() -> dict:
    """A hand-over whose slots say nothing about the customer: everything comes from the messages."""
    return handover_payload(
        "conv-panel",
        reason="bereavement",
        priority="high",
        team="nabestaanden",
        customer={},
        slots={"org_phone": "0800-123 45 67", "failed_turns": 1.0, "escalation_due": True},
        transcript=[
            {"role": "user", "text": "mijn klantnummer is 87654321", "timestamp": 1772442000.0,
             "intent": {"name": "inform", "confidence": 0.91},
             "entities": [{"entity": "customer_number", "value": "87654321"}]},
            {"role": "bot", "text": "Dank je.", "timestamp": 1772442001.0},
            {"role": "user", "text": "ik woon op 3511 AB 12, mail me op a.b@example.nl", "timestamp": 1772442010.0,
             "intent": {"name": "inform", "confidence": 0.88},
             "entities": [{"entity": "postcode", "value": "3511 AB"}, {"entity": "house_number", "value": "12"},
                          {"entity": "email", "value": "a.b@example.nl"}]},
        ],
    )


def panel(handover: dict) -> dict[str, str]:
    return {row["key"]: row["value"] for row in handover["customer_panel"]}


async def test_the_customer_panel_shows_what_the_customer_gave_and_labels_are_dutch(bot, make_agent):
    agent = await make_agent("sanne")  # online: the hand-over is taken
    status, created = await bot.post("/handovers", said_by_the_customer())
    assert status == 201, created
    status, detail = await agent.get(f"/handovers/{created['id']}")
    assert status == 200, detail
    handover = detail["handover"]
    assert panel(handover) == {
        "customer_number": "87654321", "address": "3511 AB 12", "email": "a.b@example.nl",
    }
    assert [row["label"] for row in handover["customer_panel"]] == ["Klantnummer", "Postcode en huisnummer", "E-mail"]
    assert handover["labels"]["reason"].startswith("Overlijden")  # config/escalation.yml, trigger bereavement
    assert handover["labels"]["priority"] == "hoog"
    assert handover["labels"]["channel"] == "chat op de website"
    status, queue = await agent.get("/queue")
    assert queue["queued"][0]["labels"]["reason"].startswith("Overlijden")


async def test_slots_win_over_words_and_the_customer_record_fills_the_rest(bot, make_agent):
    """A form's checked slot is more reliable than an entity; the bot's customer record adds the name."""
    payload = handover_payload(
        "conv-slots",
        customer={"name": "Jan Jansen"},
        slots={"customer_number": "11112222", "callback_phone": "0612345678"},
    )  # its transcript's entity says 12345678
    agent = await make_agent("sanne")
    status, created = await bot.post("/handovers", payload)
    assert status == 201, created
    _, detail = await agent.get(f"/handovers/{created['id']}")
    assert panel(detail["handover"]) == {"customer_number": "11112222", "name": "Jan Jansen", "phone": "0612345678"}
    assert detail["handover"]["labels"]["reason"] == "request_human"  # not an escalation trigger: shown as it is


async def test_a_note_is_stored_for_colleagues_and_never_delivered_to_the_customer(bot, make_agent, fake_rasa):
    agent = await make_agent("sanne")
    status, created = await bot.post("/handovers", handover_payload("conv-note"))
    assert status == 201, created
    status, body = await agent.post(f"/handovers/{created['id']}/notes", {"text": NOTE})  # before accepting, too
    assert status == 201, body
    assert body["message"]["sender"] == "note" and body["message"]["delivery_status"] is None
    await agent.post(f"/handovers/{created['id']}/accept")
    await agent.post(f"/handovers/{created['id']}/notes", {"text": NOTE + " (2)"})
    await agent.post(f"/handovers/{created['id']}/messages", {"text": "Ik kijk het voor je na."})
    await agent.post(f"/handovers/{created['id']}/close", {"outcome": "resolved"})

    delivered = repr([request["json"] for request in fake_rasa.requests])
    assert "Ik kijk het voor je na." in delivered  # the stand-in does record what goes to the customer
    assert NOTE not in delivered
    _, detail = await agent.get(f"/handovers/{created['id']}")
    notes = [m["text"] for m in detail["messages"] if m["sender"] == "note"]
    assert notes == [NOTE, NOTE + " (2)"]


async def test_a_note_needs_text_and_stays_within_the_team(bot, make_agent):
    agent = await make_agent("sanne")
    _, created = await bot.post("/handovers", handover_payload("conv-note-2"))
    status, body = await agent.post(f"/handovers/{created['id']}/notes", {"text": "  "})
    assert status == 422 and body["field"] == "text"
    other = await make_agent("piet", teams=["klachten"])
    status, body = await other.post(f"/handovers/{created['id']}/notes", {"text": NOTE})
    assert status == 403, body


async def test_canned_replies_come_with_the_organisation_filled_in(service, make_agent):
    agent = await make_agent("sanne")
    status, body = await agent.get("/canned-replies")
    assert status == 200, body
    texts = " ".join(reply["text"] for reply in body["replies"])
    assert ORGANISATION.name in texts and "0800-123 45 67" in texts
    assert "{" not in texts
    assert all(reply["title"] and reply["key"] for reply in body["replies"])


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("replies:\n  groet:\n    title: Groet\n    text: 'Bel {org_fax}'\n",
         "replies.groet.text: unknown placeholder {org_fax}"),
        ("replies:\n  groet:\n    title: Groet\n", "replies.groet.text: expected a non-empty text"),
        ("replies:\n  groet:\n    title: Groet\n    text: Hoi\n    colour: red\n", "replies.groet: unknown key 'colour'"),
        ("replies: [a, b]\n", "replies: expected a mapping"),
        ("replies:\n  groet:\n    title: Groet\n    text: 'Hoi {'\n", "replies.groet.text"),
        ("replies: {}\n", "replies: no canned replies"),
        ("antwoorden: {}\n", "unknown key 'antwoorden'"),
    ],
)
def test_a_mistake_in_the_canned_replies_file_names_the_place(tmp_path: Path, content: str, problem: str):
    path = tmp_path / "canned_replies.yml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CannedRepliesError) as error:
        load_canned_replies(path, ORGANISATION.escalation_facts())
    assert problem in str(error.value)
    assert str(path) in str(error.value)


def test_the_projects_canned_replies_file_is_valid():
    replies = load_canned_replies(ROOT / "config" / "canned_replies.yml", ORGANISATION.escalation_facts())
    assert len(replies) >= 3


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_the_service_does_not_start_with_a_broken_canned_replies_file(database_url, config_for, clock, tmp_path):
    broken = tmp_path / "canned_replies.yml"
    broken.write_text("replies:\n  groet:\n    title: Groet\n    text: 'Bel {org_fax}'\n", encoding="utf-8")
    with pytest.raises(CannedRepliesError, match="unknown placeholder"):
        async with running_service(config_for(database_url, canned_replies_file=broken), clock):
            pass


def test_python_m_livechat_refuses_a_broken_canned_replies_file(tmp_path, monkeypatch, capsys):
    broken = tmp_path / "canned_replies.yml"
    broken.write_text("replies: [a]\n", encoding="utf-8")
    monkeypatch.setenv("LIVECHAT_SHARED_SECRET", SECRET)
    monkeypatch.setenv("LIVECHAT_DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite3'}")
    monkeypatch.setenv("NAADLOOS_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("LIVECHAT_CANNED_REPLIES_FILE", str(broken))
    assert livechat_main() == 2
    error = capsys.readouterr().err
    assert "canned replies" in error and str(broken) in error and "expected a mapping" in error
    assert not (tmp_path / "db.sqlite3").exists()  # refused before anything was created
