"""How often a question was answered lately, counted in PostgreSQL (the Leader's repeated-question note).

A question is its set of content words and two questions are the same when those sets overlap by
at least `SIMILAR` (Jaccard): "What's the revenue by region?" and "revenue by region" are one question.
Migration 110 defines that once, in SQL: `ai.runs.question_words` holds each question's words and
`ai.word_overlap()` compares two of them. A pg_trgm index on the words finds the candidates when
few runs are alike (the planner scans when many are), identical word strings are compared once, and
one statement returns one number instead of a page of questions. The trigram filter (pg_trgm's default 0.3) keeps every real match unless the words that
differ are, together, over twice as long as the shared ones, which questions do not do.
All users' runs count: the note says how often, never who asked or what they got.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, text

from db.aio import AsyncConnection

SIMILAR = 0.8

COUNT = (
    # The asked words are a constant at planning (an immutable function of a parameter), so the
    # planner weighs the trigram index against a scan. MATERIALIZED: the exact comparison runs
    # once per distinct word string, not once per run.
    "WITH candidates AS MATERIALIZED (SELECT question_words AS words, count(*) AS n FROM ai.runs"
    " WHERE status = 'completed' AND created_at > now() - :window"
    " AND question_words % ai.content_words(:question) GROUP BY question_words)"
    " SELECT coalesce(sum(n), 0) FROM candidates"
    " WHERE ai.word_overlap(words, ai.content_words(:question)) >= :similar"
)
COUNT_SQL = text(COUNT)
# The same for psycopg: its placeholders, and pg_trgm's `%` doubled.
COUNT_PSYCOPG = (
    COUNT.replace("%", "%%")
    .replace(":window", "%(window)s")
    .replace(":question", "%(question)s")
    .replace(":similar", "%(similar)s")
)


def times_asked(engine: Engine, question: str, window: timedelta) -> int:
    """How many completed runs within `window` asked the same question (all users)."""
    params = {"question": question, "window": window, "similar": SIMILAR}
    with engine.connect() as conn:
        return int(conn.execute(COUNT_SQL, params).scalar_one())


async def times_asked_async(conn: AsyncConnection, question: str, window: timedelta) -> int:
    """`times_asked` on an asyncio connection (db/aio.py), for the Leader's context."""
    params = {"question": question, "window": window, "similar": SIMILAR}
    # Never prepared: a generic plan could not weigh the trigram index against the asked words.
    row = await (await conn.execute(COUNT_PSYCOPG, params, prepare=False)).fetchone()
    return int(row[0]) if row else 0
