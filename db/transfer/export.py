"""Read what lives only in `ai` into a `Bundle`, in a stable order (exports diff cleanly)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, text

from db.transfer.bundle import ApiKeyItem, Bundle, DocumentItem, LearningItem, ScheduleItem

DOCUMENTS = (
    "SELECT kind, name, namespace, title, summary, content, metadata, created_by, created_at, status"
    " FROM ai.documents WHERE origin = 'agent' ORDER BY kind, namespace, name"
)
LEARNINGS = (
    "SELECT title, learning, context, tags, namespace, created_by_agent, created_by_user, created_by_run,"
    " created_at, use_count, last_used_at, status FROM ai.learnings ORDER BY namespace, lower(title), id"
)
SCHEDULES = "SELECT name, cron, timezone, task, payload, enabled, description, created_by FROM ai.schedules ORDER BY name"
API_KEYS = "SELECT id, user_id, role, created_at, revoked_at, last_used_at FROM ai.api_keys ORDER BY id"


def export_bundle(engine: Engine) -> Bundle:
    """Everything in one snapshot (one repeatable-read transaction)."""
    with engine.connect() as conn:
        conn.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"))
        return Bundle(
            exported_at=datetime.now(UTC),
            documents=[DocumentItem(**row) for row in _rows(conn, DOCUMENTS)],
            learnings=[LearningItem(**row) for row in _rows(conn, LEARNINGS)],
            schedules=[ScheduleItem(**row) for row in _rows(conn, SCHEDULES)],
            api_keys=[ApiKeyItem(**row) for row in _rows(conn, API_KEYS)],
        )


def _rows(conn: Connection, sql: str) -> list[dict[str, Any]]:
    return [dict(row._mapping) for row in conn.execute(text(sql))]
