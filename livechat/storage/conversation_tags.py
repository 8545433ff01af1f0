"""Review tags on the assistant's conversations (the insight page's review). Sync functions
`fn(engine, ...)`; see `livechat.storage.db`. A conversation is named by its sender_id in Rasa's
conversation store; each tag is on a conversation at most once."""
from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from livechat.storage.schema import conversation_tags, to_db


def set_tag(engine: Engine, conversation_id: str, tag: str, on: bool, agent_id: int, now: datetime) -> None:
    """Puts `tag` on the conversation (`on`) or takes it off; doing it twice changes nothing."""
    with engine.begin() as connection:
        where = (conversation_tags.c.conversation_id == conversation_id, conversation_tags.c.tag == tag)
        present = connection.execute(sa.select(conversation_tags.c.id).where(*where)).first()
        if on and present is None:
            try:
                with connection.begin_nested():
                    connection.execute(conversation_tags.insert().values(
                        conversation_id=conversation_id, tag=tag, agent_id=agent_id, created_at=to_db(now)))
            except sa.exc.IntegrityError:  # tagged at the same moment by someone else
                pass
        elif not on and present is not None:
            connection.execute(conversation_tags.delete().where(*where))


def tags_of(engine: Engine, conversation_ids: Collection[str]) -> dict[str, list[str]]:
    """conversation_id -> its tags (sorted); conversations without tags are left out."""
    found: dict[str, list[str]] = {}
    if not conversation_ids:
        return found
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(conversation_tags.c.conversation_id, conversation_tags.c.tag)
            .where(conversation_tags.c.conversation_id.in_(list(conversation_ids)))
            .order_by(conversation_tags.c.conversation_id, conversation_tags.c.tag)
        )
        for row in rows:
            found.setdefault(row.conversation_id, []).append(row.tag)
    return found
