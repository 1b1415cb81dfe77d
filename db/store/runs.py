"""Runs: one question and its answer, with status, timings, usage, and the terminal transitions.

Every function is one short transaction: nothing here holds a connection while a model thinks.
A run only ever leaves `queued`/`running` once; the terminal functions return False when the run
had already ended (e.g. cancelled by the user, or marked interrupted by start-up recovery).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, Engine, func, or_, select, tuple_, update

from db.notifications import notify_cancel
from db.store.events import NewEvent, append_all
from db.store.limits import NO_LIMITS, RunLimits, check_limits
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
from db.store.sessions import claim_session, touch
from db.store.tables import messages, runs, sessions

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
        """Open a `running` run in the user's session (created when new), in one transaction:
        a refused run (SessionTaken, TooManyRequests, a value PostgreSQL cannot store) leaves
        no session behind."""
        return self.open_run_announced(
            user_id, session_id, question, None, title=title, metadata=metadata, limits=limits
        )[0]

    def open_run_announced(
        self,
        user_id: str,
        session_id: str | None,
        question: str,
        announce: Callable[[RunRecord], NewEvent] | None,
        *,
        title: str | None = None,
        metadata: dict[str, Any] | None = None,
        limits: RunLimits = NO_LIMITS,
    ) -> tuple[RunRecord, int | None]:
        """`open_run`, storing the run's first event (`announce(run)`) in the same transaction:
        (the run, that event's id; None without `announce`)."""
        with self.engine.begin() as conn:
            check_limits(conn, user_id, limits)
            session = claim_session(conn, user_id, session_id, title, metadata)
            run = _insert_run(conn, user_id, session.id, question)
            return run, append_all(conn, run.id, [announce(run)])[0] if announce else None

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
        query = (
            update(runs)
            .where(runs.c.id == run_id, runs.c.status.in_(ACTIVE))
            .values(heartbeat_at=func.now())
            .returning(runs.c.cancel_requested)
        )
        with self.engine.begin() as conn:
            cancel = conn.execute(query).scalar()
            if cancel is None:  # finished (or interrupted: it may still complete), or deleted
                return conn.execute(select(runs.c.id).where(runs.c.id == run_id)).first() is None
        return bool(cancel)

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
        before: Sequence[NewEvent] = (),
    ) -> Transition:
        """Complete the run and add the question and answer to the session history, atomically.

        A run marked interrupted by recovery may still complete: its answer is real. `before`:
        events to store ahead of `final_event`, in the same transaction (none if nothing changed).
        """
        values = {"answer": answer, "usage": dict(usage or {}), "latency_ms": latency_ms}
        allowed = (*ACTIVE, "interrupted")
        with self.engine.begin() as conn:
            done, ids = _finish(conn, run_id, "completed", values, allowed, (*before, *_one(final_event)))
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
        return _transition(done, ids, final_event)

    def mark_run_failed(
        self,
        run_id: str,
        error: str,
        *,
        final_event: FinalEvent | None = None,
        before: Sequence[NewEvent] = (),
    ) -> Transition:
        """End the run as failed with a message a person can read."""
        events = (*before, *_one(final_event))
        with self.engine.begin() as conn:
            done, ids = _finish(conn, run_id, "failed", {"error": error}, ACTIVE, events)
        return _transition(done, ids, final_event)

    def mark_run_cancelled(
        self, run_id: str, *, final_event: FinalEvent | None = None, before: Sequence[NewEvent] = ()
    ) -> Transition:
        """End the run as cancelled (the user asked, or the caller went away)."""
        with self.engine.begin() as conn:
            done, ids = _finish(conn, run_id, "cancelled", {}, ACTIVE, (*before, *_one(final_event)))
        return _transition(done, ids, final_event)

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
            for run_id in ids:
                _finish(
                    conn, run_id, "interrupted", {"error": INTERRUPTED_ERROR}, ACTIVE, [(event_type, payload)]
                )
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


def _finish(
    conn: Connection,
    run_id: str,
    status: str,
    values: Mapping[str, Any],
    allowed_from: Sequence[str],
    events: Sequence[NewEvent],
) -> tuple[Any, list[int]]:
    """Move the run to `status` if it is in `allowed_from` and store `events` with the change:
    (updated row or None, the events' ids)."""
    query = (
        update(runs)
        .where(runs.c.id == run_id, runs.c.status.in_(allowed_from))
        .values(status=status, finished_at=func.now(), **values)
        .returning(runs.c.session_id, runs.c.question)
    )
    row = conn.execute(query).first()
    if row is None or not events:
        return row, []
    return row, append_all(conn, run_id, events)


def _one(event: FinalEvent | None) -> tuple[FinalEvent, ...]:
    return () if event is None else (event,)


def _transition(row: Any, ids: list[int], final_event: FinalEvent | None) -> Transition:
    if row is None:
        return Transition(False)
    if final_event is None:
        return Transition(True, None, tuple(ids))
    return Transition(True, ids[-1], tuple(ids[:-1]))
