"""Hand-overs and their messages. Sync functions `fn(engine, ...)`; see `livechat.storage.db`.

Accepting, transferring and closing are single conditional UPDATEs (`... WHERE status = 'queued'`)
whose row count tells whether this caller won, so two agents can never both take one conversation.

Creating one counts the team's queue and inserts in one transaction that holds the team's queue
lock (PostgreSQL: a transaction-level advisory lock per team; SQLite: ``BEGIN IMMEDIATE``, the
database's single write lock), so concurrent hand-overs never fill a queue beyond its limit.
"""
from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from livechat.storage.idempotency import ensure_same_request, request_hash
from livechat.storage.schema import PRIORITIES, agents, from_db, handovers, iso, messages, to_db

PRIORITY_RANK = sa.case(
    {priority: rank for rank, priority in enumerate(PRIORITIES)}, value=handovers.c.priority, else_=len(PRIORITIES)
)
QUEUE_ORDER = (PRIORITY_RANK, handovers.c.created_at, handovers.c.id)


class QueueFull(Exception):
    """The team already has the maximum number of customers waiting."""

    def __init__(self, team: str, queue_length: int) -> None:
        super().__init__(f"queue of {team} is full ({queue_length} waiting)")
        self.team = team
        self.queue_length = queue_length


@dataclass(frozen=True)
class NewHandover:
    """What the bot sends (validated); its fields are the hand-over table's columns."""

    conversation_id: str
    idempotency_key: str
    channel: str
    reason: str
    priority: str
    team: str
    summary: str
    customer: dict[str, Any]
    slots: dict[str, Any]
    transcript: list[dict[str, Any]]
    raw_events: list[dict[str, Any]]
    # Ask how satisfied the customer is after `resolved` (the bot's decision, in its request; true
    # when a request does not say). None in rows stored before requests said it: not asked
    # (`naadloos.handover_contract.satisfaction`).
    ask_satisfaction: bool | None = field(default=True, kw_only=True)


@dataclass(frozen=True)
class Handover(NewHandover):
    """A stored hand-over: the request plus its state."""

    id: int
    status: str
    assigned_agent_id: int | None
    assigned_agent_name: str | None
    created_at: datetime
    accepted_at: datetime | None
    closed_at: datetime | None
    outcome: str | None
    alternatives_offered_at: datetime | None
    resume_delivered: bool | None
    wrap_up_note: str | None
    queued_at: datetime | None

    @classmethod
    def from_row(cls, row: Any) -> Handover:
        return cls(
            id=row.id,
            conversation_id=row.conversation_id,
            idempotency_key=row.idempotency_key,
            channel=row.channel,
            reason=row.reason,
            priority=row.priority,
            team=row.team,
            summary=row.summary,
            customer=row.customer or {},
            slots=row.slots or {},
            transcript=row.transcript or [],
            raw_events=row.raw_events or [],
            ask_satisfaction=row.ask_satisfaction,
            status=row.status,
            assigned_agent_id=row.assigned_agent_id,
            assigned_agent_name=row.assigned_agent_name,
            created_at=from_db(row.created_at),  # type: ignore[arg-type]
            accepted_at=from_db(row.accepted_at),
            closed_at=from_db(row.closed_at),
            outcome=row.outcome,
            alternatives_offered_at=from_db(row.alternatives_offered_at),
            resume_delivered=row.resume_delivered,
            wrap_up_note=row.wrap_up_note,
            queued_at=from_db(row.queued_at),
        )

    def to_json(self, full: bool = False) -> dict[str, Any]:
        """The queue view; `full` adds customer, slots, transcript and raw events."""
        data: dict[str, Any] = {
            "id": self.id,
            "conversation_id": self.conversation_id,
            "channel": self.channel,
            "reason": self.reason,
            "priority": self.priority,
            "team": self.team,
            "summary": self.summary,
            "status": self.status,
            "assigned_agent": (
                {"id": self.assigned_agent_id, "name": self.assigned_agent_name} if self.assigned_agent_id else None
            ),
            "created_at": iso(self.created_at),
            "accepted_at": iso(self.accepted_at),
            "closed_at": iso(self.closed_at),
            "outcome": self.outcome,
            "wrap_up_note": self.wrap_up_note,
            "alternatives_offered_at": iso(self.alternatives_offered_at),
        }
        if full:
            data.update(customer=self.customer, slots=self.slots, transcript=self.transcript, events=self.raw_events)
        return data


@dataclass(frozen=True)
class Message:
    id: int
    handover_id: int
    sender: str
    text: str
    created_at: datetime
    agent_id: int | None
    external_id: str | None
    delivery_status: str | None
    delivery_error: str | None

    @classmethod
    def from_row(cls, row: Any) -> Message:
        return cls(
            row.id, row.handover_id, row.sender, row.text, from_db(row.created_at),  # type: ignore[arg-type]
            row.agent_id, row.external_id, row.delivery_status, row.delivery_error,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "handover_id": self.handover_id,
            "sender": self.sender,
            "text": self.text,
            "created_at": iso(self.created_at),
            "delivery_status": self.delivery_status,
            "delivery_error": self.delivery_error,
        }


