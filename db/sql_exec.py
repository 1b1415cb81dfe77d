"""Run one agent SQL statement: guard, role, transaction, limits, JSON-safe rows, audit.

`run_sql()` is the only way agents and `dash sql` execute SQL (`run_sql_async()` is the same path
on the event loop: the analyst's statement over an asyncio connection, no worker thread). Layers,
each able to stop an attack alone (DESIGN.md section 3):

1. the guard (`db.sql_guard`) decides; refusals are audited and never reach the database;
2. `run_statement()` runs the statement as the agent's own role: the analyst inside a
   `READ ONLY` transaction that is always rolled back, the engineer in a normal one; both with
   `SET LOCAL` statement and lock timeouts, over the extended protocol (one statement only), and
   fetching at most `max_rows + 1` rows;
3. grants (`db.bootstrap`), and a `DISCARD ALL` before any connection goes back to the pool (a
   connection that cannot be reset is closed instead).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from dataclasses import dataclass, field, fields
from typing import Any

import psycopg
import psycopg.sql
from sqlalchemy import Engine, event

from core.settings import Settings
from db import audit
from db.aio import AsyncConnection, AsyncPool, async_pool
from db.engines import Engines, engineer_owner
from db.sql_guard import Catalog, Decision, check
from db.sql_values import cap_rows, json_safe

ROLES = ("analyst", "engineer")
SEARCH_PATHS = {"analyst": "public, dash", "engineer": "dash, public"}


@dataclass(frozen=True)
class SqlLimits:
    """What one statement may cost. `max_result_chars` bounds what is handed to a model."""

    max_rows: int = 500
    statement_timeout_ms: int = 15_000
    lock_timeout_ms: int = 2_000
    max_result_chars: int = 50_000

    @classmethod
    def from_settings(cls, settings: Settings, role: str) -> SqlLimits:
        timeout = settings.analyst_statement_timeout_ms
        if role == "engineer":
            timeout = settings.engineer_statement_timeout_ms
        return cls(settings.max_rows, timeout, settings.lock_timeout_ms)


@dataclass(frozen=True)
class SqlContext:
    """Who asked: recorded in the audit trail with every statement.

    `acting_user` is the person behind a statement run as `user_id` on their behalf (an admin's
    schedule); None when the user asked themselves.
    """

    user_id: str | None = None
    session_id: str | None = None
    run_id: str | None = None
    acting_user: str | None = None


@dataclass(frozen=True)
class Outcome:
    """What the database did with a statement (no guard involved)."""

    columns: tuple[str, ...] = ()
    rows: tuple[tuple[Any, ...], ...] = ()
    row_count: int | None = None
    truncated: bool = False
    duration_ms: float = 0.0
    error: str | None = None

    def completion(self) -> audit.Completion:
        return audit.Completion(self.row_count, self.duration_ms, self.error)


@dataclass(frozen=True)
class SqlResult:
    """The answer to one submitted statement; `as_dict()` is the `dash sql --json` shape."""

    ok: bool
    decision: str
    reason: str = ""
    columns: tuple[str, ...] = ()
    rows: tuple[tuple[Any, ...], ...] = field(default=())
    row_count: int = 0
    truncated: bool = False
    duration_ms: float = 0.0
    error: str | None = None
    # The guard's decision with its parsed statement and targets (not part of the JSON shape).
    guard: Decision | None = field(default=None, compare=False, repr=False)

    def as_dict(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "guard"}
        data["columns"], data["rows"] = list(self.columns), [list(r) for r in self.rows]
        return data


def run_sql(
    engines: Engines,
    role: str,
    sql: str,
    *,
    context: SqlContext | None = None,
    limits: SqlLimits | None = None,
) -> SqlResult:
    """Guard, run and audit one statement as `role` ("analyst" or "engineer").

    Raises `audit.AuditError` when the audit trail cannot be written (the statement then does
    not run, or, if it already ran, its result is withheld).
    """
    context, limits = context or SqlContext(), limits or SqlLimits()
    decision = decide(engines, role, sql)
    sub = _submission(role, sql, decision, context)
    if not decision.allowed:
        audit.begin(engines.service, sub, finished=True)
        return _refused(decision)
    audit_id = audit.begin(engines.service, sub)
    outcome = run_statement(_engine(engines, role), role, sql, limits)
    audit.finish(engines.service, audit_id, sub, outcome.completion())
    return _result(outcome, decision)


async def run_sql_async(
    engines: Engines,
    role: str,
    sql: str,
    *,
    context: SqlContext | None = None,
    limits: SqlLimits | None = None,
) -> SqlResult:
    """`run_sql` for code on the event loop. The analyst's statement and its audit rows go over
    asyncio connections (`db.aio`); the engineer's (a catalog read first, then mostly DDL) run
    as `run_sql` in a worker thread. Same guard, audit, role, transaction, limits and reset."""
    if role != "analyst":
        return await asyncio.to_thread(run_sql, engines, role, sql, context=context, limits=limits)
    context, limits = context or SqlContext(), limits or SqlLimits()
    decision = check(role, sql, None)
    sub = _submission(role, sql, decision, context)
    service = async_pool(engines.service)
    if not decision.allowed:
        await audit.begin_async(service, sub, finished=True)
        return _refused(decision)
    audit_id = await audit.begin_async(service, sub)
    outcome = await run_analyst_statement(async_pool(engines.analyst), sql, limits)
    await audit.finish_async(service, audit_id, sub, outcome.completion())
    return _result(outcome, decision)


def _submission(role: str, sql: str, decision: Decision, context: SqlContext) -> audit.Submission:
    return audit.Submission(
        role if role in ROLES else "analyst",
        sql,
        decision.label,
        decision.reason,
        context.user_id,
        context.session_id,
        context.run_id,
        context.acting_user,
    )


def decide(engines: Engines, role: str, sql: str) -> Decision:
    """The guard's decision; the engineer's needs a fresh catalog to resolve unqualified names."""
    catalog = load_catalog(engines.engineer) if role == "engineer" else None
    return check(role, sql, catalog)


def _engine(engines: Engines, role: str) -> Engine:
    return engines.analyst if role == "analyst" else engines.engineer


def _refused(decision: Decision) -> SqlResult:
    return SqlResult(ok=False, decision="refused", reason=decision.reason, guard=decision)


def _result(outcome: Outcome, decision: Decision) -> SqlResult:
    return SqlResult(
        ok=outcome.error is None,
        decision="allowed",
        columns=outcome.columns,
        rows=outcome.rows,
        row_count=outcome.row_count or 0,
        truncated=outcome.truncated,
        duration_ms=round(outcome.duration_ms, 3),
        error=outcome.error,
        guard=decision,
    )


def load_catalog(engine: Engine, search_path: tuple[str, ...] = ("dash", "public")) -> Catalog:
    """Which relations exist in pg_catalog and the search path right now, by schema."""
    schemas = ["pg_catalog", *search_path]
    relations: dict[str, set[str]] = {s: set() for s in schemas if s != "pg_catalog"}
    with _connection(engine) as pooled:
        rows = pooled.conn.execute(
            "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = ANY(%s)",
            (schemas,),
        ).fetchall()
        pooled.conn.rollback()
    for schema, name in rows:
        relations.setdefault(schema, set()).add(name)
    return Catalog({s: frozenset(names) for s, names in relations.items()}, search_path)


# ---- the database layer -----------------------------------------------------------------------


def run_statement(engine: Engine, role: str, sql: str, limits: SqlLimits) -> Outcome:
    """Run `sql` as the engine's role with the transaction mode and limits of `role`. No guard."""
    started = time.perf_counter()
    with _connection(engine) as pooled:
        conn = pooled.conn
        try:
            _open_transaction(conn, role, limits)
            outcome = _fetch(conn, role, sql, limits)
            conn.commit() if role == "engineer" else conn.rollback()
        except psycopg.Error as exc:
            pooled.abandon_transaction()
            return Outcome(duration_ms=(time.perf_counter() - started) * 1000, error=_describe(exc))
    return outcome


