"""Read what the catalog says about relations: kind, size estimate, columns, primary and foreign keys.

Everything comes from pg_catalog in three queries for the whole selection (not per table), and
identifiers come back already quoted by the server (`quote_ident`), so mixed-case or reserved names
are safe to put into the statistics query.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlalchemy import Connection, text

KINDS = {"r": "table", "p": "partitioned table", "v": "view", "m": "materialized view", "f": "foreign table"}
SAMPLEABLE = frozenset({"r", "p", "m"})  # TABLESAMPLE works on these; views get a LIMIT instead


@dataclass(frozen=True)
class Column:
    name: str
    sql: str  # quoted for SQL
    type: str
    category: str  # pg_type.typcategory: N numeric, D date/time, S string, E enum, B boolean, ...


@dataclass(frozen=True)
class ForeignKey:
    columns: tuple[str, ...]
    references: str  # display name of the referenced table
    ref_columns: tuple[str, ...]


@dataclass(frozen=True)
class Relation:
    oid: int
    schema: str
    name: str
    relkind: str
    sql_name: str
    estimated_rows: float  # -1 when the table was never analysed
    bytes: int
    columns: tuple[Column, ...] = ()
    primary_key: tuple[str, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()

    @property
    def display_name(self) -> str:
        return display_name(self.schema, self.name)

    @property
    def kind(self) -> str:
        return KINDS[self.relkind]


def display_name(schema: str, name: str) -> str:
    """How knowledge names a relation: bare in `public` (the search path), schema-qualified elsewhere."""
    return name if schema == "public" else f"{schema}.{name}"


RELATIONS_SQL = """
SELECT c.oid, n.nspname AS schema, c.relname AS name, c.relkind,
       quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS sql_name,
       CASE WHEN c.relkind = 'p' THEN
            (SELECT coalesce(sum(greatest(p.reltuples, 0)), -1) FROM pg_partition_tree(c.oid) t
               JOIN pg_class p ON p.oid = t.relid WHERE t.isleaf)
            ELSE c.reltuples END AS estimated_rows,
       CASE WHEN c.relkind = 'p' THEN
            (SELECT coalesce(sum(pg_relation_size(t.relid)), 0) FROM pg_partition_tree(c.oid) t WHERE t.isleaf)
            WHEN c.relkind IN ('r', 'm') THEN pg_relation_size(c.oid) ELSE 0 END AS bytes
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY(:schemas) AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND NOT c.relispartition
  AND has_table_privilege(c.oid, 'SELECT')
ORDER BY n.nspname, c.relname
"""

COLUMNS_SQL = """
SELECT a.attrelid AS oid, a.attname AS name, quote_ident(a.attname) AS sql,
       format_type(a.atttypid, a.atttypmod) AS type,
       coalesce(b.typcategory, t.typcategory) AS category
FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_type b ON t.typtype = 'd' AND b.oid = t.typbasetype
WHERE a.attrelid = ANY(:oids) AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum
"""

KEYS_SQL = """
SELECT con.conrelid AS oid, con.contype,
       ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(n, i)
             JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.i) AS cols,
       rn.nspname AS ref_schema, rc.relname AS ref_table,
       ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(n, i)
             JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n ORDER BY k.i) AS ref_cols
FROM pg_constraint con
LEFT JOIN pg_class rc ON rc.oid = con.confrelid
LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace
WHERE con.conrelid = ANY(:oids) AND con.contype IN ('p', 'f')
ORDER BY con.conrelid, con.conname
"""


def read_relations(conn: Connection, schemas: Sequence[str]) -> list[Relation]:
    """Relations this connection may SELECT in `schemas` (partitions fold into their parent)."""
    rows = conn.execute(text(RELATIONS_SQL), {"schemas": list(schemas)}).all()
    relations = [
        Relation(r.oid, r.schema, r.name, r.relkind, r.sql_name, r.estimated_rows, r.bytes) for r in rows
    ]
    return _with_columns_and_keys(conn, relations)


def selected(relation: Relation, tables: Sequence[str]) -> bool:
    """`tables` names relations bare (`orders`) or qualified (`sales.orders`); empty means all."""
    return not tables or relation.name in tables or f"{relation.schema}.{relation.name}" in tables


def _with_columns_and_keys(conn: Connection, relations: list[Relation]) -> list[Relation]:
    oids = [r.oid for r in relations]
    columns: dict[int, list[Column]] = {}
    for row in conn.execute(text(COLUMNS_SQL), {"oids": oids}):
        columns.setdefault(row.oid, []).append(Column(row.name, row.sql, row.type, row.category))
    primary: dict[int, tuple[str, ...]] = {}
    foreign: dict[int, list[ForeignKey]] = {}
    for row in conn.execute(text(KEYS_SQL), {"oids": oids}):
        if row.contype == "p":
            primary[row.oid] = tuple(row.cols)
        else:
            ref = display_name(row.ref_schema, row.ref_table)
            foreign.setdefault(row.oid, []).append(ForeignKey(tuple(row.cols), ref, tuple(row.ref_cols)))
    return [_complete(r, columns, primary, foreign) for r in relations]


def _complete(
    relation: Relation,
    columns: dict[int, list[Column]],
    primary: dict[int, tuple[str, ...]],
    foreign: dict[int, list[ForeignKey]],
) -> Relation:
    return replace(
        relation,
        columns=tuple(columns.get(relation.oid, [])),
        primary_key=primary.get(relation.oid, ()),
        foreign_keys=tuple(foreign.get(relation.oid, [])),
    )
