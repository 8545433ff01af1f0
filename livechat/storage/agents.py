"""Agents and their sessions. Sync functions `fn(engine, ...)`; see `livechat.storage.db`.

A session counts only while it is unexpired and its agent is not disabled. Disabling an agent or
setting a new password deletes all of the agent's sessions in the same transaction; the service
notices on its next check of the open desk sockets (`live_sessions`), even when the change came
from the command line in another process.
"""
from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from livechat.storage.schema import INSIGHT_ROLES, ROLES, agent_sessions, agents, to_db


@dataclass(frozen=True)
class Agent:
    id: int
    username: str
    display_name: str
    teams: tuple[str, ...]
    disabled: bool = False
    role: str = ROLES[0]  # one of `ROLES`

    @classmethod
    def from_row(cls, row: Any) -> Agent:
        return cls(
            row.id, row.username, row.display_name, tuple(row.teams or ()), row.disabled_at is not None,
            row.role or ROLES[0],
        )

    @property
    def sees_insight(self) -> bool:
        """Team leads and designers see the insight page and its transcripts; agents do not."""
        return self.role in INSIGHT_ROLES

    def to_json(self) -> dict:
        return {
            "id": self.id, "username": self.username, "name": self.display_name, "teams": list(self.teams),
            "role": self.role, "sees_insight": self.sees_insight,
        }


class AgentExists(ValueError):
    """An agent with that username already exists."""


def create_agent(
    engine: Engine, username: str, display_name: str, password_hash: str, teams: Sequence[str], now: datetime,
    role: str = ROLES[0],
) -> Agent:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    try:
        with engine.begin() as connection:
            result = connection.execute(
                agents.insert().values(
                    username=username,
                    display_name=display_name,
                    password_hash=password_hash,
                    teams=list(teams),
                    created_at=to_db(now),
                    role=role,
                )
            )
            agent_id = result.inserted_primary_key[0]
    except sa.exc.IntegrityError as error:
        raise AgentExists(username) from error
    return Agent(agent_id, username, display_name, tuple(teams), role=role)


def _end_sessions(connection: Connection, username: str) -> None:
    agent_ids = sa.select(agents.c.id).where(agents.c.username == username).scalar_subquery()
    connection.execute(agent_sessions.delete().where(agent_sessions.c.agent_id == agent_ids))


def set_password(engine: Engine, username: str, password_hash: str) -> bool:
    """Sets the password hash and ends every session of the agent; False when there is no such agent."""
    with engine.begin() as connection:
        result = connection.execute(
            agents.update().where(agents.c.username == username).values(password_hash=password_hash)
        )
        _end_sessions(connection, username)
        return result.rowcount == 1


def set_role(engine: Engine, username: str, role: str) -> bool:
    """Gives the agent one of `ROLES` (their open desk sees it on the next request); False when
    there is no such agent."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    with engine.begin() as connection:
        result = connection.execute(agents.update().where(agents.c.username == username).values(role=role))
        return result.rowcount == 1


def set_disabled(engine: Engine, username: str, disabled: bool, now: datetime) -> bool:
    """Disables (ending every session) or enables the agent; False when there is no such agent.
    Disabling twice keeps the first moment."""
    with engine.begin() as connection:
        found = connection.execute(sa.select(agents.c.disabled_at).where(agents.c.username == username)).first()
        if found is None:
            return False
        if disabled and found.disabled_at is None:
            connection.execute(agents.update().where(agents.c.username == username).values(disabled_at=to_db(now)))
        elif not disabled:
            connection.execute(agents.update().where(agents.c.username == username).values(disabled_at=None))
        if disabled:
            _end_sessions(connection, username)
        return True


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
            .where(
                agent_sessions.c.token_hash == token_hash,
                agent_sessions.c.expires_at > to_db(now),
                agents.c.disabled_at.is_(None),
            )
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


def live_sessions(engine: Engine, token_hashes: Collection[str], now: datetime) -> set[str]:
    """Those of `token_hashes` that still belong to an unexpired session of an enabled agent."""
    if not token_hashes:
        return set()
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(agent_sessions.c.token_hash)
            .join(agents, agent_sessions.c.agent_id == agents.c.id)
            .where(
                agent_sessions.c.token_hash.in_(list(token_hashes)),
                agent_sessions.c.expires_at > to_db(now),
                agents.c.disabled_at.is_(None),
            )
        )
        return set(rows.scalars())


def delete_session(engine: Engine, token_hash: str) -> None:
    with engine.begin() as connection:
        connection.execute(agent_sessions.delete().where(agent_sessions.c.token_hash == token_hash))


def online_agents(engine: Engine, now: datetime, seen_since: datetime) -> list[Agent]:
    """Enabled agents with an unexpired session that was seen at or after `seen_since`."""
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(agents)
            .where(
                agents.c.disabled_at.is_(None),
                sa.exists().where(
                    agent_sessions.c.agent_id == agents.c.id,
                    agent_sessions.c.expires_at > to_db(now),
                    agent_sessions.c.last_seen_at >= to_db(seen_since),
                )
            )
            .order_by(agents.c.id)
        )
        return [Agent.from_row(r) for r in rows]
