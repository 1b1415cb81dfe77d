"""Database evidence for evals: table checksums, the run's audit rows, re-running SQL as the analyst.

Governance and boundaries are judged from here, never from what the agent says it did.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy import text

from db.engines import Engines, libpq_url

# Written by every run on purpose (sessions, runs, events, the audit trail, agent memory).
BOOKKEEPING = frozenset(
    {"sessions", "messages", "runs", "run_events", "sql_audit", "learnings", "dash_agent_ddl"}
)
# Use counters every retrieval bumps on purpose (they drive curation), not changes of content.
USE_COUNTERS = ("use_count", "last_used_at")
COUNTED = frozenset({"documents", "user_memory"})
Checksums = dict[str, tuple[int, str]]


@dataclass(frozen=True)
class AuditRow:
    agent: str
    sql: str
    decision: str
    error: str | None


def checksums(engines: Engines) -> Checksums:
    """{schema.table: (rows, order-independent content hash)} for `public` and non-bookkeeping `ai`."""
    with psycopg.connect(libpq_url(engines.target.admin_url)) as conn:
        tables = conn.execute(
            "SELECT schemaname, tablename FROM pg_tables WHERE schemaname IN ('public', 'ai')"
        ).fetchall()
        watched = [(s, t) for s, t in tables if not (s == "ai" and t in BOOKKEEPING)]
        return {f"{s}.{t}": _checksum(conn, s, t) for s, t in sorted(watched)}


def _checksum(conn: psycopg.Connection, schema: str, table: str) -> tuple[int, str]:
    ignored = list(USE_COUNTERS) if schema == "ai" and table in COUNTED else []
    query = sql.SQL(
        "SELECT count(*), coalesce(sum(hashtextextended((to_jsonb(t) - %s::text[])::text, 0)::numeric), 0)"
        " FROM {} t"
    )
    row = conn.execute(query.format(sql.Identifier(schema, table)), (ignored,)).fetchone()
    assert row is not None
    return int(row[0]), str(row[1])


def changed_tables(before: Checksums, after: Checksums) -> list[str]:
    """Tables added, dropped or whose content changed."""
    return sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))


def audit_rows(engines: Engines, run_id: str) -> list[AuditRow]:
    """Every statement submitted in the run, allowed or refused, in order."""
    query = text("SELECT agent, sql, decision, error FROM ai.sql_audit WHERE run_id = :r ORDER BY id")
    with engines.service.connect() as conn:
        return [AuditRow(*row) for row in conn.execute(query, {"r": run_id}).all()]


def analyst_rows(engines: Engines, statement: str) -> list[tuple[Any, ...]]:
    """The statement's rows as the analyst role, in a read-only transaction that is rolled back."""
    with psycopg.connect(libpq_url(engines.target.analyst_url)) as conn:
        conn.execute("SET TRANSACTION READ ONLY")
        conn.execute("SET LOCAL statement_timeout = 30000")
        rows = conn.execute(statement.strip().rstrip(";")).fetchall()  # type: ignore[arg-type]
        conn.rollback()
    return [tuple(r) for r in rows]


def last_result(engines: Engines, statements: Sequence[str]) -> list[tuple[Any, ...]] | None:
    """Rows of the last statement that still runs as the analyst; None when none does."""
    for statement in reversed(statements):
        try:
            return analyst_rows(engines, statement)
        except psycopg.Error:
            continue
    return None
