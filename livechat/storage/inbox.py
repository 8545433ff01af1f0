"""The desk's inbox: the tickets and callback requests the bot stored when no colleague could take
over, worked through by agents. Sync functions `fn(engine, ...)`; see `livechat.storage.db`.

An item goes open -> claimed (one owner) -> done. Claiming is one conditional UPDATE (`status =
'open'`), so of two agents exactly one wins, as with accepting a hand-over. Only the owner records
an outcome (each one counts as an attempt; `no_answer` leaves the item with its owner for another
try) and marks it done, which needs an outcome first. A callback has no transcript of its own: it
shows the latest ticket of its conversation (the bot stores one before it offers the callback),
whose priority, reason and summary it takes; a callback asked for while waiting in the queue has
no ticket and shows the hand-over it was asked from instead.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from livechat.errors import ApiError
from livechat.storage.db import MAX_ROW_ID
from livechat.storage.schema import PRIORITIES, agents, callback_requests, from_db, handovers, tickets, to_db
from livechat.storage.tickets import row_json

KINDS = {"ticket": tickets, "callback": callback_requests}
ACTIVE = ("open", "claimed")
MAX_ACTIVE = 200  # per kind
MAX_DONE = 50
# Columns each kind shows that the other lacks (null there), so every item has the same keys.
KIND_ONLY = ("channel", "contact_preference", "name", "phone", "preferred_moment", "preferred_at")
DETAIL_ONLY = ("customer", "transcript")


@dataclass(frozen=True)
class Scope:
    """Whose inbox: the agent's teams; rows without a team are the default team's."""

    teams: tuple[str, ...]
    default_team: str

    def condition(self, table: sa.Table) -> Any:
        of_teams = table.c.team.in_(list(self.teams))
        return sa.or_(of_teams, table.c.team.is_(None)) if self.default_team in self.teams else of_teams

    def team_of(self, row: Any) -> str:
        return row.team or self.default_team


@dataclass(frozen=True)
class Flags:
    """When an item needs attention: `now` and LIVECHAT_UNCLAIMED_ALERT_MINUTES."""

    now: datetime
    unclaimed_alert_minutes: int


def _table(kind: str) -> sa.Table:
    table = KINDS.get(kind)
    if table is None:
        raise ApiError(404, "not_found", "unknown inbox item kind (ticket or callback)")
    return table


def _agent_names(connection: Connection, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = connection.execute(sa.select(agents.c.id, agents.c.display_name).where(agents.c.id.in_(list(ids))))
    return {row.id: row.display_name for row in rows}


@dataclass(frozen=True)
class Story:
    """Where a callback's conversation is told: a ticket, or else the hand-over it was asked from."""

    row: Any
    is_ticket: bool


def _newest_per_conversation(connection: Connection, table: sa.Table, conversation_ids: set[str], scope: Scope) -> dict[str, Any]:
    rows = connection.execute(
        sa.select(table)
        .where(table.c.conversation_id.in_(list(conversation_ids)), scope.condition(table))
        .order_by(table.c.id)
    )
    return {row.conversation_id: row for row in rows}


def _stories(connection: Connection, conversation_ids: set[str], scope: Scope) -> dict[str, Story]:
    """The newest visible ticket of each conversation (for its callbacks); for conversations
    without one, the newest visible hand-over (a callback asked for while waiting)."""
    if not conversation_ids:
        return {}
    found = {
        conversation: Story(row, True)
        for conversation, row in _newest_per_conversation(connection, tickets, conversation_ids, scope).items()
    }
    without_ticket = conversation_ids - found.keys()
    if without_ticket:
        for conversation, row in _newest_per_conversation(connection, handovers, without_ticket, scope).items():
            found[conversation] = Story(row, False)
    return found


