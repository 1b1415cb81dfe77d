"""A run's writes, each one statement: open it, append its events, beat its heart, end it.

These are the statements every question makes, so each is one round trip (a CTE) on the asyncio
pool (db/aio.py) rather than a transaction of several through a thread: about 0.2 ms of Dash's
CPU per statement instead of 0.8 (issue 15). The SQL text is shared with the store's sync
methods (`run_sync`), which other callers (recovery, tests, the CLI) still use.

Ordering: every statement that adds events bumps the run's `last_seq` first, which row-locks the
run until it commits, so a run's event ids follow their seq and a follower never sees an earlier
id appear after a later one. Events travel as one JSON array of [type, payload] pairs.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.types.json import Jsonb
from sqlalchemy import Connection

from core.errors import InvalidInput
from db.aio import AsyncConnection
from db.store.limits import LOCK_NAMESPACE, NO_LIMITS, WINDOW_S, RunLimits, Usage
from db.store.owner import this_process
from db.store.records import ACTIVE, RunNotFound, RunRecord, SessionTaken, Transition

# An event to store: (type, payload).
NewEvent = tuple[str, Mapping[str, Any]]

RUN_COLUMNS = ", ".join(RunRecord.__dataclass_fields__)
N_RUN_COLUMNS = len(RunRecord.__dataclass_fields__)

# The events of a statement as rows, numbered from the run's last seq before it.
_EVENT_ROWS = """
    SELECT %(run_id)s, base.seq + e.n, e.event->>0, e.event->1
    FROM {base} AS base, jsonb_array_elements(%(events)s) WITH ORDINALITY AS e(event, n)
    ORDER BY e.n
