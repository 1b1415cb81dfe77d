"""Feedback on answers: one 👍/👎 (and an optional comment) per person per run, in `ai.feedback`.

Only the run's own user may rate it: a run of someone else's looks exactly like a missing one
(None). Each record keeps the SQL that ran successfully for the answer (copied from the audit
trail), and links to what the system made of it: a correction learning, a proposed query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Connection, Engine, text

COLUMNS = (
    "f.id, f.run_id, f.user_id, f.rating, f.comment, f.source, f.sql, f.learning_id, f.query_id, f.proposal_id,"
    " f.created_at, f.updated_at, r.session_id, r.question"
)
SQL_THAT_RAN = text(
    "SELECT sql FROM ai.sql_audit WHERE run_id = :run AND agent = 'analyst' AND decision = 'allowed'"
    " AND error IS NULL AND finished_at IS NOT NULL ORDER BY id"
)
UPSERT = text(
    "INSERT INTO ai.feedback (run_id, user_id, rating, comment, source, sql)"
    " VALUES (:run, :user, :rating, :comment, :source, :sql)"
    " ON CONFLICT (run_id, user_id) DO UPDATE SET rating = EXCLUDED.rating, comment = EXCLUDED.comment,"
    " source = EXCLUDED.source, sql = EXCLUDED.sql, updated_at = now() RETURNING id"
)


class Rating(StrEnum):
    up = "up"
    down = "down"


@dataclass(frozen=True)
class RatedRun:
    """The run a piece of feedback is about: what was asked, answered, and the SQL that ran."""

    run_id: str
    session_id: str
    user_id: str
    question: str
    answer: str
    sql: tuple[str, ...]
    status: str = "completed"


@dataclass(frozen=True)
class Feedback:
    id: int
    run_id: str
    user_id: str
    rating: Rating
    comment: str
    source: str
    sql: tuple[str, ...]
    learning_id: int | None
    query_id: int | None
    proposal_id: int | None
    created_at: datetime
    updated_at: datetime
    session_id: str
    question: str


@dataclass(frozen=True)
class FeedbackFilter:
    """What the data team lists: all by default, newest first."""

    rating: Rating | None = None
    user_id: str | None = None
    since: datetime | None = None
    limit: int = 50
    offset: int = 0


def rated_run(engine: Engine, user_id: str, run_id: str) -> RatedRun | None:
    """The user's own run with its SQL; None when missing or someone else's."""
    with engine.connect() as conn:
        return _rated_run(conn, user_id, run_id)


def _rated_run(conn: Connection, user_id: str, run_id: str) -> RatedRun | None:
    row = conn.execute(
        text("SELECT session_id, question, answer, status FROM ai.runs WHERE id = :run AND user_id = :user"),
        {"run": run_id, "user": user_id},
    ).first()
    if row is None:
        return None
    sql = tuple(conn.execute(SQL_THAT_RAN, {"run": run_id}).scalars())
    return RatedRun(run_id, row.session_id, user_id, row.question, row.answer or "", sql, row.status)


def record_feedback(
    engine: Engine, user_id: str, run_id: str, rating: Rating, comment: str = "", source: str = "rest"
) -> Feedback | None:
    """Store (or change) the user's feedback on their run; None when the run is not theirs."""
    with engine.begin() as conn:
        run = _rated_run(conn, user_id, run_id)
        if run is None:
            return None
        values = {"run": run_id, "user": user_id, "rating": rating.value, "comment": comment.strip()}
        feedback_id = conn.execute(UPSERT, {**values, "source": source, "sql": list(run.sql)}).scalar_one()
        return _get(conn, int(feedback_id))


def link_outcome(
    engine: Engine,
    feedback_id: int,
    *,
    learning_id: int | None = None,
    query_id: int | None = None,
    proposal_id: int | None = None,
) -> Feedback:
    """Remember the learning or (proposed) query the system made of this feedback."""
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE ai.feedback SET learning_id = coalesce(:learning, learning_id),"
                " query_id = coalesce(:query, query_id), proposal_id = coalesce(:proposal, proposal_id)"
                " WHERE id = :id"
            ),
            {"id": feedback_id, "learning": learning_id, "query": query_id, "proposal": proposal_id},
        )
        return _get(conn, feedback_id)


def feedback_on(engine: Engine, user_id: str, run_id: str) -> Feedback | None:
    """The user's feedback on one run, if any."""
    with engine.connect() as conn:
        row = conn.execute(
            text(
                f"SELECT {COLUMNS} FROM ai.feedback f JOIN ai.runs r ON r.id = f.run_id"
                " WHERE f.run_id = :run AND f.user_id = :user"
            ),
            {"run": run_id, "user": user_id},
        ).first()
    return None if row is None else _feedback(row)


def list_feedback(engine: Engine, where: FeedbackFilter = FeedbackFilter()) -> list[Feedback]:
    """Newest first, filtered by rating, user and time."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                f"SELECT {COLUMNS} FROM ai.feedback f JOIN ai.runs r ON r.id = f.run_id"
                " WHERE (CAST(:rating AS text) IS NULL OR f.rating = :rating)"
                " AND (CAST(:user AS text) IS NULL OR f.user_id = :user)"
                " AND (CAST(:since AS timestamptz) IS NULL OR f.created_at >= :since)"
                " ORDER BY f.created_at DESC, f.id DESC LIMIT :limit OFFSET :offset"
            ),
            {
                "rating": where.rating.value if where.rating else None,
                "user": where.user_id,
                "since": where.since,
                "limit": where.limit,
                "offset": where.offset,
            },
        )
        return [_feedback(r) for r in rows]


def _get(conn: Connection, feedback_id: int) -> Feedback:
    row = conn.execute(
        text(f"SELECT {COLUMNS} FROM ai.feedback f JOIN ai.runs r ON r.id = f.run_id WHERE f.id = :id"),
        {"id": feedback_id},
    ).one()
    return _feedback(row)


def _feedback(row: object) -> Feedback:
    values = dict(row._mapping)  # type: ignore[attr-defined]
    return Feedback(**{**values, "rating": Rating(values["rating"]), "sql": tuple(values["sql"] or ())})
