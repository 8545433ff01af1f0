"""Tables of the live-chat service (SQLAlchemy Core), the same for SQLite and PostgreSQL.

Times are stored as naive UTC datetimes (`to_db` / `from_db` convert at the edges).
"""
from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa

from naadloos.handover_contract.schema import PRIORITIES  # queue order, most urgent first

metadata = sa.MetaData()

# How an agent closed a hand-over (the wrap-up); the desk's Dutch words: `livechat.desk_labels`.
# Only `resolved` asks the customer how satisfied they are (`naadloos.handover_contract.satisfaction`);
# `back_to_bot` gives the conversation back to the assistant, the others close it.
OUTCOMES = ("resolved", "backoffice", "callback_needed", "not_resolved", "back_to_bot")
# The desk's inbox of tickets and callbacks (`livechat.storage.inbox`): open -> claimed -> done.
INBOX_STATES = ("open", "claimed", "done")
# What an agent did with a ticket or callback; `no_answer` leaves it with its owner for another try.
INBOX_OUTCOMES = ("called_back", "mailed", "no_answer", "resolved")
# What an agent may see besides the desk: team leads and conversation designers also see the
# insight page (`livechat.insight`) with its transcripts; agents do not. The first is the default.
ROLES = ("agent", "teamleider", "ontwerper")
INSIGHT_ROLES = ("teamleider", "ontwerper")



