"""Learnings: what the agents found out at run time (error fixes, corrections, quirks).

Auditable and reversible: each records who or what created it and how often it was used, and can be
listed, edited and deleted. Saving a near-duplicate (same title, or cosine similarity >= 0.92 within
the same namespace) updates the existing learning instead of piling up copies.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, text

from db.embeddings import Embedder
from db.knowledge.search import visible_namespaces
from db.knowledge.vectors import embed_texts, ensure_embedder

DUPLICATE_SIMILARITY = 0.92
COLUMNS = (
    "id, title, learning, context, tags, namespace, created_by_agent, created_by_user, created_by_run,"
    " created_at, updated_at, use_count, last_used_at, status, merged_into, flag, reviewed_by, reviewed_at"
)
REVIEWER_OR_VISIBLE = "(CAST(:reviewer AS boolean) OR status = 'live' OR (status = 'proposed' AND created_by_user = CAST(:me AS text)))"
# Statuses search never returns (rejected, archived, merged): kept as a trace, restorable.
STATUSES = ("live", "proposed", "rejected", "archived", "merged")
TSV = (
    "setweight(to_tsvector('english', :title), 'A') || "
    "setweight(to_tsvector('english', :learning || ' ' || :context || ' ' || :tag_text), 'B')"
)


@dataclass(frozen=True)
class CreatedBy:
    agent: str | None = None
    user: str | None = None
    run: str | None = None


@dataclass(frozen=True)
class Learning:
    id: int
    title: str
    learning: str
    context: str
    tags: tuple[str, ...]
    namespace: str
    created_by_agent: str | None
    created_by_user: str | None
    created_by_run: str | None
    created_at: datetime
    updated_at: datetime
    use_count: int
    last_used_at: datetime | None
    status: str = "live"
    merged_into: int | None = None
    flag: str | None = None
    reviewed_by: str | None = None
    reviewed_at: datetime | None = None


@dataclass(frozen=True)
class SaveResult:
    learning: Learning
    created: bool  # False: an existing near-duplicate was updated instead


def namespace_for(user_id: str | None) -> str:
    """'global' for shared learnings, 'user:<id>' for one person's."""
    return f"user:{user_id}" if user_id else "global"


def learning_text(title: str, learning: str, context: str) -> str:
    """What is embedded (matches db.knowledge.vectors.fill_missing)."""
    return f"{title}\n{learning}\n{context}"


def save_learning(
    engine: Engine,
    embedder: Embedder,
    *,
    title: str,
    learning: str,
    context: str = "",
    tags: Sequence[str] = (),
    namespace: str = "global",
    created_by: CreatedBy | None = None,
    status: str = "live",
) -> SaveResult:
    """Add a learning, or update its near-duplicate in the same namespace.

    A `proposed` learning (PROPOSE mode) only ever updates a proposal by the same user, never a live
    learning: changing shared knowledge goes through review (db.knowledge.proposals).
    """
    if not title.strip() or not learning.strip():
        raise ValueError("a learning needs a non-empty title and learning text")
    by = created_by or CreatedBy()
    vector = embed_texts(embedder, [learning_text(title, learning, context)])[0]
    values = {
        "title": title.strip(),
        "learning": learning.strip(),
        "context": context.strip(),
        "tags": sorted(set(tags)),
        "tag_text": " ".join(tags),
        "ns": namespace,
        "v": vector,
        "status": status,
        "user": by.user,
    }
    with engine.begin() as conn:
        ensure_embedder(conn, embedder)
        # Serialise saves per namespace so two agents cannot both insert the same new learning.
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:ns))"), values)
        duplicate = _near_duplicate(conn, values)
        if duplicate is not None:
            return SaveResult(_update(conn, duplicate, values), created=False)
        row = conn.execute(
            text(
                "INSERT INTO ai.learnings (title, learning, context, tags, namespace, created_by_agent,"
                " created_by_user, created_by_run, embedding, tsv, status) VALUES (:title, :learning, :context, :tags,"
                f" :ns, :agent, :user, :run, CAST(:v AS vector), {TSV}, :status) RETURNING {COLUMNS}"
            ),
            {**values, "agent": by.agent, "run": by.run},
        ).one()
    return SaveResult(_learning(row), created=True)


def _near_duplicate(conn: Connection, values: Mapping[str, object]) -> int | None:
    row = conn.execute(
        text(
            "SELECT id FROM ai.learnings WHERE namespace = :ns AND status = :status"
            " AND (status = 'live' OR created_by_user IS NOT DISTINCT FROM :user) AND (lower(title) = lower(:title)"
            " OR 1 - (embedding <=> CAST(:v AS vector)) >= :threshold)"
            " ORDER BY lower(title) = lower(:title) DESC, embedding <=> CAST(:v AS vector) LIMIT 1"
        ),
        {**values, "threshold": DUPLICATE_SIMILARITY},
    ).first()
    return None if row is None else int(row[0])


