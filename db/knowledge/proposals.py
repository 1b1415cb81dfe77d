"""Proposals: learnings and validated queries an agent saved for everyone, waiting for a person.

In PROPOSE mode an agent's global save lands with status 'proposed' and a row in `ai.proposals`.
Search shows it only to the user whose run produced it (db.knowledge.search). An admin approves it
(it goes live for everyone), edits it, or rejects it: the item stays in the database with status
'rejected', as a trace, and no search finds it any more.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, text

from db.embeddings import Embedder
from db.knowledge.documents import save_query
from db.knowledge.learnings import CreatedBy, SaveResult, edit_learning, save_learning

ITEM_KINDS = ("learning", "query")
DECISIONS = {"approve": ("approved", "live"), "reject": ("rejected", "rejected")}
ITEM_TABLE = {"learning": "ai.learnings", "query": "ai.documents"}
COLUMNS = """p.id, p.item_kind, p.item_id, p.status, p.created_by_agent, p.created_by_user, p.created_by_run,
 p.created_at, p.reviewed_by, p.reviewed_at, p.note, p.slack_channel, p.slack_ts,
 COALESCE(l.title, d.title, '(deleted)') AS title,
 COALESCE(l.learning, d.metadata ->> 'description', '') AS body,
 COALESCE(d.metadata ->> 'sql', '') AS sql,
 COALESCE(l.use_count, d.use_count, 0) AS use_count"""
FROM = """ai.proposals p
 LEFT JOIN ai.learnings l ON p.item_kind = 'learning' AND l.id = p.item_id
 LEFT JOIN ai.documents d ON p.item_kind = 'query' AND d.id = p.item_id"""


@dataclass(frozen=True)
class Proposal:
    """One item waiting for (or past) review, with who proposed it and who decided."""

    id: int
    item_kind: str
    item_id: int
    status: str
    created_by_agent: str | None
    created_by_user: str | None
    created_by_run: str | None
    created_at: datetime
    reviewed_by: str | None
    reviewed_at: datetime | None
    note: str
    slack_channel: str | None
    slack_ts: str | None
    title: str
    body: str
    sql: str
    use_count: int


def propose_learning(
    engine: Engine,
    embedder: Embedder,
    *,
    title: str,
    learning: str,
    context: str = "",
    created_by: CreatedBy,
) -> tuple[SaveResult, Proposal]:
    """Save a global learning as 'proposed' and queue it for review."""
    saved = save_learning(
        engine,
        embedder,
        title=title,
        learning=learning,
        context=context,
        created_by=created_by,
        status="proposed",
    )
    return saved, _queue(engine, "learning", saved.learning.id, created_by)


def propose_query(
    engine: Engine,
    embedder: Embedder,
    *,
    name: str,
    description: str,
    sql: str,
    created_by: CreatedBy,
    tables: Sequence[str] | None = None,
) -> Proposal:
    """Save a validated query as 'proposed' and queue it for review (`tables`: as for save_query)."""
    doc_id = save_query(
        engine,
        embedder,
        name=name,
        description=description,
        sql=sql,
        created_by=created_by,
        status="proposed",
        tables=tables,
    )
    return _queue(engine, "query", doc_id, created_by)


def _queue(engine: Engine, kind: str, item_id: int, by: CreatedBy) -> Proposal:
    with engine.begin() as conn:
        row = conn.execute(
            text(
                "INSERT INTO ai.proposals (item_kind, item_id, created_by_agent, created_by_user, created_by_run)"
                " VALUES (:kind, :id, :agent, :user, :run) ON CONFLICT (item_kind, item_id) DO UPDATE SET"
                " status = 'proposed', created_by_agent = EXCLUDED.created_by_agent,"
                " created_by_user = EXCLUDED.created_by_user, created_by_run = EXCLUDED.created_by_run,"
                " created_at = now(), reviewed_by = NULL, reviewed_at = NULL RETURNING id"
            ),
            {"kind": kind, "id": item_id, "agent": by.agent, "user": by.user, "run": by.run},
        ).one()
        return _get(conn, int(row[0]))  # type: ignore[return-value]


def list_proposals(
    engine: Engine, *, status: str | None = "proposed", kind: str | None = None, limit: int = 100
) -> list[Proposal]:
    """Newest first; `status` None lists every decision too."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                f"SELECT {COLUMNS} FROM {FROM} WHERE (CAST(:status AS text) IS NULL OR p.status = :status)"
                " AND (CAST(:kind AS text) IS NULL OR p.item_kind = :kind) ORDER BY p.created_at DESC, p.id DESC"
                " LIMIT :limit"
            ),
            {"status": status, "kind": kind, "limit": limit},
        )
        return [Proposal(**r._mapping) for r in rows]


