"""Sessions and their messages, always scoped to the user who owns them."""

from __future__ import annotations

import uuid
from typing import Any

from psycopg.rows import class_row
from sqlalchemy import Connection, Engine, delete, func, select, tuple_
from sqlalchemy.dialects.postgresql import insert

from db.aio import async_pool
from db.store.records import (
    MessageRecord,
    Page,
    SessionRecord,
    SessionTaken,
    decode_cursor,
    encode_cursor,
    from_row,
)
from db.store.tables import messages, sessions

MAX_PAGE = 200
# The asyncio pool's statements (psycopg placeholders); the rest of the store builds its own.
LIST_SQL = (
    "SELECT id, user_id, title, created_at, updated_at, metadata FROM ai.sessions WHERE user_id = %(user)s"
    " {after} ORDER BY updated_at DESC, id DESC LIMIT %(n)s"
)
FIRST_PAGE_SQL = LIST_SQL.format(after="")
LATER_PAGE_SQL = LIST_SQL.format(after="AND (updated_at, id) < (%(at)s, %(id)s)")
HISTORY_SQL = (
    "SELECT role, content FROM (SELECT m.id, m.role, m.content FROM ai.messages m"
    " JOIN ai.sessions s ON s.id = m.session_id WHERE s.id = %(session)s AND s.user_id = %(user)s"
    " ORDER BY m.id DESC LIMIT %(n)s) AS latest ORDER BY id"
)


def single_statement(engine: Engine) -> Connection:
    """A connection for one read: autocommit, so no BEGIN and no ROLLBACK round trip around it
    (the list behind `GET /v1/sessions` is read under heavy concurrency)."""
    return engine.connect().execution_options(isolation_level="AUTOCOMMIT")


class SessionStore:
    engine: Engine

    def create_or_get_session(
        self,
        user_id: str,
        session_id: str | None = None,
        title: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> SessionRecord:
        """The user's session `session_id`, created if new (a fresh id when None).

        Raises SessionTaken when the id already belongs to another user.
        """
        with self.engine.begin() as conn:
            return claim_session(conn, user_id, session_id, title, metadata)

    def get_session(self, user_id: str, session_id: str) -> SessionRecord | None:
        """The session, or None when it does not exist or belongs to someone else."""
        query = select(sessions).where(sessions.c.id == session_id, sessions.c.user_id == user_id)
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return from_row(SessionRecord, row) if row else None

    def list_sessions(self, user_id: str, limit: int = 20, cursor: str | None = None) -> Page[SessionRecord]:
        """The user's sessions, most recently active first, `limit` (1..200) at a time."""
        limit = max(1, min(limit, MAX_PAGE))
        order = (sessions.c.updated_at.desc(), sessions.c.id.desc())
        query = select(sessions).where(sessions.c.user_id == user_id).order_by(*order)
        if cursor is not None:
            query = query.where(tuple_(sessions.c.updated_at, sessions.c.id) < decode_cursor(cursor))
        with single_statement(self.engine) as conn:
            rows = conn.execute(query.limit(limit + 1)).all()
        items = [from_row(SessionRecord, row) for row in rows[:limit]]
        more = len(rows) > limit
        return Page(items, encode_cursor(items[-1].updated_at, items[-1].id) if more else None)

    async def list_sessions_async(
        self, user_id: str, limit: int = 20, cursor: str | None = None
    ) -> Page[SessionRecord]:
        """`list_sessions` on the asyncio pool (db/aio.py): no worker thread per request."""
        limit = max(1, min(limit, MAX_PAGE))
        params: dict[str, Any] = {"user": user_id, "n": limit + 1}
        if cursor is not None:
            params["at"], params["id"] = decode_cursor(cursor)
        sql = FIRST_PAGE_SQL if cursor is None else LATER_PAGE_SQL
        async with async_pool(self.engine).connection() as conn:
            cur = conn.cursor(row_factory=class_row(SessionRecord))
            rows = await (await cur.execute(sql, params)).fetchall()
        items = rows[:limit]
        more = len(rows) > limit
        return Page(items, encode_cursor(items[-1].updated_at, items[-1].id) if more else None)

    def delete_session(self, user_id: str, session_id: str) -> bool:
        """Delete the session with its messages, runs and events; False when it is not the user's."""
        query = delete(sessions).where(sessions.c.id == session_id, sessions.c.user_id == user_id)
        with self.engine.begin() as conn:
            return conn.execute(query).rowcount > 0

    def session_history(self, user_id: str, session_id: str, limit: int = 20) -> list[tuple[str, str]]:
        """The last `limit` (role, content) pairs of the session, oldest first, for model context.

        Only completed runs leave messages, so a failed attempt never pollutes the context.
        """
        query = (
            select(messages.c.role, messages.c.content)
            .join(sessions, sessions.c.id == messages.c.session_id)
            .where(sessions.c.id == session_id, sessions.c.user_id == user_id)
            .order_by(messages.c.id.desc())
            .limit(limit)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [(row.role, row.content) for row in reversed(rows)]

    async def session_history_async(
        self, user_id: str, session_id: str, limit: int = 20
    ) -> list[tuple[str, str]]:
        """`session_history` on the asyncio pool (db/aio.py), for the Leader's context."""
        async with async_pool(self.engine).connection() as conn:
            cur = await conn.execute(HISTORY_SQL, {"session": session_id, "user": user_id, "n": limit})
            return [(role, content) for role, content in await cur.fetchall()]

    def list_messages(self, user_id: str, session_id: str) -> list[MessageRecord]:
        """Every message of the user's session in order ([] for someone else's session)."""
        query = (
            select(messages)
            .join(sessions, sessions.c.id == messages.c.session_id)
            .where(sessions.c.id == session_id, sessions.c.user_id == user_id)
            .order_by(messages.c.id)
        )
        with self.engine.connect() as conn:
            return [from_row(MessageRecord, row) for row in conn.execute(query)]

    def messages_of_runs(self, user_id: str, run_ids: list[str]) -> list[MessageRecord]:
        """The messages the user's runs `run_ids` left (question and answer of each completed
        one), in order."""
        query = (
            select(messages)
            .join(sessions, sessions.c.id == messages.c.session_id)
            .where(messages.c.run_id.in_(run_ids), sessions.c.user_id == user_id)
            .order_by(messages.c.id)
        )
        with self.engine.connect() as conn:
            return [from_row(MessageRecord, row) for row in conn.execute(query)]


def claim_session(
    conn: Connection,
    user_id: str,
    session_id: str | None,
    title: str | None = None,
    metadata: dict[str, Any] | None = None,
) -> SessionRecord:
    """`create_or_get_session` inside the caller's transaction."""
    sid = session_id or str(uuid.uuid4())
    row = {"id": sid, "user_id": user_id, "title": title, "metadata": metadata or {}}
    # DO NOTHING waits for a concurrent insert of the same id, so the select sees the winner.
    conn.execute(insert(sessions).values(row).on_conflict_do_nothing(index_elements=["id"]))
    found = conn.execute(select(sessions).where(sessions.c.id == sid)).one()
    if found.user_id != user_id:
        raise SessionTaken(sid)
    return from_row(SessionRecord, found)


def touch(conn: Any, session_id: str) -> None:
    """Mark the session as just active, so it sorts first in the user's list."""
    conn.execute(sessions.update().where(sessions.c.id == session_id).values(updated_at=func.now()))
