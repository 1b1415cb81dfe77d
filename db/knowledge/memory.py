"""User memory: facts and preferences one person stated ("amounts in EUR", "I work on EMEA").

Each row belongs to one user and is read only for that user: every function takes the user id and
filters by it, so another user's memory is simply not found. Saved by the `remember` tool when the
user states a fact, or explicitly (REST, CLI, Slack); listed, edited and forgotten by the user.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from psycopg.rows import class_row
from sqlalchemy import Engine, text

from db.aio import AsyncConnection

COLUMNS = "id, user_id, fact, source, created_by_agent, created_by_run, created_at, updated_at, use_count, last_used_at"
MAX_FACT_CHARS = 500
SOURCES = ("tool", "command", "slack", "api")


@dataclass(frozen=True)
class Memory:
    id: int
    user_id: str
    fact: str
    source: str
    created_by_agent: str | None
    created_by_run: str | None
    created_at: datetime
    updated_at: datetime
    use_count: int
    last_used_at: datetime | None


def _checked(fact: str) -> str:
    cleaned = " ".join(fact.split())
    if not cleaned:
        raise ValueError("a memory needs some text, e.g. 'amounts in EUR'")
    if len(cleaned) > MAX_FACT_CHARS:
        raise ValueError(f"a memory is at most {MAX_FACT_CHARS} characters; this one has {len(cleaned)}")
    return cleaned


def remember(
    engine: Engine,
    user_id: str,
    fact: str,
    *,
    source: str = "command",
    agent: str | None = None,
    run: str | None = None,
) -> Memory:
    """Save one fact for `user_id` (saying the same thing again only touches it)."""
    with engine.begin() as conn:
        row = conn.execute(
            text(
                "INSERT INTO ai.user_memory (user_id, fact, source, created_by_agent, created_by_run)"
                " VALUES (:user, :fact, :source, :agent, :run) ON CONFLICT (user_id, fact) DO UPDATE"
                f" SET updated_at = now() RETURNING {COLUMNS}"
            ),
            {"user": user_id, "fact": _checked(fact), "source": source, "agent": agent, "run": run},
        ).one()
    return Memory(**row._mapping)


def list_memory(engine: Engine, user_id: str, *, limit: int = 200) -> list[Memory]:
    """This user's memory, newest first."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                f"SELECT {COLUMNS} FROM ai.user_memory WHERE user_id = :user"
                " ORDER BY updated_at DESC, id DESC LIMIT :limit"
            ),
            {"user": user_id, "limit": limit},
        )
        return [Memory(**r._mapping) for r in rows]


def get_memory(engine: Engine, user_id: str, memory_id: int) -> Memory | None:
    with engine.connect() as conn:
        row = conn.execute(
            text(f"SELECT {COLUMNS} FROM ai.user_memory WHERE id = :id AND user_id = :user"),
            {"id": memory_id, "user": user_id},
        ).first()
    return None if row is None else Memory(**row._mapping)


def edit_memory(engine: Engine, user_id: str, memory_id: int, fact: str) -> Memory | None:
    """Reword one of this user's facts; None when it is not theirs or does not exist."""
    with engine.begin() as conn:
        row = conn.execute(
            text(
                "UPDATE ai.user_memory SET fact = :fact, updated_at = now() WHERE id = :id AND user_id = :user"
                f" RETURNING {COLUMNS}"
            ),
            {"id": memory_id, "user": user_id, "fact": _checked(fact)},
        ).first()
    return None if row is None else Memory(**row._mapping)


def forget(engine: Engine, user_id: str, memory_id: int) -> bool:
    """Delete one of this user's facts (the user's own decision: no trace is kept of what they unsaid)."""
    with engine.begin() as conn:
        result = conn.execute(
            text("DELETE FROM ai.user_memory WHERE id = :id AND user_id = :user"),
            {"id": memory_id, "user": user_id},
        )
    return bool(result.rowcount)


def forget_matching(engine: Engine, user_id: str, words: str) -> list[Memory]:
    """Forget this user's facts containing `words` (case-insensitive); '' matches nothing."""
    if not words.strip():
        return []
    with engine.begin() as conn:
        rows = conn.execute(
            text(
                "DELETE FROM ai.user_memory WHERE user_id = :user AND strpos(lower(fact), lower(:words)) > 0"
                f" RETURNING {COLUMNS}"
            ),
            {"user": user_id, "words": words.strip()},
        )
        return [Memory(**r._mapping) for r in rows]


def forget_everything(engine: Engine, user_id: str) -> int:
    with engine.begin() as conn:
        return int(
            conn.execute(text("DELETE FROM ai.user_memory WHERE user_id = :user"), {"user": user_id}).rowcount
        )


def record_memory_use(engine: Engine, memory_ids: list[int]) -> None:
    """Count that these facts were put in front of an agent."""
    if not memory_ids:
        return
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE ai.user_memory SET use_count = use_count + 1, last_used_at = now() WHERE id = ANY(:ids)"
            ),
            {"ids": memory_ids},
        )


RECALL_SQL = (
    # One statement reads the newest facts and counts their use (the UPDATE sees the same rows).
    f"WITH recalled AS (SELECT {COLUMNS} FROM ai.user_memory WHERE user_id = %(user)s"
    " ORDER BY updated_at DESC, id DESC LIMIT %(limit)s),"
    " used AS (UPDATE ai.user_memory SET use_count = use_count + 1, last_used_at = now()"
    " WHERE id IN (SELECT id FROM recalled))"
    " SELECT * FROM recalled ORDER BY updated_at DESC, id DESC"
)


async def recall_memory(conn: AsyncConnection, user_id: str, limit: int) -> list[Memory]:
    """This user's newest `limit` facts, counted as put in front of an agent: one statement on an
    asyncio connection (db/aio.py), for the context of a question."""
    cur = conn.cursor(row_factory=class_row(Memory))
    await cur.execute(RECALL_SQL, {"user": user_id, "limit": limit})
    return await cur.fetchall()
