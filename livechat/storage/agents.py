"""Agents and their sessions. Sync functions `fn(engine, ...)`; see `livechat.storage.db`."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from livechat.storage.schema import agent_sessions, agents, to_db


@dataclass(frozen=True)
class Agent:
    id: int
    username: str
    display_name: str
    teams: tuple[str, ...]

    @classmethod
    def from_row(cls, row: Any) -> Agent:
        return cls(row.id, row.username, row.display_name, tuple(row.teams or ()))

    def to_json(self) -> dict:
        return {"id": self.id, "username": self.username, "name": self.display_name, "teams": list(self.teams)}


class AgentExists(ValueError):
    """An agent with that username already exists."""


def create_agent(
    engine: Engine, username: str, display_name: str, password_hash: str, teams: Sequence[str], now: datetime
) -> Agent:
    try:
        with engine.begin() as connection:
            result = connection.execute(
                agents.insert().values(
                    username=username,
                    display_name=display_name,
                    password_hash=password_hash,
                    teams=list(teams),
                    created_at=to_db(now),
                )
            )
            agent_id = result.inserted_primary_key[0]
    except sa.exc.IntegrityError as error:
        raise AgentExists(username) from error
    return Agent(agent_id, username, display_name, tuple(teams))


def set_password(engine: Engine, username: str, password_hash: str) -> bool:
    with engine.begin() as connection:
        result = connection.execute(
            agents.update().where(agents.c.username == username).values(password_hash=password_hash)
        )
        return result.rowcount == 1


def agent_with_hash(engine: Engine, username: str) -> tuple[Agent, str] | None:
    """The agent and their password hash, for the login check."""
    with engine.connect() as connection:
        row = connection.execute(sa.select(agents).where(agents.c.username == username)).first()
    return (Agent.from_row(row), row.password_hash) if row else None


def list_agents(engine: Engine) -> list[Agent]:
    with engine.connect() as connection:
        return [Agent.from_row(r) for r in connection.execute(sa.select(agents).order_by(agents.c.username))]


def create_session(engine: Engine, agent_id: int, token_hash: str, now: datetime, expires_at: datetime) -> None:
    with engine.begin() as connection:
        connection.execute(
            agent_sessions.delete().where(agent_sessions.c.expires_at < to_db(now))  # tidy up old ones
        )
        connection.execute(
            agent_sessions.insert().values(
                agent_id=agent_id,
                token_hash=token_hash,
                created_at=to_db(now),
                expires_at=to_db(expires_at),
                last_seen_at=to_db(now),
            )
        )


def session_agent(engine: Engine, token_hash: str, now: datetime, touch: bool = True) -> Agent | None:
    """The agent of an unexpired session (and marks them as seen now), or None."""
    with engine.begin() as connection:
        row = connection.execute(
            sa.select(agents)
            .join(agent_sessions, agent_sessions.c.agent_id == agents.c.id)
            .where(agent_sessions.c.token_hash == token_hash, agent_sessions.c.expires_at > to_db(now))
        ).first()
        if row is None:
            return None
        if touch:
            connection.execute(
                agent_sessions.update()
                .where(agent_sessions.c.token_hash == token_hash)
                .values(last_seen_at=to_db(now))
            )
    return Agent.from_row(row)


def delete_session(engine: Engine, token_hash: str) -> None:
    with engine.begin() as connection:
        connection.execute(agent_sessions.delete().where(agent_sessions.c.token_hash == token_hash))


def online_agents(engine: Engine, now: datetime, seen_since: datetime) -> list[Agent]:
    """Agents with an unexpired session that was seen at or after `seen_since`."""
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(agents)
            .where(
                sa.exists().where(
                    agent_sessions.c.agent_id == agents.c.id,
                    agent_sessions.c.expires_at > to_db(now),
                    agent_sessions.c.last_seen_at >= to_db(seen_since),
                )
            )
            .order_by(agents.c.id)
        )
        return [Agent.from_row(r) for r in rows]