async def run_analyst_statement(pool: AsyncPool, sql: str, limits: SqlLimits) -> Outcome:
    """`run_statement` for the analyst on an asyncio connection of the analyst role's pool. No guard.

    The connection is in autocommit mode, so the read-only transaction is opened explicitly, in
    the same round trip as its limits; after the statement it is rolled back and the session
    discarded before the pool may hand the connection out again. One that cannot be reset
    (left mid-protocol, cancelled, broken) is closed.
    """
    started = time.perf_counter()
    async with pool.connection() as conn:
        reset = False
        try:
            conn.prepare_threshold = None  # DISCARD ALL drops prepared statements behind psycopg's back
            try:
                await conn.execute(f"BEGIN READ ONLY; {_limits_sql('analyst', limits)}")  # type: ignore[arg-type]
                outcome = await _fetch_async(conn, sql, limits)
            except psycopg.Error as exc:
                outcome = Outcome(duration_ms=(time.perf_counter() - started) * 1000, error=_describe(exc))
            with contextlib.suppress(psycopg.Error):
                await conn.execute("ROLLBACK")
                await conn.execute("DISCARD ALL")
                reset = True
        finally:
            if not reset:
                conn.pgconn.finish()  # closed: the pool does not take it back
    return outcome


async def _fetch_async(conn: AsyncConnection, sql: str, limits: SqlLimits) -> Outcome:
    """The analyst's `_fetch`: at most max_rows + 1 rows, streamed, over the extended protocol."""
    started = time.perf_counter()
    raw: list[tuple[Any, ...]] = []
    columns: tuple[str, ...] = ()
    async with conn.cursor() as cur:
        # Closing the stream early cancels the rest of the result (psycopg), before anything else
        # is sent on this connection.
        async with contextlib.aclosing(cur.stream(sql)) as rows:  # type: ignore[arg-type,type-var]
            async for row in rows:
                if not raw:
                    columns = tuple(d.name for d in cur.description or ())
                raw.append(row)
                if len(raw) > limits.max_rows:
                    break
        if not raw:
            columns = tuple(d.name for d in cur.description or ())
        affected = cur.rowcount if not columns else None
    return _outcome(raw, columns, affected, started, limits)