def select_handovers() -> sa.sql.Select:
    """Hand-overs with the assigned agent's name (`Handover.from_row` reads its rows)."""
    return sa.select(handovers, agents.c.display_name.label("assigned_agent_name")).select_from(
        handovers.outerjoin(agents, agents.c.id == handovers.c.assigned_agent_id)
    )


def _one(connection: Connection, *conditions: Any) -> Handover | None:
    row = connection.execute(select_handovers().where(*conditions)).first()
    return Handover.from_row(row) if row else None


def lock_team_queue(connection: Connection, team: str) -> None:
    """Serialises queue changes of `team` until the transaction ends. Must be its first statement."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")  # the write lock now, not at the first INSERT
    elif connection.dialect.name == "postgresql":
        digest = hashlib.sha256(f"livechat-queue:{team}".encode()).digest()
        connection.execute(sa.select(sa.func.pg_advisory_xact_lock(int.from_bytes(digest[:8], "big", signed=True))))
    else:
        raise RuntimeError(f"no queue lock for {connection.dialect.name}")


def _existing(connection: Connection, new: NewHandover, fingerprint: str) -> Handover | None:
    """The hand-over of this request's key (409 when the key belongs to another request), or the
    conversation's open hand-over."""
    stored = connection.execute(
        sa.select(handovers.c.conversation_id, handovers.c.request_hash)
        .where(handovers.c.idempotency_key == new.idempotency_key)
    ).first()
    if stored is not None:
        ensure_same_request(stored, new.conversation_id, fingerprint)
        return _one(connection, handovers.c.idempotency_key == new.idempotency_key)
    return _one(connection, handovers.c.conversation_id == new.conversation_id, handovers.c.status != "closed")


def find_existing_handover(engine: Engine, new: NewHandover) -> Handover | None:
    """What `create_handover` would return without creating: the key's hand-over (checked to
    be the same request) or the conversation's open one."""
    with engine.connect() as connection:
        return _existing(connection, new, request_hash(asdict(new)))


def create_handover(engine: Engine, new: NewHandover, now: datetime, max_queue: int) -> tuple[Handover, bool]:
    """(hand-over, created). An existing one is returned for a known idempotency key, or when the
    conversation already has an open hand-over: a retried or repeated call never makes a second.
    `QueueFull` when the team already has `max_queue` waiting; `IdempotencyConflict` for a key of
    another request."""
    fingerprint = request_hash(asdict(new))
    for _attempt in range(3):
        try:
            with engine.begin() as connection:
                lock_team_queue(connection, new.team)
                existing = _existing(connection, new, fingerprint)
                if existing:
                    return existing, False
                waiting = _queued_count(connection, new.team)
                if waiting >= max_queue:
                    raise QueueFull(new.team, waiting)
                result = connection.execute(
                    handovers.insert().values(
                        **asdict(new), request_hash=fingerprint, status="queued", created_at=to_db(now)
                    )
                )
                created = _one(connection, handovers.c.id == result.inserted_primary_key[0])
                assert created is not None
                return created, True
        except sa.exc.IntegrityError:
            continue  # a concurrent call with the same key (for another team) won: the next attempt reads theirs
    raise RuntimeError("hand-over could neither be stored nor found")


def get_handover(engine: Engine, handover_id: int) -> Handover | None:
    with engine.connect() as connection:
        return _one(connection, handovers.c.id == handover_id)


def open_handover_for_conversation(engine: Engine, conversation_id: str) -> Handover | None:
    """The conversation's hand-over that is queued or assigned, if any."""
    return latest_handover_for_conversation(engine, conversation_id, include_closed=False)


def latest_handover_for_conversation(
    engine: Engine, conversation_id: str, include_closed: bool = True
) -> Handover | None:
    query = select_handovers().where(handovers.c.conversation_id == conversation_id)
    if not include_closed:
        query = query.where(handovers.c.status != "closed")
    with engine.connect() as connection:
        row = connection.execute(query.order_by(handovers.c.id.desc())).first()
    return Handover.from_row(row) if row else None


def list_handovers(engine: Engine, status: str, teams: Sequence[str] | None = None) -> list[Handover]:
    """Hand-overs with `status` (optionally of `teams`), by priority then waiting time."""
    query = select_handovers().where(handovers.c.status == status).order_by(*QUEUE_ORDER)
    if teams is not None:
        query = query.where(handovers.c.team.in_(list(teams)))
    with engine.connect() as connection:
        return [Handover.from_row(r) for r in connection.execute(query)]


