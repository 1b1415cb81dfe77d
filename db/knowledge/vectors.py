"""The embedding columns: which embedder filled them, their dimension, their HNSW indexes.

A vector column has one fixed dimension, and vectors from two models are not comparable, so the
first load fixes the column to the configured embedder and records it in `ai.meta`. Starting with a
different embedder is refused (`check_embedder`) until the user reloads with `--recreate`, which
re-embeds everything, including learnings and agent-saved documents (those are never deleted).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Connection, Engine, text

from db.embeddings import Embedder
from db.knowledge.problems import EMBED_TEXT_SQL

META_KEY = "embedder"
TABLES = ("documents", "learnings")
BATCH = 256


class EmbedderMismatch(RuntimeError):
    """The stored vectors come from another embedder than the configured one."""


@dataclass(frozen=True)
class EmbedderInfo:
    name: str
    dimension: int

    @classmethod
    def of(cls, embedder: Embedder) -> EmbedderInfo:
        return cls(embedder.name, int(embedder.dimension))

    def __str__(self) -> str:
        return f"{self.name} ({self.dimension} dimensions)"


def stored_embedder(conn: Connection) -> EmbedderInfo | None:
    row = conn.execute(text("SELECT value FROM ai.meta WHERE key = :k"), {"k": META_KEY}).first()
    return EmbedderInfo(row[0]["name"], int(row[0]["dimension"])) if row else None


def mismatch_message(stored: EmbedderInfo, configured: EmbedderInfo) -> str:
    return (
        f"The knowledge base was embedded with {stored}, but the configured embedder is {configured}. "
        "Reload with `dash knowledge load --recreate` (or `python scripts/load_knowledge.py --recreate`) "
        "to re-embed every document and learning, or set EMBEDDER / EMBEDDING_DIMENSIONS back."
    )


def check_embedder(engine: Engine, embedder: Embedder) -> EmbedderInfo | None:
    """Start-up check: raise EmbedderMismatch when stored vectors are from another embedder."""
    with engine.connect() as conn:
        stored = stored_embedder(conn)
    configured = EmbedderInfo.of(embedder)
    if stored is not None and stored != configured:
        raise EmbedderMismatch(mismatch_message(stored, configured))
    return stored


def ensure_embedder(conn: Connection, embedder: Embedder, *, recreate: bool = False) -> bool:
    """Make the columns fit `embedder`; True when they were (re)typed and every vector must be recomputed."""
    stored = stored_embedder(conn)
    configured = EmbedderInfo.of(embedder)
    if stored == configured:
        return False
    if stored is not None and not recreate:
        raise EmbedderMismatch(mismatch_message(stored, configured))
    for table in TABLES:
        drop_vector_index(conn, table)
        conn.execute(text(f"UPDATE ai.{table} SET embedding = NULL"))
        conn.execute(
            text(f"ALTER TABLE ai.{table} ALTER COLUMN embedding TYPE vector({configured.dimension})")
        )
    conn.execute(
        text(
            "INSERT INTO ai.meta (key, value) VALUES (:k, CAST(:v AS jsonb)) "
            "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()"
        ),
        {"k": META_KEY, "v": f'{{"name": "{configured.name}", "dimension": {configured.dimension}}}'},
    )
    return True


def drop_vector_index(conn: Connection, table: str) -> None:
    conn.execute(text(f"DROP INDEX IF EXISTS ai.{table}_embedding_idx"))


def create_vector_index(conn: Connection, table: str) -> None:
    """HNSW on cosine distance; built after bulk writes, which is much faster than growing it row by row.

    The learnings index holds global learnings only: search reads a user's own learnings exactly
    (see db.knowledge.search), and a graph of every user's rows would mostly be filtered away.
    """
    where = " WHERE namespace = 'global'" if table == "learnings" else ""
    conn.execute(
        text(
            f"CREATE INDEX IF NOT EXISTS {table}_embedding_idx ON ai.{table}"
            f" USING hnsw (embedding vector_cosine_ops){where}"
        )
    )


def to_sql_vector(vector: np.ndarray) -> str:
    """pgvector's text form; we pass vectors as text so any engine works without type registration."""
    return "[" + ",".join(f"{x:.7g}" for x in vector.tolist()) + "]"


def embed_texts(embedder: Embedder, texts: Sequence[str]) -> list[str]:
    return [to_sql_vector(row) for row in embedder.embed(list(texts))] if texts else []


def fill_missing(conn: Connection, embedder: Embedder) -> int:
    """Embed every document and learning that has no vector yet (after a re-typing); returns the count."""
    sources = {
        "documents": EMBED_TEXT_SQL,
        "learnings": "title || E'\\n' || learning || E'\\n' || context",
    }
    total = 0
    for table, expression in sources.items():
        rows = conn.execute(text(f"SELECT id, {expression} FROM ai.{table} WHERE embedding IS NULL")).all()
        for start in range(0, len(rows), BATCH):
            batch = rows[start : start + BATCH]
            vectors = embed_texts(embedder, [r[1] for r in batch])
            conn.execute(
                text(f"UPDATE ai.{table} SET embedding = CAST(:v AS vector) WHERE id = :id"),
                [{"id": r[0], "v": v} for r, v in zip(batch, vectors, strict=True)],
            )
        total += len(rows)
    return total