"""

# Refuses (inserts nothing) when a limit is reached; the counts come back so the caller can say
# which. Limits of 0 skip their count (a one-time filter). The session is claimed by an upsert
# that also marks it active, and returns nothing when the id is another user's.
OPEN = f"""
WITH counts AS (
    SELECT (SELECT count(*) FROM ai.runs WHERE %(max_active)s > 0 AND user_id = %(user_id)s
              AND status IN ('queued', 'running')) AS active,
           recent.n AS recent, recent.age AS age
    FROM (SELECT count(*) AS n, coalesce(extract(epoch FROM now() - min(created_at)), 0) AS age
          FROM ai.runs WHERE %(per_minute)s > 0 AND user_id = %(user_id)s
            AND created_at > now() - make_interval(secs => %(window_s)s)) AS recent
), allowed AS (
    SELECT FROM counts
    WHERE NOT (%(max_active)s > 0 AND active >= %(max_active)s)
      AND NOT (%(per_minute)s > 0 AND recent >= %(per_minute)s)
), claim AS (
    INSERT INTO ai.sessions (id, user_id, title, metadata)
    SELECT %(session_id)s, %(user_id)s, %(title)s, %(metadata)s FROM allowed
    ON CONFLICT (id) DO UPDATE SET updated_at = now() WHERE ai.sessions.user_id = excluded.user_id
    RETURNING id
), run AS (
    INSERT INTO ai.runs (id, session_id, user_id, status, question, started_at, last_seq,
                         owner_host, owner_pid, owner_instance)
    SELECT %(run_id)s, claim.id, %(user_id)s, 'running', %(question)s, now(),
           jsonb_array_length(%(events)s), %(owner_host)s, %(owner_pid)s, %(owner_instance)s
    FROM claim
    RETURNING {RUN_COLUMNS}
), stored AS (
    INSERT INTO ai.run_events (run_id, seq, type, payload)
    {_EVENT_ROWS.format(base="(SELECT 0 AS seq FROM run)")}
    RETURNING id, seq
)
SELECT counts.active, counts.recent, counts.age, run.*, array(SELECT id FROM stored ORDER BY seq)
FROM counts LEFT JOIN run ON true
"""

# Taken first, in the same transaction as OPEN, when limits apply: two replicas starting runs for
# one user at once cannot both slip under them. (Not inside OPEN: a statement's snapshot predates
# a lock it takes, so it would not see the run the other committed.)
LOCK_USER = "SELECT pg_advisory_xact_lock(%(namespace)s, hashtext(%(user_id)s))"

APPEND = f"""
WITH bump AS (
    UPDATE ai.runs SET last_seq = last_seq + jsonb_array_length(%(events)s), heartbeat_at = now()
    WHERE id = %(run_id)s
    RETURNING last_seq - jsonb_array_length(%(events)s) AS seq
)
INSERT INTO ai.run_events (run_id, seq, type, payload)
{_EVENT_ROWS.format(base="bump")}
RETURNING id, seq
"""

# Moves the run to `status` if it is in `allowed`, stores the events with the change, and for a
# completion adds the question and answer to the session's history and marks the session active.
# Only the values given change (an interrupted run that completes keeps its note).
FINISH = f"""
WITH done AS (
    UPDATE ai.runs SET status = %(status)s, finished_at = now(), heartbeat_at = now(),
        answer = coalesce(%(answer)s, answer), error = coalesce(%(error)s, error),
        usage = coalesce(%(usage)s, usage), latency_ms = coalesce(%(latency_ms)s, latency_ms),
        last_seq = last_seq + jsonb_array_length(%(events)s)
    WHERE id = %(run_id)s AND status = ANY(%(allowed)s)
    RETURNING session_id, question, last_seq - jsonb_array_length(%(events)s) AS seq
), stored AS (
    INSERT INTO ai.run_events (run_id, seq, type, payload)
    {_EVENT_ROWS.format(base="done")}
    RETURNING id, seq
), said AS (
    INSERT INTO ai.messages (session_id, run_id, role, content)
    SELECT done.session_id, %(run_id)s, m.role, m.content
    FROM done, LATERAL (VALUES (1, 'user', done.question), (2, 'assistant', %(answer)s))
        AS m(n, role, content)
    WHERE %(status)s = 'completed'
    ORDER BY m.n
), touched AS (
    UPDATE ai.sessions SET updated_at = now() FROM done
    WHERE ai.sessions.id = done.session_id AND %(status)s = 'completed'
)
SELECT array(SELECT id FROM stored ORDER BY seq) FROM done
"""

# True when the run should stop: someone asked to cancel it, or it is gone (session deleted).
# A run that already ended (or was marked interrupted: it may still complete) is left alone.
HEARTBEAT = """
WITH beat AS (
    UPDATE ai.runs SET heartbeat_at = now()
    WHERE id = %(run_id)s AND status IN ('queued', 'running')
    RETURNING cancel_requested
)
SELECT coalesce((SELECT cancel_requested FROM beat), NOT EXISTS (SELECT FROM ai.runs WHERE id = %(run_id)s))
"""

STATUS = "SELECT status FROM ai.runs WHERE id = %(run_id)s AND user_id = %(user_id)s"


@dataclass(frozen=True)
class Write:
    """One statement and its parameters, run the same way on either kind of connection."""

    sql: str
    params: Mapping[str, Any]


@dataclass(frozen=True)
class Opening:
    """What to open: a run of `question` in the user's session (a new id when None)."""

    user_id: str
    session_id: str | None
    question: str
    title: str | None = None
    metadata: Mapping[str, Any] | None = None
    limits: RunLimits = NO_LIMITS

    def write(self, run_id: str, session_id: str, events: Sequence[NewEvent]) -> Write:
        owner = this_process()
        params = {
            "run_id": run_id,
            "session_id": session_id,
            "user_id": self.user_id,
            "question": self.question,
            "title": self.title,
            "metadata": Jsonb(dict(self.metadata or {})),
            "events": _events(events),
            "max_active": self.limits.max_active,
            "per_minute": self.limits.per_minute,
            "window_s": WINDOW_S,
            "owner_host": owner.host,
            "owner_pid": owner.pid,
            "owner_instance": owner.instance,
        }
        return Write(OPEN, params)

    def lock(self) -> Write | None:
        if not (self.limits.max_active or self.limits.per_minute):
            return None
        return Write(LOCK_USER, {"namespace": LOCK_NAMESPACE, "user_id": self.user_id})

    def opened(self, rows: Sequence[Sequence[Any]], session_id: str) -> tuple[RunRecord, list[int]]:
        """The run and its events' ids; TooManyRequests or SessionTaken when it was refused."""
        active, recent, age, *run = rows[0]
        if run[0] is None:
            raise Usage(int(active), int(recent), float(age)).refusal(self.limits) or SessionTaken(session_id)
        return RunRecord(*run[:N_RUN_COLUMNS]), list(run[N_RUN_COLUMNS])


