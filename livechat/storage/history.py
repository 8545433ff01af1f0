"""Closed conversations: the desk's history, newest first, and searching it. Sync functions
`fn(engine, ...)`; see `livechat.storage.db`.

An agent sees the closed conversations of their teams and those they took part in (`took_part`:
accepted, wrote in, noted or passed on), wherever they ended: after a transfer to another team the
colleague who passed it on can still read how it ended.

Searching reads no transcripts. When a hand-over is closed its words are put in an index
(`handover_search_terms`: its transcript, the messages and notes, the customer's details, the
reason with its Dutch label, the team, the summary, the wrap-up note and the names of the agents
who worked on it), lowercased and without accents. A search word matches every indexed word that
starts with it ("klacht" finds "klachten", "1234" finds customer number 12345678); all words of
a search must match. Each word is one range on the index's primary key, the same plan on SQLite
and PostgreSQL, and the list itself is read in the order of the `handover_history_order` index.

Hand-overs closed before this index existed (or while an older release ran) have no words yet:
`unindexed` finds them, and the first history requests of a process index them a part at a time
(`livechat.handover_flow.index_missing_history`).
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from livechat.storage.handovers import Handover, select_handovers
from livechat.storage.schema import agents, handover_search_terms, handovers, messages

MAX_TERM = 64  # longer words are indexed (and searched) by their first 64 characters
MAX_TERMS_PER_HANDOVER = 5000
_WORD = re.compile(r"[^\W_]+")
_BATCH = 200


def words(text: str) -> list[str]:
    """The words of `text` as they are indexed and searched: lowercased, without accents (é -> e),
    letters and digits only, at most `MAX_TERM` characters."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))
    return [word[:MAX_TERM] for word in _WORD.findall(plain)]


def _texts(value: Any) -> Iterable[str]:
    """Every string and number in a JSON value (customer details, slots)."""
    if isinstance(value, Mapping):
        for item in value.values():
            yield from _texts(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _texts(item)
    elif isinstance(value, (str, int, float)) and not isinstance(value, bool):
        yield str(value)


def _terms(handover: Handover, texts: Iterable[str]) -> set[str]:
    sources = [
        handover.summary, handover.reason, handover.team, handover.wrap_up_note or "",
        *(turn.get("text") or "" for turn in handover.transcript if isinstance(turn.get("text"), str)),
        *_texts(handover.customer), *_texts(handover.slots), *texts,
    ]
    found: set[str] = set()
    for source in sources:
        found.update(words(source))
        if len(found) >= MAX_TERMS_PER_HANDOVER:
            break
    return set(sorted(found)[:MAX_TERMS_PER_HANDOVER])


def _index(connection: Connection, handover_id: int, extra: Sequence[str]) -> None:
    row = connection.execute(select_handovers().where(handovers.c.id == handover_id)).first()
    if row is None:
        return
    handover = Handover.from_row(row)
    written = connection.execute(
        sa.select(messages.c.text, agents.c.display_name)
        .select_from(messages.outerjoin(agents, agents.c.id == messages.c.agent_id))
        .where(messages.c.handover_id == handover_id)
    )
    texts = [*extra, handover.assigned_agent_name or ""]
    for text, agent_name in written:
        texts += [text, agent_name or ""]
    connection.execute(handover_search_terms.delete().where(handover_search_terms.c.handover_id == handover_id))
    terms = _terms(handover, texts)
    if terms:
        connection.execute(handover_search_terms.insert(), [{"term": t, "handover_id": handover_id} for t in terms])


def index_handover(engine: Engine, handover_id: int, labels: Sequence[str] = ()) -> None:
    """(Re)builds the search words of a closed hand-over; `labels`: its Dutch words (reason, team,
    outcome) so agents find it by what the desk shows, not only by codes."""
    with engine.begin() as connection:
        _index(connection, handover_id, labels)


def unindexed(engine: Engine, after_id: int = 0, limit: int = _BATCH) -> list[tuple[int, str, str, str | None]]:
    """(id, reason, team, outcome) of closed hand-overs after `after_id` without search words, by id."""
    indexed = sa.select(handover_search_terms.c.handover_id).where(handover_search_terms.c.handover_id == handovers.c.id)
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(handovers.c.id, handovers.c.reason, handovers.c.team, handovers.c.outcome)
            .where(handovers.c.status == "closed", handovers.c.id > after_id, ~sa.exists(indexed))
            .order_by(handovers.c.id)
            .limit(limit)
        )
        return [(row.id, row.reason, row.team, row.outcome) for row in rows]


def _took_part(agent_id: int) -> sa.sql.ColumnElement:
    """The hand-over's condition for `agent_id` having worked on it: they hold it (they accepted it,
    or it was passed to them), or they wrote a message or note in it (passing a conversation on
    writes a note by whoever did it). One lookup on the messages' `handover_id` index per row."""
    wrote = sa.select(messages.c.id).where(messages.c.handover_id == handovers.c.id, messages.c.agent_id == agent_id)
    return sa.or_(handovers.c.assigned_agent_id == agent_id, sa.exists(wrote))


def took_part(engine: Engine, handover_id: int, agent_id: int) -> bool:
    """Whether the agent worked on this hand-over (see `_took_part`)."""
    with engine.connect() as connection:
        found = connection.execute(sa.select(handovers.c.id).where(handovers.c.id == handover_id, _took_part(agent_id)))
        return found.first() is not None


@dataclass(frozen=True)
class HistoryQuery:
    """A validated search: the agent's teams (or one of them), words, an outcome, a page; with
    `agent_id` also the conversations of other teams that agent took part in."""

    teams: tuple[str, ...]
    words: tuple[str, ...] = ()
    outcome: str | None = None
    page: int = 1
    per_page: int = 20
    agent_id: int | None = None


def _next_prefix(word: str) -> str:
    """The smallest string above every string that starts with `word` (in code point order, which
    is the order of UTF-8 bytes). Surrogates cannot be stored, so after U+D7FF comes U+E000."""
    following = ord(word[-1]) + 1
    return word[:-1] + chr(0xE000 if 0xD800 <= following <= 0xDFFF else following)


def search_statement(query: HistoryQuery) -> sa.sql.Select:
    """The query behind `search`: one page and one row more (which tells whether there are more)."""
    # Only closing sets `closed_at` (in the same UPDATE as status 'closed'), so this condition alone
    # picks the closed ones, in the order of the `handover_history_order` index: the newest page is
    # read from the index's end without sorting every closed conversation.
    visible = handovers.c.team.in_(list(query.teams))
    if query.agent_id is not None:
        visible = sa.or_(visible, _took_part(query.agent_id))
    statement = select_handovers().where(handovers.c.closed_at.is_not(None), visible)
    if query.outcome:
        statement = statement.where(handovers.c.outcome == query.outcome)
    for word in dict.fromkeys(query.words):
        term = handover_search_terms.c.term
        statement = statement.where(
            handovers.c.id.in_(sa.select(handover_search_terms.c.handover_id).where(term >= word, term < _next_prefix(word)))
        )
    return (
        statement.order_by(handovers.c.closed_at.desc(), handovers.c.id.desc())
        .offset((query.page - 1) * query.per_page)
        .limit(query.per_page + 1)
    )


def search(engine: Engine, query: HistoryQuery) -> tuple[list[Handover], bool]:
    """(a page of closed hand-overs of `query.teams` (and of `query.agent_id`), the newest closed
    first; whether there are more)."""
    with engine.connect() as connection:
        rows = connection.execute(search_statement(query)).all()
    return [Handover.from_row(row) for row in rows[: query.per_page]], len(rows) > query.per_page
