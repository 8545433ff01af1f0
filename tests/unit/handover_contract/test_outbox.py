"""The bot's outbox (naadloos/handover_contract/outbox.py) stores the kind of each record, not a URL path of one back
end; a file of an older version (the built-in desk's paths, perhaps without queues) is moved to
kinds when it is opened: every row kept, in order, with its id and time. Delivery against the real
live chat: tests/livechat/test_bot_handover.py; against Chatwoot: tests/chatwoot/test_chatwoot_actions.py."""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from naadloos.handover_contract.outbox import CUSTOMER_MESSAGES, RECORDS, Outbox, migrate
from naadloos.handover_contract.schema import CallbackRequest, CustomerMessage, TicketRequest, record_from_json

TICKET = {
    "conversation_id": "web-1", "channel": "socketio", "reason": "complaint", "summary": "Klacht",
    "customer": {"klantnummer": "12345678"}, "transcript": [{"role": "user", "text": "boos!!", "timestamp": 1.0}],
    "idempotency_key": "ticket-abc", "contact_preference": "callback_offered", "priority": "normal", "team": "klachten",
}
CALLBACK = {"conversation_id": "web-1", "idempotency_key": "callback-abc", "phone": "0612345678",
            "preferred_moment": "morgen na 10 uur", "team": "klachten"}
OLD_TABLE = """CREATE TABLE pending (
    id INTEGER PRIMARY KEY AUTOINCREMENT, created_at TEXT NOT NULL, path TEXT NOT NULL,
    payload TEXT NOT NULL{queue})"""


def old_outbox(path: Path, rows: list[tuple[str, object, str]], with_queues: bool = True) -> None:
    """An outbox file as the versions before the kinds wrote it: (path, payload, queue) per row,
    plus one more row that was delivered (deleted), so the id sequence is ahead of the rows."""
    with sqlite3.connect(path) as db:
        db.execute(OLD_TABLE.format(queue=", queue TEXT NOT NULL DEFAULT 'records'" if with_queues else ""))
        for number, (url_path, payload, queue) in enumerate([*rows, ("/api/tickets", TICKET, "records")]):
            body = payload if isinstance(payload, str) else json.dumps(payload)
            created = f"2026-11-30T1{number}:00:00+00:00"
            if with_queues:
                db.execute("INSERT INTO pending (created_at, path, payload, queue) VALUES (?, ?, ?, ?)",
                           (created, url_path, body, queue))
            else:
                db.execute("INSERT INTO pending (created_at, path, payload) VALUES (?, ?, ?)", (created, url_path, body))
        db.execute("DELETE FROM pending WHERE id = (SELECT MAX(id) FROM pending)")
    db.close()


def table(path: Path) -> list[tuple]:
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT id, created_at, kind, queue FROM pending ORDER BY id").fetchall()
    db.close()
    return rows


def test_an_old_outbox_is_moved_to_kinds_in_order_and_nothing_is_lost(tmp_path: Path) -> None:
    path = tmp_path / "outbox.sqlite3"
    old_outbox(path, [
        ("/api/conversations/web%2F7%20%C3%BC/messages", {"text": "hallo?", "message_id": "m1"}, "customer_messages"),
        ("/api/tickets", TICKET, "records"),
        ("/api/conversations/web%2F7%20%C3%BC/messages", {"text": "is daar iemand?", "message_id": "m2"}, "customer_messages"),
        ("/api/callbacks", CALLBACK, "records"),
        ("/api/whatever", {"x": 1}, "records"),  # a path no version knows: kept as it is, for a person
    ])

    assert Outbox(path).pending() == [TicketRequest(**TICKET), CallbackRequest(**CALLBACK)]
    assert Outbox(path, CUSTOMER_MESSAGES).pending() == [
        CustomerMessage("web/7 ü", "hallo?", "m1"), CustomerMessage("web/7 ü", "is daar iemand?", "m2"),
    ]
    assert table(path) == [
        (1, "2026-11-30T10:00:00+00:00", "customer_message", "customer_messages"),
        (2, "2026-11-30T11:00:00+00:00", "ticket", "records"),
        (3, "2026-11-30T12:00:00+00:00", "customer_message", "customer_messages"),
        (4, "2026-11-30T13:00:00+00:00", "callback", "records"),
        (5, "2026-11-30T14:00:00+00:00", "/api/whatever", "records"),
    ]
    assert Outbox(path).waiting()

    Outbox(path).keep(CallbackRequest("web-2", "callback-def", "0101234567", "vrijdag"))
    assert table(path)[-1][0] == 7, "a new record never reuses the id of one delivered before the upgrade"
    with sqlite3.connect(path) as db:
        assert migrate(db) == 0, "moved once"
    db.close()


def test_an_outbox_from_before_the_queues_holds_records_only(tmp_path: Path) -> None:
    path = tmp_path / "outbox.sqlite3"
    old_outbox(path, [("/api/callbacks", CALLBACK, "records"), ("/api/tickets", TICKET, "records")], with_queues=False)
    assert Outbox(path).pending() == [CallbackRequest(**CALLBACK), TicketRequest(**TICKET)]
    assert Outbox(path, CUSTOMER_MESSAGES).pending() == []
    assert not Outbox(path, CUSTOMER_MESSAGES).waiting()


@pytest.mark.parametrize("record", [
    TicketRequest(**TICKET), CallbackRequest("c", "callback-1", "06", "nu"), CustomerMessage("a/b", "hoi", "m-1"),
])
def test_a_record_is_kept_as_its_kind_and_read_back_the_same(tmp_path: Path, record) -> None:
    queue = CUSTOMER_MESSAGES if isinstance(record, CustomerMessage) else RECORDS
    outbox = Outbox(tmp_path / "outbox.sqlite3", queue)
    assert not outbox.waiting()
    outbox.keep(record)
    assert outbox.waiting() and outbox.pending() == [record]
    with sqlite3.connect(tmp_path / "outbox.sqlite3") as db:
        columns = [row[1] for row in db.execute("PRAGMA table_info(pending)")]
    db.close()
    assert columns == ["id", "created_at", "kind", "payload", "queue"]  # no URL of one back end


async def test_a_delivery_round_leaves_the_event_loop_free_while_sqlite_waits(tmp_path: Path) -> None:
    """Rasa's and the action server's loops run the delivery: a busy database (another writer
    holding it) must not stop them answering other conversations meanwhile."""
    import asyncio
    import threading

    from naadloos.handover_contract.backend import handover_backend_from_settings
    from tests.processes import free_port

    path = tmp_path / "outbox.sqlite3"
    outbox = Outbox(path)
    outbox.keep(record_from_json("ticket", TICKET))
    writer = sqlite3.connect(path, check_same_thread=False)
    writer.execute("BEGIN EXCLUSIVE")  # another process writing: readers wait for it
    releasing = threading.Timer(0.5, lambda: (writer.rollback(), writer.close()))
    releasing.start()
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticker = asyncio.get_running_loop().create_task(tick())
    try:
        unreachable = handover_backend_from_settings(livechat_url=f"http://127.0.0.1:{free_port()}")
        round_ = await outbox.deliver(unreachable)
    finally:
        ticker.cancel()
        releasing.join()
    assert round_.sent == 0 and round_.unavailable is not None  # the live chat is down: the ticket waits
    assert ticks >= 20, f"the loop ran only {ticks} times in the half second SQLite waited"
    assert [record.idempotency_key for record in outbox.pending()] == ["ticket-abc"]