def _limits_sql(role: str, limits: SqlLimits) -> str:
    """search_path pinned to what the guard resolved names with; the role's timeouts."""
    path = SEARCH_PATHS.get(role, SEARCH_PATHS["analyst"])
    return (
        f"SET LOCAL search_path = {path}; "
        f"SET LOCAL statement_timeout = {int(limits.statement_timeout_ms)}; "
        f"SET LOCAL lock_timeout = {int(limits.lock_timeout_ms)}"
    )


def _open_transaction(conn: psycopg.Connection, role: str, limits: SqlLimits) -> None:
    """One round trip of our own fixed SQL (the simple protocol takes several statements)."""
    # psycopg opens the transaction here, so READ ONLY comes before any query. search_path is
    # pinned to what the guard resolved names with, whatever the role's default says by now.
    # The engineer acts as its NOLOGIN owner role (set at connection start; pinned again here).
    owner = psycopg.sql.Identifier(engineer_owner(conn.info.user)).as_string(conn)
    mode = f"SET LOCAL ROLE {owner}; " if role == "engineer" else "SET TRANSACTION READ ONLY; "
    conn.execute(f"{mode}{_limits_sql(role, limits)}")  # type: ignore[arg-type]


def _fetch(conn: psycopg.Connection, role: str, sql: str, limits: SqlLimits) -> Outcome:
    """Fetch at most max_rows + 1 rows, over the extended protocol, which takes one statement only.

    The analyst's rows are streamed, so a huge result is cancelled instead of loaded; the engineer's
    statements are mostly DDL/DML, which stream() cannot run, so they run with `execute`.
    """
    started = time.perf_counter()
    with conn.cursor() as cur:
        if role == "engineer":
            cur.execute(sql, binary=True)  # type: ignore[arg-type]
            raw = cur.fetchmany(limits.max_rows + 1) if cur.description else []
        else:
            raw = list(itertools.islice(cur.stream(sql), limits.max_rows + 1))  # type: ignore[arg-type]
        columns = tuple(d.name for d in cur.description or ())
        affected = cur.rowcount if not columns else None
    return _outcome(raw, columns, affected, started, limits)


def _outcome(
    raw: list[Any], columns: tuple[str, ...], affected: int | None, started: float, limits: SqlLimits
) -> Outcome:
    """JSON-safe rows within the limits; `affected` is the row count of a statement without rows."""
    duration_ms = (time.perf_counter() - started) * 1000
    truncated = len(raw) > limits.max_rows
    rows, capped = cap_rows([json_safe(r) for r in raw[: limits.max_rows]], limits.max_result_chars)
    count = affected if affected is not None and affected >= 0 else len(rows)
    return Outcome(columns, tuple(rows), count, truncated or capped, duration_ms)


def _describe(exc: psycopg.Error) -> str:
    diag = exc.diag
    message = diag.message_primary or str(exc).splitlines()[0]
    return f"{message} (SQLSTATE {diag.sqlstate})" if diag.sqlstate else message


class _connection:
    """A raw psycopg connection checked out of the role's pool, reset on the way back."""

    def __init__(self, engine: Engine) -> None:
        install_reset(engine)
        self._proxy = engine.raw_connection()
        self.conn: psycopg.Connection = self._proxy.driver_connection  # type: ignore[assignment]
        # No automatic server-side prepared statements: DISCARD ALL drops them behind psycopg's back.
        self.conn.prepare_threshold = None

    def __enter__(self) -> _connection:
        return self

    def abandon_transaction(self) -> None:
        """Roll back; a connection left mid-protocol (e.g. by COPY) is closed, never reused."""
        try:
            self.conn.rollback()
        except psycopg.Error:
            self._proxy.invalidate()

    def __exit__(self, *exc: object) -> None:
        self._proxy.close()


def install_reset(engine: Engine) -> None:
    """Make the pool `DISCARD ALL` before reuse: no SET, temp table, prepared statement or
    advisory lock of one statement survives into the next checkout."""
    if not event.contains(engine, "reset", _discard_all):
        event.listen(engine, "reset", _discard_all)


def _discard_all(dbapi_connection: psycopg.Connection, _record: object, state: Any) -> None:
    if state.terminate_only:
        return
    dbapi_connection.rollback()
    dbapi_connection.autocommit = True  # DISCARD ALL cannot run inside a transaction block
    try:
        dbapi_connection.execute("DISCARD ALL")
    finally:
        dbapi_connection.autocommit = False
