"""The `run_sql` tool: an agent's statement goes through the guarded, audited path of its role.

Every statement is recorded in the run's `SqlLedger`, which feeds `RunCompleted.sql` and is the
only evidence `save_validated_query` accepts that a query really ran in this run.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlglot import exp

from agents.charts import KINDS, ChartKind, choose_chart
from db.engines import Engines
from db.sql_exec import SqlContext, SqlLimits, SqlResult, run_sql_async
from db.sql_guard import Decision

# Called after a statement succeeded: (the guard's decision, sql, purpose). The engineer records
# what it built from the decision's targets, without parsing the SQL again.
AfterSuccess = Callable[[Decision, str, str], None]
SQL_TOOL = "run_sql"


def normalise_sql(sql: str) -> str:
    """Whitespace, case and a trailing semicolon do not make a different query."""
    return " ".join(sql.strip().rstrip(";").split()).lower()


@dataclass(frozen=True)
class SqlEntry:
    agent: str
    sql: str
    ok: bool
    table: ResultTable | None = None
    statement: exp.Expr | None = field(default=None, compare=False, repr=False)  # the guard's parse


@dataclass(frozen=True)
class ResultTable:
    """What a successful statement returned, and the chart chosen for it (None: not chartable)."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    truncated: bool = False
    chart: dict[str, Any] | None = None
    chart_kind: str = "none"

    def as_dict(self) -> dict[str, Any]:
        """The run's `result`: columns, rows and whether rows were cut at the row cap."""
        return {
            "columns": list(self.columns),
            "rows": [list(r) for r in self.rows],
            "truncated": self.truncated,
        }


@dataclass
class SqlLedger:
    """The statements of one run, in order. Tools may run in worker threads, hence the lock."""

    entries: list[SqlEntry] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(
        self,
        agent: str,
        sql: str,
        ok: bool,
        table: ResultTable | None = None,
        statement: exp.Expr | None = None,
    ) -> None:
        with self._lock:
            self.entries.append(SqlEntry(agent, sql, ok, table, statement))

    def succeeded(self, sql: str) -> bool:
        return self.success(sql) is not None

    def success(self, sql: str) -> SqlEntry | None:
        """The latest successful run of `sql` in this run (same query up to whitespace and case)."""
        wanted = normalise_sql(sql)
        with self._lock:
            return next((e for e in reversed(self.entries) if e.ok and normalise_sql(e.sql) == wanted), None)

    def statements(self) -> tuple[str, ...]:
        """The SQL that ran successfully, for the run's final event."""
        with self._lock:
            return tuple(e.sql for e in self.entries if e.ok)

    def last_table(self) -> ResultTable | None:
        """The latest result with columns: the one the answer most likely talks about."""
        with self._lock:
            return next((e.table for e in reversed(self.entries) if e.table and e.table.columns), None)


def result_table(result: SqlResult, chart: str) -> ResultTable | None:
    """The result with its chart (kind `chart`, or the automatic one); None for a failed statement."""
    if not result.ok or result.error is not None:
        return None
    choice = choose_chart(result.columns, result.rows, chart)
    return ResultTable(result.columns, result.rows, result.truncated, choice.spec, choice.kind)


def result_for_model(result: SqlResult) -> dict[str, Any]:
    """Only what helps the model: rows or the refusal/error, and whether rows were cut."""
    if result.decision == "refused":
        return {"ok": False, "refused": result.reason}
    if result.error:
        return {"ok": False, "error": result.error}
    # Counts before rows: when a long result is cut at the end, the model still reads them.
    return {
        "ok": True,
        "row_count": result.row_count,
        "truncated": result.truncated,
        "columns": list(result.columns),
        "rows": [list(r) for r in result.rows],
    }


def sql_tool(
    engines: Engines,
    role: str,
    context: SqlContext,
    ledger: SqlLedger,
    limits: SqlLimits,
    after_success: AfterSuccess | None = None,
) -> Callable[..., Awaitable[dict[str, Any]]]:
    """`run_sql(sql, purpose)` bound to one role, caller and run (on the event loop: the
    analyst's statement needs no worker thread)."""

    async def run_sql_tool(sql: str, purpose: str = "", chart: ChartKind = "auto") -> dict[str, Any]:
        """Run one SQL statement and return its rows (or why it was refused or failed).

        Args:
            sql: Exactly one PostgreSQL statement.
            purpose: What the statement is for, in one sentence (recorded with objects you build).
            chart: The chart shown with the answer: auto (chosen from the result's shape), line, bar, scatter or none.
        """
        result = await run_sql_async(engines, role, sql, context=context, limits=limits)
        table = result_table(result, chart if chart in KINDS else "auto")
        if result.decision == "allowed":
            statement = result.guard.statement if result.guard is not None else None
            ledger.record(role, sql, table is not None, table, statement)
        if table is not None and after_success is not None and result.guard is not None:
            await asyncio.to_thread(after_success, result.guard, sql, purpose)
        # The model learns whether a chart is shown, so its answer need not list every number.
        return {**({"chart": table.chart_kind} if table else {}), **result_for_model(result)}

    run_sql_tool.__name__ = SQL_TOOL
    return run_sql_tool


def statement_summary(value: Any) -> dict[str, Any] | None:
    """What the trace shows of one run_sql call, from the value the tool returned (None: the call
    itself failed, e.g. bad arguments)."""
    if not isinstance(value, dict):
        return None
    decision = "refused" if "refused" in value else "allowed"
    error = value.get("refused") or value.get("error")
    return {"decision": decision, "rows": value.get("row_count"), "error": error, "chart": value.get("chart")}