def _queued_count(connection: Connection, team: str) -> int:
    return int(
        connection.execute(
            sa.select(sa.func.count()).select_from(handovers).where(
                handovers.c.status == "queued", handovers.c.team == team
            )
        ).scalar_one()
    )


def queued_count(engine: Engine, team: str) -> int:
    with engine.connect() as connection:
        return _queued_count(connection, team)


def queue_position(engine: Engine, handover_id: int) -> int | None:
    """1-based place in its team's queue, None when it is not queued."""
    with engine.connect() as connection:
        team = connection.execute(
            sa.select(handovers.c.team).where(handovers.c.id == handover_id, handovers.c.status == "queued")
        ).scalar()
        if team is None:
            return None
        ids = connection.execute(
            sa.select(handovers.c.id)
            .where(handovers.c.status == "queued", handovers.c.team == team)
            .order_by(*QUEUE_ORDER)
        ).scalars().all()
    return ids.index(handover_id) + 1


def accept_handover(engine: Engine, handover_id: int, agent_id: int, now: datetime) -> bool:
    """True when this agent took the queued hand-over; False when it was not (or no longer) queued."""
    with engine.begin() as connection:
        result = connection.execute(
            handovers.update()
            .where(handovers.c.id == handover_id, handovers.c.status == "queued")
            .values(status="assigned", assigned_agent_id=agent_id, accepted_at=to_db(now))
        )
        return result.rowcount == 1


def close_handover(
    engine: Engine, handover_id: int, agent_id: int, outcome: str, now: datetime, note: str = ""
) -> bool:
    """True when the agent's assigned hand-over was closed now, with its wrap-up (outcome, note)."""
    with engine.begin() as connection:
        result = connection.execute(
            handovers.update()
            .where(
                handovers.c.id == handover_id,
                handovers.c.status == "assigned",
                handovers.c.assigned_agent_id == agent_id,
            )
            .values(
                status="closed", outcome=outcome, wrap_up_note=note or None, closed_at=to_db(now), resume_delivered=False
            )
        )
        return result.rowcount == 1


@dataclass(frozen=True)
class Transfer:
    """Where a hand-over goes: another team's queue, or straight to a colleague (`to_agent_id`), with
    an internal note for whoever gets it and a line for the customer."""

    to_team: str
    to_agent_id: int | None
    note: str
    customer_text: str


def transfer_handover(
    engine: Engine, seen: Handover, agent_id: int, transfer: Transfer, now: datetime
) -> tuple[Message, Message] | None:
    """Moves the hand-over as `seen` (status, team, holder) to `transfer`'s team: queued, or
    assigned to the colleague. One conditional UPDATE, so when a colleague accepted, closed or
    transferred it meanwhile nothing happens (None). In the same transaction: the note (sender
    'note', by `agent_id`) and the customer's line (system, pending). A new queue starts a new wait
    (`queued_at`, alternatives not offered yet); the place keeps the original `created_at`."""
    to_colleague = transfer.to_agent_id is not None
    with engine.begin() as connection:
        result = connection.execute(
            handovers.update()
            .where(
                handovers.c.id == seen.id,
                handovers.c.status == seen.status,
                handovers.c.team == seen.team,
                handovers.c.assigned_agent_id.is_(None)
                if seen.assigned_agent_id is None
                else handovers.c.assigned_agent_id == seen.assigned_agent_id,
            )
            .values(
                team=transfer.to_team,
                status="assigned" if to_colleague else "queued",
                assigned_agent_id=transfer.to_agent_id,
                accepted_at=to_db(now) if to_colleague else None,
                queued_at=None if to_colleague else to_db(now),
                alternatives_offered_at=None,
            )
        )
        if result.rowcount != 1:
            return None
        moment = to_db(now)
        note = _insert_message(
            connection, handover_id=seen.id, sender="note", text=transfer.note, created_at=moment, agent_id=agent_id
        )
        line = _insert_message(
            connection, handover_id=seen.id, sender="system", text=transfer.customer_text, created_at=moment,
            delivery_status=PENDING,
        )
        return note, line


def set_resume_delivered(engine: Engine, handover_id: int, delivered: bool) -> None:
    with engine.begin() as connection:
        connection.execute(
            handovers.update().where(handovers.c.id == handover_id).values(resume_delivered=delivered)
        )


def handovers_awaiting_resume(engine: Engine) -> list[int]:
    """Ids of closed hand-overs whose resume did not reach the bot yet, oldest first (rows closed
    before the column existed are NULL and not retried)."""
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(handovers.c.id)
            .where(handovers.c.status == "closed", handovers.c.resume_delivered.is_(False))
            .order_by(handovers.c.id)
        )
        return [row.id for row in rows]


