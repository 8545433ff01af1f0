"""When no colleague can take over, the ticket the colleague reads later ends with what the bot
told the customer: the no-agent message (why nobody could chat, the alternatives), as a bot line
after the rest of the conversation. Here the live-chat service cannot be reached, so the ticket is
the record kept in the outbox, exactly as it is delivered later."""
from __future__ import annotations

from pathlib import Path

import pytest
from rasa_sdk.events import ActionExecuted, BotUttered, UserUttered
from rasa_sdk.executor import CollectingDispatcher

from actions.handover import ActionHandover
from naadloos.handover_contract.outbox import Outbox
from naadloos.handover_contract.schema import TicketRequest
from tests.processes import free_port


@pytest.fixture
def outbox(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Outbox:
    """The bot side pointed at a live-chat address where nothing listens (refused at once)."""
    monkeypatch.setenv("LIVECHAT_URL", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("LIVECHAT_SHARED_SECRET", "a-test-secret-of-at-least-32-characters!")
    monkeypatch.setenv("NAADLOOS_OUTBOX_DB", str(tmp_path / "outbox.sqlite3"))
    return Outbox(tmp_path / "outbox.sqlite3")


def kept_ticket(outbox: Outbox) -> TicketRequest:
    pending = outbox.pending()
    assert len(pending) == 1 and isinstance(pending[0], TicketRequest), pending
    return pending[0]


def bot_texts(dispatcher) -> list[str]:
    return [m["text"] for m in dispatcher.messages if m["text"]]


def sent_at(tracker, moment: float):
    """The tracker with its latest customer message sent at `moment`, as Rasa stamps every event."""
    [e for e in tracker.events if e.get("event") == "user"][-1]["timestamp"] = moment
    return tracker


@pytest.mark.parametrize(
    ("intent", "text", "said_last"),
    [
        ("request_human", "ik wil een medewerker spreken", "Het lukt me nu niet om je door te verbinden"),
        ("bereavement", "mijn moeder is overleden", "Er is op dit moment geen collega voor nabestaanden vrij"),
    ],
)
async def test_the_ticket_ends_with_the_no_agent_message_the_customer_read(
    outbox: Outbox, make_tracker, dispatcher, domain, intent: str, text: str, said_last: str
) -> None:
    history = [
        ActionExecuted("action_listen"),
        UserUttered("mijn jaarafrekening is veel te hoog", parse_data={"intent": {"name": "faq/annual_statement"}}),
        BotUttered("Je jaarafrekening vind je in Mijn Polderstroom."),
    ]
    tracker = sent_at(make_tracker(text, intent=intent, history=history), 1795000000.25)

    await ActionHandover().run(dispatcher, tracker, domain)

    said = bot_texts(dispatcher)
    assert said[-1].startswith(said_last), said
    transcript = kept_ticket(outbox).transcript
    # Everything the bot said in this turn (a condolence first, then the no-agent message), in order, last.
    said_now = len(said)
    assert [turn["role"] for turn in transcript[-said_now:]] == ["bot"] * said_now
    assert [turn["text"] for turn in transcript[-said_now:]] == said
    assert [turn["text"] for turn in transcript[: -said_now]] == [
        "mijn jaarafrekening is veel te hoog", "Je jaarafrekening vind je in Mijn Polderstroom.", text,
    ]
    assert [turn["timestamp"] for turn in transcript[-said_now:]] == [1795000000.25] * said_now


async def test_the_same_message_again_makes_the_same_ticket(outbox: Outbox, make_tracker, domain) -> None:
    """The live-chat service refuses a different request under a used idempotency key: a second
    run for the same customer message must send exactly the same ticket."""
    tracker = sent_at(make_tracker("mijn moeder is overleden", intent="bereavement"), 1795000000.25)
    for _ in range(2):
        await ActionHandover().run(CollectingDispatcher(), tracker, domain)
    first, again = outbox.pending()
    assert first.to_json() == again.to_json()
