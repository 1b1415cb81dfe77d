"""What the knowledge base says about each table and view, for people to browse (service role).

One entry per curated table (kind 'table' documents), per view the Engineer built (kind 'view',
origin 'agent') and per relation that was only profiled (`ai.table_profiles` with no document),
each joined to its latest stored profile. Values of personal-data columns are never listed: the
profiler withholds them, and this module drops any that an older profile might still hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

UNDESCRIBED = "(not described yet)"  # how render.table_document starts an undescribed table's line
CATALOG = """
SELECT coalesce(d.name, p.table_name) AS name, d.kind AS doc_kind, d.origin, d.content, d.metadata,
       p.profile, p.measured_at
FROM (SELECT name, kind, origin, content, metadata FROM ai.documents
      WHERE kind IN ('table', 'view') AND namespace = 'global') AS d
FULL JOIN ai.table_profiles AS p ON p.table_name = d.name
"""


@dataclass(frozen=True)
class ColumnProfile:
    name: str
    type: str | None
    null_share: float | None
    distinct: int | None
    min: Any
    max: Any
    values: list[str] | None  # None for personal columns and columns with too many values
    personal: bool


@dataclass(frozen=True)
class Join:
    columns: list[str]
    references: str
    ref_columns: list[str]
    inferred: bool


@dataclass(frozen=True)
class CatalogEntry:
    name: str
    kind: str  # table, view, materialized view, partitioned table, foreign table
    source: str  # curated (a table file), engineer (built by the Engineer) or profiled (no document yet)
    description: str
    described: bool
    rows: int | None
    rows_estimated: bool
    measured_at: str | None
    sampled: bool
    sample_rows: int | None
    primary_key: list[str]
    joins: list[Join]
    columns: list[ColumnProfile]


def catalog(conn: Connection) -> list[CatalogEntry]:
    """Every table and view the knowledge base knows, by name."""
    rows = conn.execute(text(CATALOG + " ORDER BY 1, d.kind"))
    return [_entry(r) for r in rows]


def catalog_entry(conn: Connection, name: str) -> CatalogEntry | None:
    """The entry named `name` (as knowledge names it: bare in public, schema-qualified elsewhere)."""
    row = conn.execute(
        text(f"SELECT * FROM ({CATALOG}) AS c WHERE c.name = :name ORDER BY c.doc_kind LIMIT 1"),
        {"name": name},
    ).first()
    return _entry(row) if row is not None else None


def _entry(row: Any) -> CatalogEntry:
    profile: dict[str, Any] = row.profile or {}
    metadata: dict[str, Any] = row.metadata or {}
    description = _description(row.doc_kind, row.content or "", metadata)
    return CatalogEntry(
        name=row.name,
        kind=profile.get("kind") or metadata.get("kind") or row.doc_kind or "table",
        source=_source(row.doc_kind, row.origin),
        description=description or "undescribed",
        described=bool(description),
        rows=profile.get("rows"),
        rows_estimated=bool(profile.get("rows_estimated")),
        measured_at=row.measured_at.isoformat() if row.measured_at else None,
        sampled=bool(profile.get("sampled")),
        sample_rows=profile.get("sample_rows"),
        primary_key=list(profile.get("primary_key") or []),
        joins=joins(profile),
        columns=columns(profile, metadata),
    )


def _source(doc_kind: str | None, origin: str | None) -> str:
    if doc_kind is None:
        return "profiled"
    return "engineer" if origin == "agent" else "curated"


def _description(doc_kind: str | None, content: str, metadata: dict[str, Any]) -> str:
    """A view's purpose; a table's text after "Table name: " on its first line, unless undescribed."""
    if doc_kind == "view":
        return str(metadata.get("description") or "").strip()
    if doc_kind != "table":
        return ""
    _, _, first = content.partition("\n")[0].partition(": ")
    return "" if first.startswith(UNDESCRIBED) else first.strip()


def joins(profile: dict[str, Any]) -> list[Join]:
    """Declared foreign keys, then joins inferred from column names."""
    declared = [
        Join(list(fk["columns"]), fk["references"], list(fk["ref_columns"]), False)
        for fk in profile.get("foreign_keys") or []
    ]
    inferred = [
        Join([j["column"]], j["references"], [j["ref_column"]], True)
        for j in profile.get("inferred_joins") or []
    ]
    return declared + inferred


def columns(profile: dict[str, Any], metadata: dict[str, Any]) -> list[ColumnProfile]:
    """The document's columns in table order (jsonb keeps no key order), then any only measured."""
    measured: dict[str, Any] = profile.get("columns") or {}
    named = [str(n) for n in metadata.get("columns") or []]
    order = named + sorted(set(measured) - set(named))
    return [_column(name, measured.get(name) or {}) for name in order]


def _column(name: str, stats: dict[str, Any]) -> ColumnProfile:
    personal = bool(stats.get("personal"))
    values = None if personal or stats.get("values") is None else [str(v) for v in stats["values"]]
    return ColumnProfile(
        name,
        stats.get("type"),
        stats.get("null_share"),
        stats.get("distinct"),
        None if personal else stats.get("min"),
        None if personal else stats.get("max"),
        values,
        personal,
    )