def get_proposal(engine: Engine, proposal_id: int) -> Proposal | None:
    with engine.connect() as conn:
        return _get(conn, proposal_id)


def _get(conn: Connection, proposal_id: int) -> Proposal | None:
    row = conn.execute(text(f"SELECT {COLUMNS} FROM {FROM} WHERE p.id = :id"), {"id": proposal_id}).first()
    return None if row is None else Proposal(**row._mapping)


def decide(
    engine: Engine, proposal_id: int, decision: str, *, reviewer: str, note: str = ""
) -> Proposal | None:
    """Approve (the item goes live for everyone) or reject (kept as a trace, searched by no one).

    None when there is no such proposal. Deciding again changes the decision (an approved item can
    still be rejected later, and the other way round)."""
    proposal_status, item_status = DECISIONS[decision]
    with engine.begin() as conn:
        row = conn.execute(
            text(
                "UPDATE ai.proposals SET status = :status, reviewed_by = :who, reviewed_at = now(),"
                " note = CASE WHEN :note = '' THEN note ELSE :note END WHERE id = :id RETURNING item_kind, item_id"
            ),
            {"status": proposal_status, "who": reviewer, "note": note, "id": proposal_id},
        ).first()
        if row is None:
            return None
        conn.execute(
            text(
                f"UPDATE {ITEM_TABLE[row.item_kind]} SET status = :status, reviewed_by = :who,"
                " reviewed_at = now() WHERE id = :id"
            ),
            {"status": item_status, "who": reviewer, "id": row.item_id},
        )
        return _get(conn, proposal_id)


def approve_proposal(engine: Engine, proposal_id: int, *, reviewer: str, note: str = "") -> Proposal | None:
    return decide(engine, proposal_id, "approve", reviewer=reviewer, note=note)


def reject_proposal(engine: Engine, proposal_id: int, *, reviewer: str, note: str = "") -> Proposal | None:
    return decide(engine, proposal_id, "reject", reviewer=reviewer, note=note)


def edit_proposal(
    engine: Engine, embedder: Embedder, proposal_id: int, changes: dict[str, Any]
) -> Proposal | None:
    """Change a proposed item's text before deciding: learnings take title/learning/context, queries
    title/description/sql. None when there is no such proposal."""
    current = get_proposal(engine, proposal_id)
    if current is None:
        return None
    if current.item_kind == "learning":
        edit_learning(
            engine,
            embedder,
            current.item_id,
            title=changes.get("title"),
            learning=changes.get("learning") or changes.get("body"),
            context=changes.get("context"),
        )
    else:
        _edit_query(engine, embedder, current, changes)
    return get_proposal(engine, proposal_id)


def _edit_query(engine: Engine, embedder: Embedder, current: Proposal, changes: dict[str, Any]) -> None:
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT name, namespace, status, created_by FROM ai.documents WHERE id = :id"),
            {"id": current.item_id},
        ).one()
    by = CreatedBy(row.created_by.get("agent"), row.created_by.get("user"), row.created_by.get("run"))
    save_query(
        engine,
        embedder,
        name=row.name,
        description=changes.get("description") or changes.get("body") or current.body,
        sql=changes.get("sql") or current.sql,
        namespace=row.namespace,
        created_by=by,
        status=row.status,
    )


def set_slack_message(engine: Engine, proposal_id: int, channel: str, ts: str) -> None:
    """Remember the review message posted for this proposal (to update it after a decision)."""
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE ai.proposals SET slack_channel = :c, slack_ts = :ts WHERE id = :id"),
            {"c": channel, "ts": ts, "id": proposal_id},
        )


def pending_count(engine: Engine, kinds: Sequence[str] = ITEM_KINDS) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                text("SELECT count(*) FROM ai.proposals WHERE status = 'proposed' AND item_kind = ANY(:k)"),
                {"k": list(kinds)},
            ).scalar_one()
        )