def _item(
    kind: str, row: Any, names: dict[int, str], story: Story | None, scope: Scope, flags: Flags, full: bool
) -> dict[str, Any]:
    data = row_json(row)
    created = from_db(row.created_at)
    age = flags.now - created if created else timedelta(0)
    if kind == "ticket":
        story = Story(row, True)
    source = story.row if story is not None else None  # where the conversation's story is
    preferred_at = from_db(row.preferred_at) if kind == "callback" else None
    item: dict[str, Any] = {
        "kind": kind,
        **{key: data.get(key) for key in ("id", "conversation_id", "status", "claimed_at", "outcome", "outcome_note",
                                          "outcome_at", "attempts", "done_at", "created_at")},
        **{key: data.get(key) for key in KIND_ONLY},
        "team": scope.team_of(row),
        "priority": source.priority if source is not None else "normal",
        "reason": source.reason if source is not None else None,
        "summary": source.summary if source is not None else "",
        "claimed_by": {"id": row.claimed_by, "name": names.get(row.claimed_by, "")} if row.claimed_by else None,
        "age_minutes": max(0, int(age.total_seconds() // 60)),
        "overdue": row.status != "done" and preferred_at is not None and preferred_at < flags.now,
        "unowned_too_long": row.status == "open" and age >= timedelta(minutes=flags.unclaimed_alert_minutes),
    }
    if full:
        item["ticket_id"] = story.row.id if story is not None and story.is_ticket else None
        item["customer"] = source.customer if source is not None else {}
        item["transcript"] = source.transcript if source is not None else []
    return item


def _items(
    connection: Connection, kind: str, rows: Sequence[Any], scope: Scope, flags: Flags, full: bool = False
) -> list[dict[str, Any]]:
    names = _agent_names(connection, {row.claimed_by for row in rows if row.claimed_by})
    linked = _stories(connection, {row.conversation_id for row in rows}, scope) if kind == "callback" else {}
    return [_item(kind, row, names, linked.get(row.conversation_id), scope, flags, full) for row in rows]


def _rows(connection: Connection, kind: str, scope: Scope, condition: Any, order: Any, limit: int) -> list[Any]:
    table = KINDS[kind]
    return list(connection.execute(sa.select(table).where(scope.condition(table), condition).order_by(*order).limit(limit)))


def list_active(engine: Engine, scope: Scope, flags: Flags) -> list[dict[str, Any]]:
    """Open and claimed items of both kinds: the most urgent first, then the oldest."""
    with engine.connect() as connection:
        items = []
        for kind, table in KINDS.items():
            rows = _rows(connection, kind, scope, table.c.status.in_(ACTIVE), (table.c.created_at, table.c.id), MAX_ACTIVE)
            items += _items(connection, kind, rows, scope, flags)
    return sorted(items, key=lambda i: (PRIORITIES.index(i["priority"]), _moment(i["created_at"]), i["kind"], i["id"]))


def list_done(engine: Engine, scope: Scope, flags: Flags) -> list[dict[str, Any]]:
    """The most recently finished items of both kinds (history)."""
    with engine.connect() as connection:
        items = []
        for kind, table in KINDS.items():
            rows = _rows(connection, kind, scope, table.c.status == "done", (table.c.done_at.desc(), table.c.id.desc()), MAX_DONE)
            items += _items(connection, kind, rows, scope, flags)
    return sorted(items, key=lambda i: _moment(i["done_at"]), reverse=True)[:MAX_DONE]


def _moment(iso: str | None) -> datetime:
    return datetime.fromisoformat((iso or "1970-01-01T00:00:00Z").replace("Z", "+00:00"))


def _visible_row(connection: Connection, kind: str, item_id: int, scope: Scope) -> Any:
    """404 for an unknown item (also an id no column can hold), 403 for another team's."""
    table = _table(kind)
    row = connection.execute(sa.select(table).where(table.c.id == item_id)).first() if 0 < item_id <= MAX_ROW_ID else None
    if row is None:
        raise ApiError(404, "not_found", f"{kind} not found")
    if scope.team_of(row) not in scope.teams:
        raise ApiError(403, "forbidden", f"this {kind} belongs to another team")
    return row


def get_item(engine: Engine, kind: str, item_id: int, scope: Scope, flags: Flags) -> dict[str, Any]:
    """One item with the conversation's transcript, customer details and summary."""
    with engine.connect() as connection:
        row = _visible_row(connection, kind, item_id, scope)
        return _items(connection, kind, [row], scope, flags, full=True)[0]


def _conflict(connection: Connection, row: Any, message: str) -> ApiError:
    owner = _agent_names(connection, {row.claimed_by}).get(row.claimed_by) if row.claimed_by else None
    return ApiError(409, "conflict", message, item_status=row.status, claimed_by={"name": owner} if owner else None)


def claim(engine: Engine, kind: str, item_id: int, agent_id: int, scope: Scope, flags: Flags) -> dict[str, Any]:
    """The agent owns the item now (200 again for its owner); 409 when a colleague was first or it is done."""
    table = _table(kind)
    with engine.begin() as connection:
        _visible_row(connection, kind, item_id, scope)
        connection.execute(
            table.update()
            .where(table.c.id == item_id, table.c.status == "open")
            .values(status="claimed", claimed_by=agent_id, claimed_at=to_db(flags.now))
        )
        row = _visible_row(connection, kind, item_id, scope)
        if row.status != "claimed" or row.claimed_by != agent_id:
            problem = f"this {kind} is done" if row.status == "done" else f"a colleague claimed this {kind}"
            raise _conflict(connection, row, problem)
    return get_item(engine, kind, item_id, scope, flags)


def _owned_row(connection: Connection, kind: str, item_id: int, agent_id: int, scope: Scope) -> Any:
    row = _visible_row(connection, kind, item_id, scope)
    if row.claimed_by != agent_id or row.status == "open":
        raise _conflict(connection, row, f"claim this {kind} first" if row.status == "open" else f"this {kind} is not yours")
    return row


def record_outcome(
    engine: Engine, kind: str, item_id: int, agent_id: int, outcome: str, note: str, scope: Scope, flags: Flags
) -> dict[str, Any]:
    """The owner's outcome and note (one more attempt); the item stays claimed until done."""
    table = _table(kind)
    with engine.begin() as connection:
        row = _owned_row(connection, kind, item_id, agent_id, scope)
        if row.status == "done":
            raise _conflict(connection, row, f"this {kind} is done")
        connection.execute(
            table.update()
            .where(table.c.id == item_id, table.c.status == "claimed", table.c.claimed_by == agent_id)
            .values(outcome=outcome, outcome_note=note or None, outcome_at=to_db(flags.now), attempts=table.c.attempts + 1)
        )
    return get_item(engine, kind, item_id, scope, flags)


def mark_done(engine: Engine, kind: str, item_id: int, agent_id: int, scope: Scope, flags: Flags) -> dict[str, Any]:
    """Finished by its owner, after an outcome was recorded (done again: unchanged)."""
    table = _table(kind)
    with engine.begin() as connection:
        row = _owned_row(connection, kind, item_id, agent_id, scope)
        if row.outcome is None:
            raise _conflict(connection, row, "record an outcome first")
        connection.execute(
            table.update()
            .where(table.c.id == item_id, table.c.status == "claimed", table.c.claimed_by == agent_id)
            .values(status="done", done_at=to_db(flags.now))
        )
    return get_item(engine, kind, item_id, scope, flags)
