"""Documents the agents save at run time: validated queries (kind 'query') and view notes ('view').

They live in `ai.documents` next to the curated ones, so one search finds both, but with origin
'agent': loading files, removing files and `--recreate` never delete them. Only `delete_document`
(a person's decision) does.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine, text

from db.embeddings import Embedder
from db.knowledge.learnings import CreatedBy
from db.knowledge.loader import DOC_TSV, search_head
from db.knowledge.problems import Document
from db.knowledge.render import tables_in
from db.knowledge.vectors import embed_texts, ensure_embedder

AGENT_KINDS = ("query", "view")


class DocumentConflict(ValueError):
    """A curated document already uses this kind and name."""


def save_document(
    engine: Engine,
    embedder: Embedder,
    doc: Document,
    *,
    namespace: str = "global",
    created_by: CreatedBy | None = None,
    status: str = "live",
) -> int:
    """Insert or replace an agent document (same kind + namespace + name); returns its id.

    A document replaces only one of the same status (or a rejected one): a proposal never
    overwrites live knowledge before review."""
    if doc.kind not in AGENT_KINDS:
        raise ValueError(f"agents may save kinds {', '.join(AGENT_KINDS)}, not {doc.kind!r}")
    by = created_by or CreatedBy()
    params = {
        "kind": doc.kind,
        "name": doc.name,
        "ns": namespace,
        "title": doc.title,
        "summary": doc.summary,
        "content": doc.content,
        "metadata": json.dumps({**doc.metadata, "origin": "agent"}),
        "hash": doc.content_hash,
        "by": json.dumps({"agent": by.agent, "user": by.user, "run": by.run}),
        "vector": embed_texts(embedder, [doc.embed_text])[0],
        "head": search_head(doc.name, doc.title),
        "status": status,
    }
    with engine.begin() as conn:
        ensure_embedder(conn, embedder)
        row = conn.execute(
            text(
                "INSERT INTO ai.documents (kind, name, namespace, origin, title, summary, content, metadata,"
                " content_hash, created_by, embedding, tsv, status) VALUES (:kind, :name, :ns, 'agent', :title, :summary,"
                f" :content, CAST(:metadata AS jsonb), :hash, CAST(:by AS jsonb), CAST(:vector AS vector), {DOC_TSV},"
                " :status)"
                " ON CONFLICT (kind, namespace, name) DO UPDATE SET title = EXCLUDED.title, summary = EXCLUDED.summary,"
                " content = EXCLUDED.content, metadata = EXCLUDED.metadata, content_hash = EXCLUDED.content_hash,"
                " embedding = EXCLUDED.embedding, tsv = EXCLUDED.tsv, status = EXCLUDED.status,"
                " created_by = CASE WHEN EXCLUDED.status = 'proposed' THEN EXCLUDED.created_by ELSE ai.documents.created_by END,"
                " updated_at = now() WHERE ai.documents.origin = 'agent'"
                " AND ai.documents.status IN (EXCLUDED.status, 'rejected') RETURNING id"
            ),
            params,
        ).first()
    if row is None:
        raise DocumentConflict(
            f"a curated or approved {doc.kind} named {doc.name!r} exists; choose another name"
        )
    return int(row[0])


def save_query(
    engine: Engine,
    embedder: Embedder,
    *,
    name: str,
    description: str,
    sql: str,
    namespace: str = "global",
    created_by: CreatedBy | None = None,
    status: str = "live",
    tables: Sequence[str] | None = None,
) -> int:
    """Save a query an agent ran and validated, so later questions find it like a curated one.

    `tables`: what it reads, when the caller has the guard's parse of it (else it is parsed here)."""
    read = list(tables) if tables is not None else tables_in(sql)
    metadata: dict[str, Any] = {"description": description, "sql": sql, "tables": read}
    content = f"Query {name}: {description}\nSQL:\n{sql}"
    doc = Document("query", name, description, content, metadata, summary=description)
    return save_document(engine, embedder, doc, namespace=namespace, created_by=created_by, status=status)


def save_view_note(
    engine: Engine,
    embedder: Embedder,
    *,
    name: str,
    description: str,
    sql: str = "",
    columns: dict[str, str] | None = None,
    created_by: CreatedBy | None = None,
) -> int:
    """Record a view or summary table the Engineer built in `dash`, so the Analyst finds and uses it."""
    lines = [f"View {name}: {description}"]
    lines += [f"- {col}: {meaning}" for col, meaning in (columns or {}).items()]
    if sql:
        lines += ["Definition:", sql]
    metadata: dict[str, Any] = {"description": description, "sql": sql, "columns": list(columns or {})}
    doc = Document("view", name, description, "\n".join(lines), metadata, summary="\n".join(lines[:20]))
    return save_document(engine, embedder, doc, created_by=created_by)


def delete_document(engine: Engine, kind: str, name: str, *, namespace: str = "global") -> bool:
    """Delete an agent-saved document; curated ones are removed by editing the files instead."""
    with engine.begin() as conn:
        result = conn.execute(
            text(
                "DELETE FROM ai.documents WHERE origin = 'agent' AND kind = :kind AND name = :name"
                " AND namespace = :ns"
            ),
            {"kind": kind, "name": name, "ns": namespace},
        )
    return bool(result.rowcount)


def record_query_use(engine: Engine, doc_ids: list[int]) -> None:
    """Count that these validated queries were put in front of an agent (use_count, last_used_at)."""
    if not doc_ids:
        return
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE ai.documents SET use_count = use_count + 1, last_used_at = now() WHERE id = ANY(:ids)"
            ),
            {"ids": doc_ids},
        )
