"""Whether the customer of a hand-over still has the chat page open. Sync functions `fn(engine, ...)`.

One row per hand-over whose customer ever connected (`livechat.presence`), with a `state`:

- ``present``: a chat page of the customer is connected;
- ``away``: none is, since `since`; not told to the desk yet (a reload or a short network loss
  comes back within the grace period);
- ``left``: away for longer than the grace period, and the desk was told (`left_at`, the moment
  the last page went away). A connection afterwards makes it ``present`` again with `back_at`.

A table of its own, added by `open_engine` like every table of the shared `metadata`; a hand-over
without a row (another channel, an older page) is never reported as left.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from livechat.storage.schema import from_db, handovers, iso, metadata, to_db

PRESENT, AWAY, LEFT = "present", "away", "left"

customer_presence = sa.Table(
    "customer_presence",
    metadata,
    sa.Column("handover_id", sa.Integer, sa.ForeignKey("handovers.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("state", sa.String(8), nullable=False, index=True),
    sa.Column("since", sa.DateTime, nullable=False),
    sa.Column("left_at", sa.DateTime, nullable=True),
    sa.Column("back_at", sa.DateTime, nullable=True),
    sa.CheckConstraint(f"state IN {(PRESENT, AWAY, LEFT)}", name="customer_presence_state"),
)

OPEN = handovers.c.status != "closed"


@dataclass(frozen=True)
class Presence:
    handover_id: int
    team: str
    state: str
    since: datetime
    left_at: datetime | None
    back_at: datetime | None

    @classmethod
    def from_row(cls, row: Any) -> Presence:
        return cls(
            row.handover_id, row.team, row.state, from_db(row.since),  # type: ignore[arg-type]
            from_db(row.left_at), from_db(row.back_at),
        )

    def to_json(self) -> dict[str, Any]:
        """For the desk: `left` (told, not back) or `present` (a short absence is not shown)."""
        return {
            "handover_id": self.handover_id,
            "state": LEFT if self.state == LEFT else PRESENT,
            "left_at": iso(self.left_at),
            "back_at": iso(self.back_at),
        }


def _row(connection: Connection, handover_id: int) -> Any:
    return connection.execute(
        sa.select(customer_presence).where(customer_presence.c.handover_id == handover_id)
    ).first()


def connected(engine: Engine, handover_id: int, now: datetime) -> bool:
    """A chat page of the customer connected; True when the desk had been told that they left
    (then they are back now, `back_at`)."""
    for _attempt in range(3):
        try:
            with engine.begin() as connection:
                row = _row(connection, handover_id)
                if row is None:
                    connection.execute(
                        customer_presence.insert().values(handover_id=handover_id, state=PRESENT, since=to_db(now))
                    )
                    return False
                back = row.state == LEFT
                values: dict[str, Any] = {"state": PRESENT, "since": to_db(now)}
                if back:
                    values["back_at"] = to_db(now)
                connection.execute(
                    customer_presence.update().where(customer_presence.c.handover_id == handover_id).values(**values)
                )
                return back
        except sa.exc.IntegrityError:
            continue  # another page of the same customer inserted the row first: update it
    raise RuntimeError(f"presence of hand-over {handover_id} could not be stored")


def disconnected(engine: Engine, handover_id: int, now: datetime) -> None:
    """The customer's last chat page went away: away from now (nothing changes when already away or left)."""
    with engine.begin() as connection:
        connection.execute(
            customer_presence.update()
            .where(customer_presence.c.handover_id == handover_id, customer_presence.c.state == PRESENT)
            .values(state=AWAY, since=to_db(now))
        )


def _with_team() -> sa.sql.Select:
    return sa.select(customer_presence, handovers.c.team).select_from(
        customer_presence.join(handovers, handovers.c.id == customer_presence.c.handover_id)
    )


def away_since_before(engine: Engine, moment: datetime) -> list[Presence]:
    """Open hand-overs whose customer has been away since `moment` or longer, not told yet."""
    with engine.connect() as connection:
        rows = connection.execute(
            _with_team()
            .where(customer_presence.c.state == AWAY, customer_presence.c.since <= to_db(moment), OPEN)
            .order_by(customer_presence.c.since)
        )
        return [Presence.from_row(row) for row in rows]


def mark_left(engine: Engine, handover_id: int, away_since: datetime) -> bool:
    """away -> left (left at `away_since`) in one conditional UPDATE: True for the one caller that
    did it, False when the customer came back meanwhile or someone else told the desk."""
    with engine.begin() as connection:
        result = connection.execute(
            customer_presence.update()
            .where(
                customer_presence.c.handover_id == handover_id,
                customer_presence.c.state == AWAY,
                customer_presence.c.since == to_db(away_since),
            )
            .values(state=LEFT, left_at=to_db(away_since))
        )
        return result.rowcount == 1


def restart_grace(engine: Engine, started_at: datetime) -> int:
    """At the start of the service no chat page was connected to it before `started_at`: every
    customer marked present or away before then counts as away from `started_at`, so they get the
    whole grace period to reconnect, however long the service was down. Pages that connected since
    are left alone. Returns how many rows changed."""
    with engine.begin() as connection:
        result = connection.execute(
            customer_presence.update()
            .where(
                customer_presence.c.state.in_([PRESENT, AWAY]),
                customer_presence.c.since < to_db(started_at),
            )
            .values(state=AWAY, since=to_db(started_at))
        )
        return int(result.rowcount)


def presence_of_teams(engine: Engine, teams: Sequence[str]) -> list[Presence]:
    """Presence in the open hand-overs of `teams`."""
    with engine.connect() as connection:
        rows = connection.execute(
            _with_team().where(OPEN, handovers.c.team.in_(list(teams))).order_by(customer_presence.c.handover_id)
        )
        return [Presence.from_row(row) for row in rows]
