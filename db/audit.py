"""The SQL audit trail in `ai.sql_audit`, written through the service role.

Failing to audit is never silent: `AuditError` is raised. An allowed statement is recorded
*before* it runs (`begin`) and completed after (`finish`), so a statement whose audit row cannot
be written is never run, and one that ran always left a row behind.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

import psycopg
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from db import observe
from db.aio import AsyncPool

log = logging.getLogger(__name__)


class AuditError(RuntimeError):
    """The audit row could not be written; the message says which statement and why."""


@dataclass(frozen=True)
class Submission:
    """Who submitted which statement, and what the guard said about it."""

    agent: str
    sql: str
    decision: str
    reason: str = ""
    user_id: str | None = None
    session_id: str | None = None
    run_id: str | None = None
    acting_user: str | None = None  # who made it run when not `user_id` themselves (a schedule)


# Driver SQL (psycopg's %(name)s), sent as it is by both the engine and the asyncio pool.
_INSERT = (
    "INSERT INTO ai.sql_audit (user_id, agent, session_id, run_id, acting_user, sql, decision, reason,"
    " finished_at) VALUES (%(user_id)s, %(agent)s, %(session_id)s, %(run_id)s, %(acting_user)s, %(sql)s,"
    " %(decision)s, %(reason)s, CASE WHEN %(finished)s THEN now() END) RETURNING id"
)
_FINISH = (
    "UPDATE ai.sql_audit SET finished_at = now(), row_count = %(row_count)s,"
    " duration_ms = %(duration_ms)s, error = %(error)s WHERE id = %(id)s"
)
_NOT_RUN = "the statement was not run"


@dataclass(frozen=True)
class Completion:
    """How a statement that ran ended (recorded by `finish`)."""

    row_count: int | None
    duration_ms: float
    error: str | None


def begin(service: Engine, sub: Submission, *, finished: bool = False) -> int:
    """Record a submission; returns the audit row id. `finished` for refusals (nothing follows)."""
    return _begun(sub, finished, _write(service, _INSERT, _begin_params(sub, finished), sub, _NOT_RUN))


async def begin_async(pool: AsyncPool, sub: Submission, *, finished: bool = False) -> int:
    """`begin` over the service role's asyncio pool."""
    written = await _write_async(pool, _INSERT, _begin_params(sub, finished), sub, _NOT_RUN)
    return _begun(sub, finished, written)


def finish(service: Engine, audit_id: int, sub: Submission, done: Completion) -> None:
    """Complete the row of a statement that ran (or failed while running)."""
    _write(service, _FINISH, _finish_params(audit_id, done), sub, _incomplete(audit_id))
    _finished(sub, done)


async def finish_async(pool: AsyncPool, audit_id: int, sub: Submission, done: Completion) -> None:
    """`finish` over the service role's asyncio pool."""
    await _write_async(pool, _FINISH, _finish_params(audit_id, done), sub, _incomplete(audit_id))
    _finished(sub, done)


def _begin_params(sub: Submission, finished: bool) -> dict[str, object]:
    return {**sub.__dict__, "reason": sub.reason or None, "finished": finished}


def _begun(sub: Submission, finished: bool, row: object) -> int:
    if finished:
        observe.emit("sql", role=sub.agent, decision=sub.decision, seconds=0.0)
    return int(row)  # type: ignore[call-overload]


def _finish_params(audit_id: int, done: Completion) -> dict[str, object]:
    return {"id": audit_id, "row_count": done.row_count, "duration_ms": done.duration_ms, "error": done.error}


def _finished(sub: Submission, done: Completion) -> None:
    decision = "failed" if done.error else "allowed"
    observe.emit("sql", role=sub.agent, decision=decision, seconds=done.duration_ms / 1000)


def _incomplete(audit_id: int) -> str:
    return f"the statement ran; audit row {audit_id} is incomplete"


def _write(
    service: Engine, statement: str, params: Mapping[str, object], sub: Submission, consequence: str
) -> object:
    try:
        # One statement, its own transaction: no BEGIN and COMMIT round trips around it. The row
        # is still written (committed) before the audited statement runs, and completed after.
        with service.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            result = conn.exec_driver_sql(statement, params)  # type: ignore[arg-type]
            written = result.scalar() if result.returns_rows else result.rowcount
    except SQLAlchemyError as exc:
        raise _failed(sub, consequence, exc) from exc
    return _checked(written, sub, consequence)


async def _write_async(
    pool: AsyncPool, statement: str, params: Mapping[str, object], sub: Submission, consequence: str
) -> object:
    try:
        async with pool.connection() as conn:  # autocommit: one statement, its own transaction
            cursor = await conn.execute(statement, params)  # type: ignore[arg-type]
            written = (await cursor.fetchone() or (None,))[0] if cursor.description else cursor.rowcount
    except psycopg.Error as exc:
        raise _failed(sub, consequence, exc) from exc
    return _checked(written, sub, consequence)


def _checked(written: object, sub: Submission, consequence: str) -> object:
    """The new row's id, or the number of rows completed: neither may be missing or zero."""
    if not written or (isinstance(written, int) and written < 0):
        raise _failed(sub, consequence, RuntimeError("no audit row was written"))
    return written


def _failed(sub: Submission, consequence: str, exc: Exception) -> AuditError:
    log.error("SQL audit write failed for %s statement %.200r: %s", sub.agent, sub.sql, exc)
    return AuditError(
        f"could not write the SQL audit record ({type(exc).__name__}: {str(exc).splitlines()[0]}); "
        f"{consequence}. Check that migrations ran and the service role can write schema ai."
    )
