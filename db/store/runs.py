"""Runs: one question and its answer, with status, timings, usage, and the terminal transitions.

Every function is one short transaction: nothing here holds a connection while a model thinks.
A run only ever leaves `queued`/`running` once; the terminal functions return False when the run
had already ended (e.g. cancelled by the user, or marked interrupted by start-up recovery).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, Engine, func, or_, select, tuple_, update

from db.notifications import notify_cancel
from db.store.limits import NO_LIMITS, RunLimits
from db.store.owner import this_process
from db.store.records import (
    ACTIVE,
    Page,
    RunRecord,
    SessionNotFound,
    Transition,
    decode_cursor,
    encode_cursor,
    from_row,
)
from db.store.run_writes import Ending, Opening, heartbeat_write, new_ids, run_sync
from db.store.sessions import touch
from db.store.tables import runs, sessions

# An event stored in the same transaction as a status change: (type, payload).
FinalEvent = tuple[str, Mapping[str, Any]]

INTERRUPTED_ERROR = "The Dash process running this question stopped before it finished. Ask again."


class RunStore:
    engine: Engine

    def start_run(self, user_id: str, session_id: str, question: str) -> RunRecord:
        """Open a `running` run in the user's session; SessionNotFound if it is not theirs."""
        owned = select(sessions.c.id).where(sessions.c.id == session_id, sessions.c.user_id == user_id)
        with self.engine.begin() as conn:
            if conn.execute(owned).first() is None:
                raise SessionNotFound(session_id)
            return _insert_run(conn, user_id, session_id, question)

    def open_run(
        self,
        user_id: str,
        session_id: str | None,
        question: str,
        *,
        title: str | None = None,
        metadata: dict[str, Any] | None = None,
        limits: RunLimits = NO_LIMITS,
    ) -> RunRecord:
        """Open a `running` run in the user's session (created when new), with no events yet:
        a refused run (SessionTaken, TooManyRequests, a value PostgreSQL cannot store) leaves
        no session behind. (The recorder opens runs with `run_writes.open_run`, the same SQL.)"""
        opening = Opening(user_id, session_id, question, title, metadata, limits)
        run_id, sid = new_ids(session_id)
        lock = opening.lock()
        with self.engine.begin() as conn:
            if lock is not None:
                run_sync(conn, lock)
            return opening.opened(run_sync(conn, opening.write(run_id, sid, [])), sid)[0]

    def get_run(self, user_id: str, run_id: str) -> RunRecord | None:
        """The run, or None when it does not exist or belongs to someone else."""
        query = select(runs).where(runs.c.id == run_id, runs.c.user_id == user_id)
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return from_row(RunRecord, row) if row else None

    def runs_page(
        self, user_id: str, session_id: str, limit: int = 20, cursor: str | None = None
    ) -> Page[RunRecord]:
        """The session's latest `limit` runs before `cursor` (none: the newest), oldest first;
        `next_cursor` points at the runs before them ([] for someone else's session)."""
        order = (runs.c.created_at.desc(), runs.c.id.desc())
        query = select(runs).where(runs.c.session_id == session_id, runs.c.user_id == user_id)
        if cursor is not None:
            query = query.where(tuple_(runs.c.created_at, runs.c.id) < decode_cursor(cursor))
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(*order).limit(limit + 1)).all()
        items = [from_row(RunRecord, row) for row in reversed(rows[:limit])]
        more = len(rows) > limit
        return Page(items, encode_cursor(items[0].created_at, items[0].id) if more else None)

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
        """Record that the run is alive; returns True when it should stop: someone asked to
        cancel it, or it is gone (its session was deleted)."""
        with self.engine.begin() as conn:
            return bool(run_sync(conn, heartbeat_write(run_id))[0][0])

    def active_runs(self, user_id: str, session_id: str) -> list[str]:
        """Ids of the user's runs in flight in the session."""
        query = select(runs.c.id).where(
            runs.c.session_id == session_id, runs.c.user_id == user_id, runs.c.status.in_(ACTIVE)
        )
        with self.engine.connect() as conn:
            return list(conn.execute(query).scalars())

    def request_cancel(self, user_id: str, run_id: str) -> RunRecord | None:
        """Ask the process running the run to stop: told at once when it listens (db/notifications.py),
        else it notices at its next heartbeat.

        None when the run is not the user's; an already finished run is returned unchanged.
        """
        query = (
            update(runs)
            .where(runs.c.id == run_id, runs.c.user_id == user_id, runs.c.status.in_(ACTIVE))
            .values(cancel_requested=True)
            .returning(runs.c.id)
        )
        with self.engine.begin() as conn:
            if conn.execute(query).first() is not None:
                notify_cancel(conn, run_id)
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
        return self._end(run_id, Ending.completed(answer, usage, latency_ms, final_event))

    def mark_run_failed(
        self, run_id: str, error: str, *, final_event: FinalEvent | None = None
    ) -> Transition:
        """End the run as failed with a message a person can read."""
        return self._end(run_id, Ending.failed(error, final_event))

    def mark_run_cancelled(self, run_id: str, *, final_event: FinalEvent | None = None) -> Transition:
        """End the run as cancelled (the user asked, or the caller went away)."""
        return self._end(run_id, Ending.cancelled(final_event))

    def _end(self, run_id: str, ending: Ending) -> Transition:
        with self.engine.begin() as conn:
            return ending.transition(run_sync(conn, ending.write(run_id)))

    def recover_interrupted_runs(self, stale_after_s: float, event_type: str = "run_failed") -> list[str]:
        """Mark as interrupted the active runs nothing drives any more: those whose process on
        this host is dead (at once), and any whose heartbeat is older than `stale_after_s`.

        Called at start-up and then every minute, so a run never stays `running` forever.
        Each gets a final `event_type` event so a client following the stream stops waiting.
        """
        me = this_process()
        stale = runs.c.heartbeat_at < func.now() - timedelta(seconds=stale_after_s)
        query = select(runs.c.id, runs.c.owner_pid, runs.c.owner_instance, stale.label("stale")).where(
            runs.c.status.in_(ACTIVE), or_(stale, runs.c.owner_host == me.host)
        )
        payload = {"error": INTERRUPTED_ERROR, "retryable": True}
        with self.engine.begin() as conn:
            rows = conn.execute(query.with_for_update(skip_locked=True)).all()
            ids = [r.id for r in rows if r.stale or me.outlived(r.owner_pid, r.owner_instance)]
            ending = Ending("interrupted", error=INTERRUPTED_ERROR, final=(event_type, payload))
            for run_id in ids:
                run_sync(conn, ending.write(run_id))
        return ids


def _insert_run(conn: Connection, user_id: str, session_id: str, question: str) -> RunRecord:
    owner = this_process()
    values = {
        "id": str(uuid.uuid4()),
        "session_id": session_id,
        "user_id": user_id,
        "status": "running",
        "question": question,
        "started_at": func.now(),
        "owner_host": owner.host,
        "owner_pid": owner.pid,
        "owner_instance": owner.instance,
    }
    row = conn.execute(runs.insert().values(values).returning(*runs.c)).one()
    touch(conn, session_id)
    return from_row(RunRecord, row)
