"""The knowledge documents of the objects the Engineer builds in `dash`: read from the catalog, written by the system.

After the Engineer's statement defined a view, materialized view or table, `record_object` reads its
columns and definition from the catalog and saves a `view` document (purpose, columns, an example
query, the definition), so the Analyst finds and uses it; `forget_object` removes it after a DROP.
Which statements lead here is the Engineer's policy (agents/engineer.py).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, text

from db.embeddings import Embedder
from db.knowledge.documents import delete_document, save_document
from db.knowledge.learnings import CreatedBy
from db.knowledge.problems import Document

KINDS = {"v": "view", "m": "materialized view", "r": "table", "p": "table"}
CATALOG = text(
    "SELECT c.relkind, a.attname, format_type(a.atttypid, a.atttypmod) AS type,"
    " CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid, true) END AS definition"
    " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
    " JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped"
    " WHERE n.nspname = 'dash' AND c.relname = :name ORDER BY a.attnum"
)


def record_object(
    service: Engine, embedder: Embedder, name: str, sql: str, purpose: str, by: CreatedBy
) -> bool:
    """Save the document of `dash.<name>` as the catalog describes it now; False when it does not exist."""
    with service.connect() as conn:
        rows = list(conn.execute(CATALOG, {"name": name}).all())
    if rows:
        save_document(service, embedder, object_document(name, rows, sql, purpose), created_by=by)
    return bool(rows)


def forget_object(service: Engine, name: str) -> bool:
    """Remove the document of the dropped `dash.<name>`."""
    return delete_document(service, "view", f"dash.{name}")


def object_document(name: str, rows: list[Any], sql: str, purpose: str) -> Document:
    """The document of `dash.<name>` from its catalog rows (one per column) and the statement that built it."""
    kind = KINDS.get(rows[0].relkind, "relation")
    definition = rows[0].definition or sql
    purpose = purpose.strip() or f"built by the engineer with: {sql.strip()[:200]}"
    example = f"SELECT * FROM dash.{name} LIMIT 10;"
    columns = [f"- {r.attname} ({r.type})" for r in rows]
    content = "\n".join(
        [f"{kind.capitalize()} dash.{name}: {purpose}", "Columns:", *columns]
        + ["Example query:", example, "Definition:", definition.strip()]
    )
    metadata = {"description": purpose, "sql": definition, "columns": [r.attname for r in rows], "kind": kind}
    metadata["example"] = example
    return Document("view", f"dash.{name}", f"{kind.capitalize()} dash.{name}: {purpose}", content, metadata)