@dataclass(frozen=True)
class Ending:
    """How a run ends: its new status, the values that change, and the events stored with it
    (`before`: any left pending, then the final one)."""

    status: str
    allowed_from: tuple[str, ...] = ACTIVE
    answer: str | None = None
    error: str | None = None
    usage: Mapping[str, Any] | None = None
    latency_ms: int | None = None
    final: NewEvent | None = None
    before: tuple[NewEvent, ...] = ()  # stored just ahead of `final`

    @classmethod
    def completed(
        cls,
        answer: str,
        usage: Mapping[str, Any] | None,
        latency_ms: int | None,
        final: NewEvent | None = None,
        before: Sequence[NewEvent] = (),
    ) -> Ending:
        """A run marked interrupted by recovery may still complete: its answer is real."""
        allowed = (*ACTIVE, "interrupted")
        return cls("completed", allowed, answer, None, dict(usage or {}), latency_ms, final, tuple(before))

    @classmethod
    def failed(cls, error: str, final: NewEvent | None = None, before: Sequence[NewEvent] = ()) -> Ending:
        return cls("failed", error=error, final=final, before=tuple(before))

    @classmethod
    def cancelled(cls, final: NewEvent | None = None, before: Sequence[NewEvent] = ()) -> Ending:
        return cls("cancelled", final=final, before=tuple(before))

    @property
    def events(self) -> tuple[NewEvent, ...]:
        return self.before if self.final is None else (*self.before, self.final)

    def write(self, run_id: str) -> Write:
        params = {
            "run_id": run_id,
            "status": self.status,
            "allowed": list(self.allowed_from),
            "answer": self.answer,
            "error": self.error,
            "usage": None if self.usage is None else Jsonb(dict(self.usage)),
            "latency_ms": self.latency_ms,
            "events": _events(self.events),
        }
        return Write(FINISH, params)

    def transition(self, rows: Sequence[Sequence[Any]]) -> Transition:
        if not rows:
            return Transition(False)
        ids = tuple(int(i) for i in rows[0][0])
        if self.final is None:
            return Transition(True, None, ids)
        return Transition(True, ids[-1], ids[:-1])


def append_write(run_id: str, events: Sequence[NewEvent]) -> Write:
    return Write(APPEND, {"run_id": run_id, "events": _events(events)})


def appended(run_id: str, rows: Sequence[Sequence[Any]]) -> list[int]:
    """The stored events' ids in order; RunNotFound when the run is gone."""
    if not rows:
        raise RunNotFound(run_id)
    return [int(event_id) for event_id, _ in sorted(rows, key=lambda row: row[1])]


def heartbeat_write(run_id: str) -> Write:
    return Write(HEARTBEAT, {"run_id": run_id})


def new_ids(session_id: str | None) -> tuple[str, str]:
    """(run id, session id) for a run about to be opened."""
    return str(uuid.uuid4()), session_id or str(uuid.uuid4())


# --- on the asyncio pool -------------------------------------------------------------------


async def fetch(conn: AsyncConnection, write: Write) -> list[tuple[Any, ...]]:
    """Run one write; a value PostgreSQL cannot store (e.g. a NUL character) is InvalidInput."""
    try:
        cursor = await conn.execute(write.sql, write.params)
        return await cursor.fetchall()
    except psycopg.DataError as exc:
        raise InvalidInput(
            "A value in the request cannot be stored or compared: " + str(exc).splitlines()[0]
        ) from exc


async def open_run(
    conn: AsyncConnection, opening: Opening, announce: Callable[[str, str], Sequence[NewEvent]]
) -> tuple[RunRecord, list[int]]:
    """Open the run with its first events (`announce(run_id, session_id)`), in one statement
    (two in one transaction when limits apply); a refused run leaves nothing behind."""
    run_id, session_id = new_ids(opening.session_id)
    write = opening.write(run_id, session_id, announce(run_id, session_id))
    lock = opening.lock()
    if lock is None:
        return opening.opened(await fetch(conn, write), session_id)
    async with conn.transaction():
        await fetch(conn, lock)
        return opening.opened(await fetch(conn, write), session_id)


async def append_events(conn: AsyncConnection, run_id: str, events: Sequence[NewEvent]) -> list[int]:
    """Store events of the run, in order, in one statement; returns their ids."""
    return appended(run_id, await fetch(conn, append_write(run_id, events)))


async def finish_run(conn: AsyncConnection, run_id: str, ending: Ending) -> Transition:
    """End the run (if it has not ended elsewhere) in one statement."""
    return ending.transition(await fetch(conn, ending.write(run_id)))


async def heartbeat(conn: AsyncConnection, run_id: str) -> bool:
    """Record that the run is alive; True when it should stop (cancel asked, or gone)."""
    return bool((await fetch(conn, heartbeat_write(run_id)))[0][0])


async def run_status(conn: AsyncConnection, user_id: str, run_id: str) -> str | None:
    """The run's status; None when it does not exist or is someone else's."""
    rows = await fetch(conn, Write(STATUS, {"run_id": run_id, "user_id": user_id}))
    return str(rows[0][0]) if rows else None


# --- on a SQLAlchemy connection (the store's sync methods) ------------------------------------


def run_sync(conn: Connection, write: Write) -> list[tuple[Any, ...]]:
    """Run one write inside the caller's SQLAlchemy transaction (psycopg's own placeholders)."""
    return [tuple(row) for row in conn.exec_driver_sql(write.sql, dict(write.params)).all()]


def _events(events: Sequence[NewEvent]) -> Jsonb:
    return Jsonb([[type_, dict(payload)] for type_, payload in events])
