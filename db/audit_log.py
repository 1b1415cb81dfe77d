"""Reading the SQL audit trail (`ai.sql_audit`): newest first, filtered, paged by id."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, text

COLUMNS = (
    "id, created_at, finished_at, user_id, acting_user, agent, session_id, run_id, sql, decision,"
    " reason, row_count, duration_ms, error"
)


@dataclass(frozen=True)
class AuditFilter:
    user_id: str | None = None
    agent: str | None = None
    decision: str | None = None
    since: datetime | None = None
    before_id: int | None = None  # the cursor: only rows older than this one
    acting_user: str | None = None


@dataclass(frozen=True)
class AuditRow:
    id: int
    created_at: datetime
    finished_at: datetime | None
    user_id: str | None
    acting_user: str | None
    agent: str
    session_id: str | None
    run_id: str | None
    sql: str
    decision: str
    reason: str | None
    row_count: int | None
    duration_ms: float | None
    error: str | None


def list_audit(engine: Engine, where: AuditFilter, limit: int = 50) -> list[AuditRow]:
    """Up to `limit` rows matching every filter that is set, newest first."""
    query = text(
        f"SELECT {COLUMNS} FROM ai.sql_audit WHERE (CAST(:user_id AS text) IS NULL OR user_id = :user_id)"
        " AND (CAST(:acting_user AS text) IS NULL OR acting_user = :acting_user)"
        " AND (CAST(:agent AS text) IS NULL OR agent = :agent)"
        " AND (CAST(:decision AS text) IS NULL OR decision = :decision)"
        " AND (CAST(:since AS timestamptz) IS NULL OR created_at >= :since)"
        " AND (CAST(:before_id AS bigint) IS NULL OR id < :before_id)"
        " ORDER BY id DESC LIMIT :limit"
    )
    with engine.connect() as conn:
        rows = conn.execute(query, {**where.__dict__, "limit": limit})
        return [AuditRow(**row._mapping) for row in rows]