def waiting_too_long(engine: Engine, created_before: datetime) -> list[Handover]:
    """Queued hand-overs that entered their queue (`queued_at`, else `created_at`) at or before
    `created_before` and were not yet offered the alternatives."""
    with engine.connect() as connection:
        rows = connection.execute(
            select_handovers()
            .where(
                handovers.c.status == "queued",
                handovers.c.alternatives_offered_at.is_(None),
                sa.func.coalesce(handovers.c.queued_at, handovers.c.created_at) <= to_db(created_before),
            )
            .order_by(handovers.c.id)
        )
        return [Handover.from_row(r) for r in rows]


def mark_alternatives_offered(engine: Engine, handover_id: int, now: datetime) -> bool:
    with engine.begin() as connection:
        result = connection.execute(
            handovers.update()
            .where(handovers.c.id == handover_id, handovers.c.alternatives_offered_at.is_(None))
            .values(alternatives_offered_at=to_db(now))
        )
        return result.rowcount == 1


# --- messages -------------------------------------------------------------------------------------
# Agent/system messages: pending (on its way, retried) -> delivered | failed (given up); customer
# messages have no delivery status.
PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"


def add_message(
    engine: Engine,
    handover_id: int,
    sender: str,
    text: str,
    now: datetime,
    agent_id: int | None = None,
    external_id: str | None = None,
    delivery_status: str | None = None,
) -> tuple[Message, bool]:
    """(message, created); a customer message with a known `external_id` is returned, not stored twice.

    Two concurrent posts of one `external_id` both find nothing and both insert; the unique
    constraint stops the second, which then returns the first one's row."""
    try:
        with engine.begin() as connection:
            if external_id is not None:
                existing = _message_with_external_id(connection, handover_id, external_id)
                if existing:
                    return existing, False
            message = _insert_message(
                connection, handover_id=handover_id, sender=sender, text=text, created_at=to_db(now),
                agent_id=agent_id, external_id=external_id, delivery_status=delivery_status,
            )
    except sa.exc.IntegrityError:
        if external_id is None:
            raise
        with engine.connect() as connection:  # a new transaction: it sees the winner's row
            existing = _message_with_external_id(connection, handover_id, external_id)
        if existing is None:
            raise
        return existing, False
    return message, True


def _insert_message(connection: Connection, **columns: Any) -> Message:
    """Stores a message with these `messages` columns (inside the caller's transaction)."""
    result = connection.execute(messages.insert().values(**columns))
    return Message.from_row(connection.execute(sa.select(messages).where(messages.c.id == result.inserted_primary_key[0])).one())


def _message_with_external_id(connection: Connection, handover_id: int, external_id: str) -> Message | None:
    row = connection.execute(
        sa.select(messages).where(messages.c.handover_id == handover_id, messages.c.external_id == external_id)
    ).first()
    return Message.from_row(row) if row else None


def undelivered_messages(engine: Engine, handover_id: int) -> list[Message]:
    """The hand-over's agent/system messages still on their way to the customer, oldest first."""
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(messages)
            .where(messages.c.handover_id == handover_id, messages.c.delivery_status == PENDING)
            .order_by(messages.c.id)
        )
        return [Message.from_row(r) for r in rows]


def handovers_with_undelivered_messages(engine: Engine) -> list[int]:
    """Ids of hand-overs with a message still on its way, the longest waiting first."""
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(messages.c.handover_id)
            .where(messages.c.delivery_status == PENDING)
            .group_by(messages.c.handover_id)
            .order_by(sa.func.min(messages.c.id))
        )
        return [row.handover_id for row in rows]


def note_delivery_error(engine: Engine, message_id: int, error: str) -> Message:
    """A failed attempt: the message stays pending (it is retried) and shows why it waits."""
    with engine.begin() as connection:
        connection.execute(
            messages.update()
            .where(messages.c.id == message_id, messages.c.delivery_status == PENDING)
            .values(delivery_error=error[:255])
        )
        return Message.from_row(connection.execute(sa.select(messages).where(messages.c.id == message_id)).one())


def finish_delivery(engine: Engine, message_id: int, status: str, error: str | None = None) -> Message | None:
    """pending -> `status` (delivered or failed) in one conditional UPDATE; None when the message
    was not pending any more (another delivery finished it first)."""
    with engine.begin() as connection:
        result = connection.execute(
            messages.update()
            .where(messages.c.id == message_id, messages.c.delivery_status == PENDING)
            .values(delivery_status=status, delivery_error=(error or None) and error[:255])
        )
        if result.rowcount != 1:
            return None
        return Message.from_row(connection.execute(sa.select(messages).where(messages.c.id == message_id)).one())


def list_messages(engine: Engine, handover_id: int) -> list[Message]:
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(messages).where(messages.c.handover_id == handover_id).order_by(messages.c.id)
        )
        return [Message.from_row(r) for r in rows]
