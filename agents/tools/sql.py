"""The `run_sql` tool: an agent's statement goes through the guarded, audited path of its role.

Every statement is recorded in the run's `SqlLedger`, which feeds `RunCompleted.sql` and is the
only evidence `save_validated_query` accepts that a query really ran in this run.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from db.engines import Engines
from db.sql_exec import SqlContext, SqlLimits, SqlResult, run_sql

# Called after a statement succeeded: (sql, purpose). The engineer records what it built.
AfterSuccess = Callable[[str, str], None]


def normalise_sql(sql: str) -> str:
    """Whitespace, case and a trailing semicolon do not make a different query."""
    return " ".join(sql.strip().rstrip(";").split()).lower()


@dataclass(frozen=True)
class SqlEntry:
    agent: str
    sql: str
    ok: bool


@dataclass
class SqlLedger:
    """The statements of one run, in order. Tools may run in worker threads, hence the lock."""

    entries: list[SqlEntry] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, agent: str, sql: str, ok: bool) -> None:
        with self._lock:
            self.entries.append(SqlEntry(agent, sql, ok))

    def succeeded(self, sql: str) -> bool:
        wanted = normalise_sql(sql)
        with self._lock:
            return any(e.ok and normalise_sql(e.sql) == wanted for e in self.entries)

    def statements(self) -> tuple[str, ...]:
        """The SQL that ran successfully, for the run's final event."""
        with self._lock:
            return tuple(e.sql for e in self.entries if e.ok)


def result_for_model(result: SqlResult) -> dict[str, Any]:
    """Only what helps the model: rows or the refusal/error, and whether rows were cut."""
    if result.decision == "refused":
        return {"ok": False, "refused": result.reason}
    if result.error:
        return {"ok": False, "error": result.error}
    return {
        "ok": True,
        "columns": list(result.columns),
        "rows": [list(r) for r in result.rows],
        "row_count": result.row_count,
        "truncated": result.truncated,
    }


def sql_tool(
    engines: Engines,
    role: str,
    context: SqlContext,
    ledger: SqlLedger,
    limits: SqlLimits,
    after_success: AfterSuccess | None = None,
) -> Callable[..., dict[str, Any]]:
    """`run_sql(sql, purpose)` bound to one role, caller and run."""

    def run_sql_tool(sql: str, purpose: str = "") -> dict[str, Any]:
        """Run one SQL statement and return its rows (or why it was refused or failed).

        Args:
            sql: Exactly one PostgreSQL statement.
            purpose: What the statement is for, in one sentence (recorded with objects you build).
        """
        result = run_sql(engines, role, sql, context=context, limits=limits)
        ok = result.ok and result.error is None
        if result.decision == "allowed":
            ledger.record(role, sql, ok)
        if ok and after_success is not None:
            after_success(sql, purpose)
        return result_for_model(result)

    run_sql_tool.__name__ = "run_sql"
    return run_sql_tool
