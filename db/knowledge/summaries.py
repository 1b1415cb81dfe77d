"""The one-line summaries the agents' context lists: curated tables, the Engineer's views, business rules.

Only live, global documents (what everyone may see); a document's line is the first line of its
content. Read through `db/knowledge/shared.py`, so an unchanged knowledge base is not read again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Engine, text

FIRST_LINES = text(
    "SELECT name, rtrim(split_part(btrim(content, E' \\t\\r\\n'), E'\\n', 1), E' \\r') AS line,"
    " count(*) OVER () AS total FROM ai.documents WHERE kind = ANY(:kinds) AND namespace = 'global'"
    " AND status = 'live'"
    " ORDER BY kind, name LIMIT :limit"
)


@dataclass(frozen=True)
class Summaries:
    """(name, first line) of the first documents, and how many there are in all."""

    lines: tuple[tuple[str, str], ...]
    total: int


def first_lines(service: Engine, kinds: Sequence[str], limit: int) -> Summaries:
    """The first `limit` live global documents of `kinds`, by kind and name."""
    with service.connect() as conn:
        rows = conn.execute(FIRST_LINES, {"kinds": list(kinds), "limit": limit}).all()
    return Summaries(tuple((r.name, r.line) for r in rows), rows[0].total if rows else 0)
