"""SQLAlchemy Core descriptions of the `ai` tables the store reads and writes.

The schema itself is created by `db/migrations/030_sessions.sql`; these mirror it for queries.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    Table,
    Text,
)
from sqlalchemy.dialects.postgresql import JSONB

metadata = MetaData(schema="ai")

sessions = Table(
    "sessions",
    metadata,
    Column("id", Text, primary_key=True),
    Column("user_id", Text, nullable=False),
    Column("title", Text),
    Column("created_at", DateTime(timezone=True)),
    Column("updated_at", DateTime(timezone=True)),
    Column("metadata", JSONB),
)

runs = Table(
    "runs",
    metadata,
    Column("id", Text, primary_key=True),
    Column("session_id", Text, ForeignKey("ai.sessions.id"), nullable=False),
    Column("user_id", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("question", Text, nullable=False),
    Column("answer", Text),
    Column("error", Text),
    Column("usage", JSONB),
    Column("latency_ms", Integer),
    Column("last_seq", Integer),
    Column("cancel_requested", Boolean),
    Column("created_at", DateTime(timezone=True)),
    Column("started_at", DateTime(timezone=True)),
    Column("finished_at", DateTime(timezone=True)),
    Column("heartbeat_at", DateTime(timezone=True)),
    Column("owner_host", Text),
    Column("owner_pid", Integer),
    Column("owner_instance", Text),
)

messages = Table(
    "messages",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("session_id", Text, ForeignKey("ai.sessions.id"), nullable=False),
    Column("run_id", Text, ForeignKey("ai.runs.id")),
    Column("role", Text, nullable=False),
    Column("content", Text, nullable=False),
    Column("created_at", DateTime(timezone=True)),
)

run_events = Table(
    "run_events",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("run_id", Text, ForeignKey("ai.runs.id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("type", Text, nullable=False),
    Column("payload", JSONB),
    Column("created_at", DateTime(timezone=True)),
)
