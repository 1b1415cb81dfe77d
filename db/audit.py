"""The SQL audit trail in `ai.sql_audit`, written through the service role.

Failing to audit is never silent: `AuditError` is raised. An allowed statement is recorded
*before* it runs (`begin`) and completed after (`finish`), so a statement whose audit row cannot
be written is never run, and one that ran always left a row behind.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from db import observe

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


_INSERT = text(
    "INSERT INTO ai.sql_audit (user_id, agent, session_id, run_id, acting_user, sql, decision, reason,"
    " finished_at) VALUES (:user_id, :agent, :session_id, :run_id, :acting_user, :sql, :decision, :reason,"
    " CASE WHEN :finished THEN now() END) RETURNING id"
)
_FINISH = text(
    "UPDATE ai.sql_audit SET finished_at = now(), row_count = :row_count,"
    " duration_ms = :duration_ms, error = :error WHERE id = :id"
)


def begin(service: Engine, sub: Submission, *, finished: bool = False) -> int:
    """Record a submission; returns the audit row id. `finished` for refusals (nothing follows)."""
    params = {**sub.__dict__, "reason": sub.reason or None, "finished": finished}
    row = _write(service, _INSERT, params, sub, "the statement was not run")
    if finished:
        observe.emit("sql", role=sub.agent, decision=sub.decision, seconds=0.0)
    return int(row)  # type: ignore[call-overload]


def finish(
    service: Engine,
    audit_id: int,
    sub: Submission,
    *,
    row_count: int | None,
    duration_ms: float,
    error: str | None,
) -> None:
    """Complete the row of a statement that ran (or failed while running)."""
    params = {"id": audit_id, "row_count": row_count, "duration_ms": duration_ms, "error": error}
    _write(service, _FINISH, params, sub, f"the statement ran; audit row {audit_id} is incomplete")
    observe.emit("sql", role=sub.agent, decision="failed" if error else "allowed", seconds=duration_ms / 1000)


def _write(
    service: Engine, statement: object, params: Mapping[str, object], sub: Submission, consequence: str
) -> object:
    try:
        # One statement, its own transaction: no BEGIN and COMMIT round trips around it. The row
        # is still written (committed) before the audited statement runs, and completed after.
        with service.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            result = conn.execute(statement, params)  # type: ignore[call-overload]
            written = result.scalar() if result.returns_rows else result.rowcount
        if not written:
            raise SQLAlchemyError("no audit row was written")
        return written
    except SQLAlchemyError as exc:
        log.error("SQL audit write failed for %s statement %.200r: %s", sub.agent, sub.sql, exc)
        raise AuditError(
            f"could not write the SQL audit record ({type(exc).__name__}: {str(exc).splitlines()[0]}); "
            f"{consequence}. Check that migrations ran and the service role can write schema ai."
        ) from exc
