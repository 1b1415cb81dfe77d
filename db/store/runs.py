"""Runs: one question and its answer, with status, timings, usage, and the terminal transitions.

Every function is one short transaction: nothing here holds a connection while a model thinks.
A run only ever leaves `queued`/`running` once; the terminal functions return False when the run
had already ended (e.g. cancelled by the user, or marked interrupted by start-up recovery).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, Engine, func, select, update

from db.store.events import append
from db.store.records import ACTIVE, RunRecord, SessionNotFound, Transition, from_row
from db.store.sessions import touch
from db.store.tables import messages, runs, sessions

# An event stored in the same transaction as a status change: (type, payload).
FinalEvent = tuple[str, Mapping[str, Any]]

INTERRUPTED_ERROR = "The Dash process running this question stopped before it finished. Ask again."


class RunStore:
    engine: Engine

    def start_run(self, user_id: str, session_id: str, question: str) -> RunRecord:
        """Open a `running` run in the user's session; SessionNotFound if it is not theirs."""
        owned = select(sessions.c.id).where(sessions.c.id == session_id, sessions.c.user_id == user_id)
        values = {
            "id": str(uuid.uuid4()),
            "session_id": session_id,
            "user_id": user_id,
            "status": "running",
            "question": question,
            "started_at": func.now(),
        }
        with self.engine.begin() as conn:
            if conn.execute(owned).first() is None:
                raise SessionNotFound(session_id)
            row = conn.execute(runs.insert().values(values).returning(*runs.c)).one()
            touch(conn, session_id)
        return from_row(RunRecord, row)

    def get_run(self, user_id: str, run_id: str) -> RunRecord | None:
        """The run, or None when it does not exist or belongs to someone else."""
        query = select(runs).where(runs.c.id == run_id, runs.c.user_id == user_id)
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return from_row(RunRecord, row) if row else None

    def list_runs(self, user_id: str, session_id: str) -> list[RunRecord]:
        """The runs of the user's session, oldest first ([] for someone else's session)."""
        query = (
            select(runs)
            .where(runs.c.session_id == session_id, runs.c.user_id == user_id)
            .order_by(runs.c.created_at, runs.c.id)
        )
        with self.engine.connect() as conn:
            return [from_row(RunRecord, row) for row in conn.execute(query)]

    def heartbeat(self, run_id: str) -> bool:
        """Record that the run is alive; returns True when someone asked to cancel it."""
        query = (
            update(runs)
            .where(runs.c.id == run_id, runs.c.status.in_(ACTIVE))
            .values(heartbeat_at=func.now())
            .returning(runs.c.cancel_requested)
        )
        with self.engine.begin() as conn:
            return bool(conn.execute(query).scalar())

    def request_cancel(self, user_id: str, run_id: str) -> RunRecord | None:
        """Ask the process running the run to stop (it notices at its next heartbeat).

        None when the run is not the user's; an already finished run is returned unchanged.
        """
        query = (
            update(runs)
            .where(runs.c.id == run_id, runs.c.user_id == user_id, runs.c.status.in_(ACTIVE))
            .values(cancel_requested=True)
        )
        with self.engine.begin() as conn:
            conn.execute(query)
        return self.get_run(user_id, run_id)

    def mark_run_completed(
        self,
        run_id: str,
        answer: str,
        usage: Mapping[str, Any] | None = None,
        latency_ms: int | None = None,
        *,
        final_event: FinalEvent | None = None,
    ) -> Transition:
        """Complete the run and add the question and answer to the session history, atomically.

        A run marked interrupted by recovery may still complete: its answer is real.
        """
        values = {"answer": answer, "usage": dict(usage or {}), "latency_ms": latency_ms}
        with self.engine.begin() as conn:
            done, event_id = _finish(conn, run_id, "completed", values, (*ACTIVE, "interrupted"), final_event)
            if done is None:
                return Transition(False)
            conn.execute(
                messages.insert(),
                [
                    {
                        "session_id": done.session_id,
                        "run_id": run_id,
                        "role": "user",
                        "content": done.question,
                    },
                    {"session_id": done.session_id, "run_id": run_id, "role": "assistant", "content": answer},
                ],
            )
            touch(conn, done.session_id)
        return Transition(True, event_id)

    def mark_run_failed(
        self, run_id: str, error: str, *, final_event: FinalEvent | None = None
    ) -> Transition:
        """End the run as failed with a message a person can read."""
        with self.engine.begin() as conn:
            return _transition(_finish(conn, run_id, "failed", {"error": error}, ACTIVE, final_event))

    def mark_run_cancelled(self, run_id: str, *, final_event: FinalEvent | None = None) -> Transition:
        """End the run as cancelled (the user asked, or the caller went away)."""
        with self.engine.begin() as conn:
            return _transition(_finish(conn, run_id, "cancelled", {}, ACTIVE, final_event))

    def recover_interrupted_runs(self, stale_after_s: float, event_type: str = "run_failed") -> list[str]:
        """Mark active runs whose heartbeat is older than `stale_after_s` as interrupted.

        Called at start-up: their process died, so they would otherwise stay `running` forever.
        Each gets a final `event_type` event so a client following the stream stops waiting.
        """
        stale = func.now() - timedelta(seconds=stale_after_s)
        query = select(runs.c.id).where(runs.c.status.in_(ACTIVE), runs.c.heartbeat_at < stale)
        payload = {"error": INTERRUPTED_ERROR, "retryable": True}
        with self.engine.begin() as conn:
            ids = list(conn.execute(query.with_for_update(skip_locked=True)).scalars())
            for run_id in ids:
                _finish(
                    conn, run_id, "interrupted", {"error": INTERRUPTED_ERROR}, ACTIVE, (event_type, payload)
                )
        return ids


def _finish(
    conn: Connection,
    run_id: str,
    status: str,
    values: Mapping[str, Any],
    allowed_from: Sequence[str],
    final_event: FinalEvent | None,
) -> tuple[Any, int | None]:
    """Move the run to `status` if it is in `allowed_from`: (updated row or None, final event id)."""
    query = (
        update(runs)
        .where(runs.c.id == run_id, runs.c.status.in_(allowed_from))
        .values(status=status, finished_at=func.now(), **values)
        .returning(runs.c.session_id, runs.c.question)
    )
    row = conn.execute(query).first()
    if row is None or final_event is None:
        return row, None
    return row, append(conn, run_id, *final_event)


def _transition(result: tuple[Any, int | None]) -> Transition:
    return Transition(result[0] is not None, result[1])