def _update(conn: Connection, learning_id: int, values: Mapping[str, object]) -> Learning:
    row = conn.execute(
        text(
            "UPDATE ai.learnings SET title = :title, learning = :learning, context = :context,"
            " tags = ARRAY(SELECT DISTINCT unnest(tags || CAST(:tags AS text[])) ORDER BY 1),"
            f" embedding = CAST(:v AS vector), tsv = {TSV}, updated_at = now()"
            f" WHERE id = :id RETURNING {COLUMNS}"
        ),
        {**values, "id": learning_id},
    ).one()
    return _learning(row)


def list_learnings(
    engine: Engine,
    *,
    user_id: str | None = None,
    namespaces: Sequence[str] | None = None,
    limit: int = 100,
    offset: int = 0,
    reviewer: bool = True,
) -> list[Learning]:
    """Newest first, scoped to what the caller may see (global + their own namespace). Not a
    `reviewer` (admin): only live learnings and the caller's own proposals, as search shows them."""
    ns = list(namespaces) if namespaces is not None else visible_namespaces(user_id)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                f"SELECT {COLUMNS} FROM ai.learnings WHERE namespace = ANY(:ns) AND {REVIEWER_OR_VISIBLE}"
                " ORDER BY updated_at DESC, id DESC LIMIT :limit OFFSET :offset"
            ),
            {"ns": ns, "limit": limit, "offset": offset, "reviewer": reviewer, "me": user_id},
        )
        return [_learning(r) for r in rows]


def get_learning(
    engine: Engine,
    learning_id: int,
    *,
    namespaces: Sequence[str] | None = None,
    viewer: str | None = None,
) -> Learning | None:
    """One learning, or None when it does not exist or lies outside `namespaces` (None: any). With a
    `viewer` (not an admin), only a live learning or that viewer's own proposal is found."""
    with engine.connect() as conn:
        row = conn.execute(
            text(
                f"SELECT {COLUMNS} FROM ai.learnings WHERE id = :id AND (:any OR namespace = ANY(:ns))"
                f" AND {REVIEWER_OR_VISIBLE}"
            ),
            {
                "id": learning_id,
                "any": namespaces is None,
                "ns": list(namespaces or []),
                "reviewer": viewer is None,
                "me": viewer,
            },
        ).first()
    return None if row is None else _learning(row)


def edit_learning(
    engine: Engine,
    embedder: Embedder,
    learning_id: int,
    *,
    title: str | None = None,
    learning: str | None = None,
    context: str | None = None,
    tags: Sequence[str] | None = None,
    namespaces: Sequence[str] | None = None,
) -> Learning | None:
    """Change some fields (re-embedding the text); None when not found or not visible."""
    current = get_learning(engine, learning_id, namespaces=namespaces)
    if current is None:
        return None
    new_title, new_learning = title or current.title, learning or current.learning
    new_context = current.context if context is None else context
    new_tags = list(current.tags if tags is None else tags)
    values = {
        "id": learning_id,
        "title": new_title,
        "learning": new_learning,
        "context": new_context,
        "tags": sorted(set(new_tags)),
        "tag_text": " ".join(new_tags),
        "v": embed_texts(embedder, [learning_text(new_title, new_learning, new_context)])[0],
    }
    with engine.begin() as conn:
        row = conn.execute(
            text(
                f"UPDATE ai.learnings SET title = :title, learning = :learning, context = :context, tags = :tags,"
                f" embedding = CAST(:v AS vector), tsv = {TSV}, updated_at = now() WHERE id = :id RETURNING {COLUMNS}"
            ),
            values,
        ).one()
    return _learning(row)


def delete_learning(engine: Engine, learning_id: int, *, namespaces: Sequence[str] | None = None) -> bool:
    """Delete one learning; False when it does not exist or is not visible to the caller."""
    with engine.begin() as conn:
        result = conn.execute(
            text("DELETE FROM ai.learnings WHERE id = :id AND (:any OR namespace = ANY(:ns))"),
            {"id": learning_id, "any": namespaces is None, "ns": list(namespaces or [])},
        )
    return bool(result.rowcount)


def record_use(engine: Engine, learning_ids: Sequence[int]) -> None:
    """Count that these learnings were put in front of an agent (use_count, last_used_at)."""
    if not learning_ids:
        return
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE ai.learnings SET use_count = use_count + 1, last_used_at = now() WHERE id = ANY(:ids)"
            ),
            {"ids": list(learning_ids)},
        )


def _learning(row: object) -> Learning:
    values = dict(row._mapping)  # type: ignore[attr-defined]
    values["tags"] = tuple(values["tags"] or ())
    return Learning(**values)
