"""Load the curated knowledge files into `ai.documents`: validate all, then upsert by content hash.

Everything happens in one transaction: a load either applies completely or not at all. Only curated
documents (origin 'curated') are added, changed or removed here; what agents saved is never touched.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine, text

from db.embeddings import Embedder
from db.knowledge.company import store_company
from db.knowledge.files import read_knowledge
from db.knowledge.problems import Document, KnowledgeInvalid, Problem
from db.knowledge.profile_store import stored_profiles
from db.knowledge.search_terms import name_words
from db.knowledge.vectors import (
    create_vector_index,
    drop_vector_index,
    embed_texts,
    ensure_embedder,
    fill_missing,
)

LOCK_KEY = 0x0DA5_0020
BULK = 500  # from this many writes on, drop the HNSW index and rebuild it once afterwards
DOC_TSV = (
    "setweight(to_tsvector('english', :head), 'A') || setweight(to_tsvector('english', :summary), 'B')"
    " || setweight(to_tsvector('english', :content), 'C')"
)


@dataclass(frozen=True)
class LoadReport:
    added: int
    updated: int
    unchanged: int
    removed: int
    reembedded: int = 0

    def summary(self) -> str:
        line = (
            f"added {self.added}, updated {self.updated}, unchanged {self.unchanged}, removed {self.removed}"
        )
        return line + (
            f" (re-embedded {self.reembedded} kept documents and learnings)" if self.reembedded else ""
        )


def validate_knowledge(path: Path) -> list[Problem]:
    """Every problem in the knowledge folder, without touching the database."""
    return read_knowledge(path).problems


def load_knowledge(engine: Engine, embedder: Embedder, path: Path, *, recreate: bool = False) -> LoadReport:
    """Validate `path`, then upsert its documents; raises KnowledgeInvalid (nothing loaded) on problems.

    Table documents carry the latest stored profile (ai.table_profiles) where there is one.
    """
    with engine.connect() as conn:
        profiles = stored_profiles(conn)
    knowledge = read_knowledge(path, profiles)
    if knowledge.problems:
        raise KnowledgeInvalid(knowledge.problems)
    with engine.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": LOCK_KEY})
        retyped = ensure_embedder(conn, embedder, recreate=recreate)
        _refuse_agent_collisions(conn, knowledge.documents)
        report = _apply(conn, embedder, knowledge.documents, recreate=recreate or retyped)
        store_company(conn, knowledge.company)
        reembedded = fill_missing(conn, embedder) if retyped else 0
        for table in ("documents", "learnings"):
            create_vector_index(conn, table)
    return LoadReport(report.added, report.updated, report.unchanged, report.removed, reembedded)


def _apply(conn: Connection, embedder: Embedder, docs: list[Document], *, recreate: bool) -> LoadReport:
    existing = _existing(conn)
    if recreate:
        conn.execute(text("DELETE FROM ai.documents WHERE origin = 'curated'"))
        to_insert, to_update, unchanged, removed = docs, [], 0, list(existing.values())
    else:
        to_insert = [d for d in docs if (d.kind, d.name) not in existing]
        to_update = [
            d
            for d in docs
            if (d.kind, d.name) in existing and existing[(d.kind, d.name)][1] != d.content_hash
        ]
        unchanged = len(docs) - len(to_insert) - len(to_update)
        keep = {(d.kind, d.name) for d in docs}
        removed = [row for key, row in existing.items() if key not in keep]
    if len(to_insert) + len(to_update) >= BULK:
        drop_vector_index(conn, "documents")
    if removed:
        conn.execute(text("DELETE FROM ai.documents WHERE id = ANY(:ids)"), {"ids": [r[0] for r in removed]})
    _write(conn, embedder, to_insert + to_update)
    return LoadReport(len(to_insert), len(to_update), unchanged, len(removed))


def _existing(conn: Connection) -> dict[tuple[str, str], tuple[int, str]]:
    rows = conn.execute(
        text(
            "SELECT kind, name, id, content_hash FROM ai.documents WHERE origin = 'curated' AND namespace = 'global'"
        )
    )
    return {(r.kind, r.name): (r.id, r.content_hash) for r in rows}


def _refuse_agent_collisions(conn: Connection, docs: list[Document]) -> None:
    rows = conn.execute(
        text("SELECT kind, name FROM ai.documents WHERE origin = 'agent' AND namespace = 'global'")
    )
    taken = {(r.kind, r.name) for r in rows}
    problems = [
        Problem(
            d.source_file or "?",
            d.source_line or 0,
            "name",
            f"an agent already saved a {d.kind} named {d.name!r}; rename this one",
        )
        for d in docs
        if (d.kind, d.name) in taken
    ]
    if problems:
        raise KnowledgeInvalid(problems)


def _write(conn: Connection, embedder: Embedder, docs: list[Document]) -> None:
    """Insert or replace curated documents (the unique key is kind + namespace + name)."""
    if not docs:
        return
    vectors = embed_texts(embedder, [d.embed_text for d in docs])
    conn.execute(
        text(
            "INSERT INTO ai.documents (kind, name, namespace, origin, title, summary, content, metadata, content_hash,"
            " source_file, source_line, embedding, tsv)"
            " VALUES (:kind, :name, 'global', 'curated', :title, :summary, :content, CAST(:metadata AS jsonb), :hash,"
            f" :file, :line, CAST(:vector AS vector), {DOC_TSV})"
            " ON CONFLICT (kind, namespace, name) DO UPDATE SET title = EXCLUDED.title, summary = EXCLUDED.summary,"
            " content = EXCLUDED.content, metadata = EXCLUDED.metadata, content_hash = EXCLUDED.content_hash,"
            " source_file = EXCLUDED.source_file, source_line = EXCLUDED.source_line,"
            " embedding = EXCLUDED.embedding, tsv = EXCLUDED.tsv, updated_at = now()"
        ),
        [_params(d, v) for d, v in zip(docs, vectors, strict=True)],
    )


def _params(doc: Document, vector: str) -> dict[str, object]:
    return {
        "kind": doc.kind,
        "name": doc.name,
        "title": doc.title,
        "summary": doc.summary,
        "content": doc.content,
        "metadata": json.dumps(doc.metadata),
        "hash": doc.content_hash,
        "file": doc.source_file,
        "line": doc.source_line,
        "vector": vector,
        "head": search_head(doc.name, doc.title),
    }


def search_head(name: str, title: str) -> str:
    """The words that name a document, weighted highest in full-text search (abbreviations spelled
    out: a question says "customer satisfaction" where the name says `csat`)."""
    return f"{' '.join(name_words(name))} {title}"