def _inbox_columns(prefix: str) -> list[sa.Column]:
    """The inbox's work on a ticket or callback (added after the first release: `open_engine`
    adds them to an existing table; older rows are open and unclaimed)."""
    return [
        sa.Column("status", sa.String(16), nullable=False, server_default="open", index=True),
        sa.Column("claimed_by", sa.Integer, sa.ForeignKey("agents.id"), nullable=True),
        sa.Column("claimed_at", sa.DateTime, nullable=True),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("outcome_note", sa.Text, nullable=True),
        sa.Column("outcome_at", sa.DateTime, nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("done_at", sa.DateTime, nullable=True),
        sa.CheckConstraint(f"status IN {INBOX_STATES}", name=f"{prefix}_inbox_status"),
    ]


def _request_columns(*extra: str) -> list[sa.Column]:
    """Columns every request from the bot has: id, conversation, idempotency key (unique, so a
    retried call finds the stored row), the fingerprint of the request (see
    `livechat.storage.idempotency`; NULL in rows from before it existed), and `extra` of
    channel / reason / summary / customer."""
    optional = {
        "channel": lambda: sa.Column("channel", sa.String(64), nullable=False),
        "reason": lambda: sa.Column("reason", sa.String(64), nullable=False),
        "summary": lambda: sa.Column("summary", sa.Text, nullable=False),
        "customer": lambda: sa.Column("customer", sa.JSON, nullable=False),
    }
    return [
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("conversation_id", sa.String(255), nullable=False, index=True),
        sa.Column("idempotency_key", sa.String(128), nullable=False, unique=True),
        sa.Column("request_hash", sa.String(64), nullable=True),
        *(optional[name]() for name in extra),
    ]


agents = sa.Table(
    "agents",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("username", sa.String(64), nullable=False, unique=True),
    sa.Column("display_name", sa.String(120), nullable=False),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("teams", sa.JSON, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    # Set by `python -m livechat.agents disable`: no login, no sessions (added later; NULL = active).
    sa.Column("disabled_at", sa.DateTime, nullable=True),
    # Added later (`open_engine` adds it; older rows become "agent"): one of ROLES.
    sa.Column("role", sa.String(16), nullable=False, server_default=ROLES[0]),
)

agent_sessions = sa.Table(
    "agent_sessions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("agent_id", sa.Integer, sa.ForeignKey("agents.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("expires_at", sa.DateTime, nullable=False),
    sa.Column("last_seen_at", sa.DateTime, nullable=False),
)

# Failed logins per username and per client address, for the backoff (`livechat.login_throttle`).
login_attempts = sa.Table(
    "login_attempts",
    metadata,
    sa.Column("key", sa.String(128), primary_key=True),  # "user:<username>" or "ip:<address>"
    sa.Column("failures", sa.Integer, nullable=False),
    sa.Column("last_failure_at", sa.DateTime, nullable=False),
    sa.Column("locked_until", sa.DateTime, nullable=True),
)

handovers = sa.Table(
    "handovers",
    metadata,
    *_request_columns("channel", "reason", "summary", "customer"),
    sa.Column("priority", sa.String(16), nullable=False),
    sa.Column("team", sa.String(64), nullable=False),
    sa.Column("slots", sa.JSON, nullable=False),
    sa.Column("transcript", sa.JSON, nullable=False),
    sa.Column("raw_events", sa.JSON, nullable=False),
    sa.Column("status", sa.String(16), nullable=False, index=True),
    sa.Column("assigned_agent_id", sa.Integer, sa.ForeignKey("agents.id"), nullable=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("accepted_at", sa.DateTime, nullable=True),
    sa.Column("closed_at", sa.DateTime, nullable=True),
    sa.Column("outcome", sa.String(16), nullable=True),
    # When the customer was offered the alternatives after waiting too long (place kept).
    sa.Column("alternatives_offered_at", sa.DateTime, nullable=True),
    # Whether the bot was told to resume after closing (retried when delivery failed).
    sa.Column("resume_delivered", sa.Boolean, nullable=True),
    # Added later (`open_engine` adds them; NULL in older rows): the agent's short wrap-up note at
    # closing, and when the conversation entered its current queue (a transfer starts a new wait;
    # NULL: at `created_at`).
    sa.Column("wrap_up_note", sa.Text, nullable=True),
    sa.Column("queued_at", sa.DateTime, nullable=True),
    # Added later (NULL in older rows: not asked): whether the bot's request asked for the
    # satisfaction question after `resolved` (`naadloos.handover_contract.satisfaction`).
    sa.Column("ask_satisfaction", sa.Boolean, nullable=True),
    sa.CheckConstraint("status IN ('queued', 'assigned', 'closed')", name="handover_status"),
    sa.CheckConstraint(f"priority IN {PRIORITIES}", name="handover_priority"),
)

# The history of closed conversations, newest first (`livechat.storage.history`).
sa.Index("handover_history_order", handovers.c.closed_at, handovers.c.id)

# The words of each closed conversation (its transcript, messages, customer details, reason and
# agents), lowercased and without accents: searching closed conversations looks words up by their
# beginning in this index instead of reading every transcript (`livechat.storage.history`). Binary
# order ("C" on PostgreSQL), so a range `term >= 'jan' AND term < 'jao'` finds every word that
# starts with "jan" through the primary key on both databases.
_TERM = sa.String(64).with_variant(sa.String(64, collation="C"), "postgresql")
handover_search_terms = sa.Table(
    "handover_search_terms",
    metadata,
    sa.Column("term", _TERM, primary_key=True),
    sa.Column(
        "handover_id", sa.Integer, sa.ForeignKey("handovers.id", ondelete="CASCADE"), primary_key=True, index=True
    ),
)

messages = sa.Table(
    "messages",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("handover_id", sa.Integer, sa.ForeignKey("handovers.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("sender", sa.String(16), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("agent_id", sa.Integer, sa.ForeignKey("agents.id"), nullable=True),
    # The bot's id of a customer message: a retried forward is stored once.
    sa.Column("external_id", sa.String(128), nullable=True),
    # Agent/system messages: pending -> delivered | failed (customer messages: NULL).
    sa.Column("delivery_status", sa.String(16), nullable=True),
    sa.Column("delivery_error", sa.String(255), nullable=True),
    sa.UniqueConstraint("handover_id", "external_id", name="message_external_id"),
)

tickets = sa.Table(
    "tickets",
    metadata,
    *_request_columns("channel", "reason", "summary", "customer"),
    sa.Column("transcript", sa.JSON, nullable=False),
    sa.Column("contact_preference", sa.String(255), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    # Added after the first release: `open_engine` adds them to an existing table.
    sa.Column("priority", sa.String(16), nullable=False, server_default="normal"),
    sa.Column("team", sa.String(64), nullable=True),
    sa.CheckConstraint(f"priority IN {PRIORITIES}", name="ticket_priority"),
    *_inbox_columns("ticket"),
)

callback_requests = sa.Table(
    "callback_requests",
    metadata,
    *_request_columns(),
    sa.Column("name", sa.String(120), nullable=False),
    sa.Column("phone", sa.String(20), nullable=False),
    sa.Column("preferred_moment", sa.String(255), nullable=False),
    sa.Column("preferred_at", sa.DateTime, nullable=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    # Added later (`open_engine` adds it); NULL in older rows, which belong to the default team.
    sa.Column("team", sa.String(64), nullable=True),
    *_inbox_columns("callback"),
)


# Signatures of bot requests already accepted, kept until their timestamp leaves the window, so a
# captured request cannot be sent again (`livechat.storage.seen_signatures`).
seen_signatures = sa.Table(
    "seen_signatures",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("signature", sa.String(64), nullable=False, unique=True),
    sa.Column("expires_at", sa.DateTime, nullable=False, index=True),
)

# Review tags on the assistant's conversations (`livechat.storage.conversation_tags`): a team lead
# or designer marks a conversation of Rasa's store (its sender_id) as e.g. "fout antwoord".
conversation_tags = sa.Table(
    "conversation_tags",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("conversation_id", sa.String(255), nullable=False, index=True),
    sa.Column("tag", sa.String(64), nullable=False, index=True),
    sa.Column("agent_id", sa.Integer, sa.ForeignKey("agents.id"), nullable=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.UniqueConstraint("conversation_id", "tag", name="conversation_tag_once"),
)


def to_db(moment: datetime) -> datetime:
    """Aware datetime -> naive UTC for storage."""
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def from_db(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=timezone.utc) if moment is not None else None


def iso(moment: datetime | None) -> str | None:
    """'2026-04-27T10:00:00Z' (UTC), None stays None."""
    if moment is None:
        return None
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
