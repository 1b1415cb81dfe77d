"""Profile live tables, views, materialized views and partitioned tables from the catalog.

For each relation: columns and types, primary and foreign keys, joins inferred from names, the row
count, and per column the null share, distinct count, min/max of numbers and dates, and the values
of low-cardinality text columns (never of columns that look like personal data or secrets).

One statistics query per relation computes every column at once over a materialized sample: big
tables are read through `TABLESAMPLE SYSTEM` (DRAFT_SAMPLE_ROWS), views through a LIMIT, and the
profile says so. Each query runs in its own read-only transaction with a statement timeout, so one
slow or failing relation is reported and the others still get profiled.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import psycopg
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from core.settings import Settings
from db.knowledge.catalog import SAMPLEABLE, Column, Relation, read_relations, selected
from db.knowledge.joins import InferredJoin, infer_joins
from db.knowledge.sensitive import ColumnPolicy

DEFAULT_SCHEMAS = ("public", "dash")
MAX_VALUES = 20  # a text column with more distinct values than this is not categorical
MAX_VALUE_CHARS = 80
MINMAX = frozenset("NDT")  # numeric (money too), date/time, interval
VALUES = frozenset("SE")  # string, enum
PLAIN_DISTINCT = frozenset("NDSEBTI")  # types with equality; others are compared by a digest of their text
BYTES_PER_ROW_GUESS = 100  # for tables never analysed: a size guess decides whether to sample


@dataclass(frozen=True)
class ProfileOptions:
    sample_rows: int = 100_000
    timeout_ms: int = 30_000
    policy: ColumnPolicy = field(default_factory=ColumnPolicy)

    @classmethod
    def from_settings(cls, settings: Settings) -> ProfileOptions:
        return cls(
            settings.draft_sample_rows,
            settings.draft_statement_timeout_ms,
            ColumnPolicy.from_setting(settings.draft_exclude_columns),
        )


@dataclass(frozen=True)
class Sampling:
    """How a relation is read: all of it, a TABLESAMPLE percentage, or the first rows (views)."""

    percent: float | None = None
    limit: int | None = None

    @property
    def clause(self) -> str:
        if self.percent is not None:
            return f"TABLESAMPLE SYSTEM ({self.percent:.6f}) REPEATABLE (42)"
        return f"LIMIT {self.limit}" if self.limit is not None else ""


@dataclass(frozen=True)
class ColumnStats:
    name: str
    type: str
    null_share: float | None = None
    distinct: int | None = None
    min: Any = None
    max: Any = None
    values: tuple[str, ...] | None = None
    personal: bool = False

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.type, "null_share": self.null_share, "distinct": self.distinct}
        if self.min is not None or self.max is not None:
            out |= {"min": self.min, "max": self.max}
        if self.values is not None:
            out["values"] = list(self.values)
        if self.personal:
            out["personal"] = True  # values withheld on purpose
        return out


@dataclass(frozen=True)
class TableProfile:
    relation: Relation
    measured_at: str
    rows: int | None
    rows_estimated: bool
    sampled: bool
    sample_rows: int
    inferred_joins: tuple[InferredJoin, ...]
    columns: tuple[ColumnStats, ...]
    error: str | None = None

    @property
    def name(self) -> str:
        return self.relation.display_name

    def to_json(self) -> dict[str, Any]:
        rel = self.relation
        out: dict[str, Any] = {
            "measured_at": self.measured_at,
            "kind": rel.kind,
            "sql_name": rel.sql_name,
            "rows": self.rows,
            "rows_estimated": self.rows_estimated,
            "sampled": self.sampled,
            "sample_rows": self.sample_rows,
            "primary_key": list(rel.primary_key),
            "foreign_keys": [
                {
                    "columns": list(fk.columns),
                    "references": fk.references,
                    "ref_columns": list(fk.ref_columns),
                }
                for fk in rel.foreign_keys
            ],
            "inferred_joins": [
                {"column": j.column, "references": j.references, "ref_column": j.ref_column, "inferred": True}
                for j in self.inferred_joins
            ],
            "columns": {c.name: c.to_json() for c in self.columns},
        }
        if self.error:
            out["error"] = self.error
        return out


def profile_tables(
    engine: Engine,
    schemas: Sequence[str] = DEFAULT_SCHEMAS,
    tables: Sequence[str] = (),
    options: ProfileOptions | None = None,
) -> list[TableProfile]:
    """Profile every relation `engine`'s role may read in `schemas` (or just `tables`)."""
    options = options or ProfileOptions()
    with engine.connect() as conn, conn.begin():
        conn.execute(text("SET TRANSACTION READ ONLY"))
        everything = read_relations(conn, schemas)
    chosen = [r for r in everything if selected(r, tables)]
    return [profile_relation(engine, r, everything, options) for r in chosen]


def profile_relation(
    engine: Engine, relation: Relation, everything: Sequence[Relation], options: ProfileOptions
) -> TableProfile:
    sampling = choose_sampling(relation, options.sample_rows)
    personal = {c.name for c in relation.columns if options.policy.personal(relation.name, c.name)}
    joins = infer_joins(relation, everything)
    keys = _key_columns(relation, joins)
    measured_at = datetime.now(UTC).replace(microsecond=0).isoformat()
    try:
        with engine.connect() as conn, conn.begin():
            row = _run_stats(conn, relation, sampling, personal, keys, options.timeout_ms)
    except (DBAPIError, psycopg.Error) as exc:  # a timeout, a view that fails: report, go on
        cause = exc.orig if isinstance(exc, DBAPIError) and exc.orig else exc
        message = (str(cause).strip().splitlines() or [type(cause).__name__])[0]
        empty = tuple(ColumnStats(c.name, c.type, personal=c.name in personal) for c in relation.columns)
        return TableProfile(relation, measured_at, None, False, False, 0, joins, empty, message)
    return _assemble(relation, sampling, personal, joins, measured_at, row)


def choose_sampling(relation: Relation, sample_rows: int) -> Sampling:
    """Read small tables whole; sample big ones by pages; views (no TABLESAMPLE) by a LIMIT."""
    if relation.relkind not in SAMPLEABLE:
        return Sampling(limit=sample_rows)
    estimate = estimated_rows(relation)
    if estimate <= sample_rows:
        return Sampling()
    return Sampling(percent=min(100.0, 100.0 * sample_rows / estimate))


def estimated_rows(relation: Relation) -> float:
    if relation.estimated_rows >= 0:
        return relation.estimated_rows
    return relation.bytes / BYTES_PER_ROW_GUESS


def _key_columns(relation: Relation, joins: tuple[InferredJoin, ...]) -> set[str]:
    """Identifier columns: their range says nothing a person asks about, so no min/max for them."""
    keys = set(relation.primary_key) | {c for fk in relation.foreign_keys for c in fk.columns}
    return keys | {j.column for j in joins} | {c.name for c in relation.columns if c.name.lower() == "id"}


def _run_stats(
    conn: Connection,
    relation: Relation,
    sampling: Sampling,
    personal: set[str],
    keys: set[str],
    timeout_ms: int,
) -> Any:
    conn.execute(text("SET TRANSACTION READ ONLY"))
    conn.exec_driver_sql(f"SET LOCAL statement_timeout = {int(timeout_ms)}")
    # Identifiers are quoted by the server (quote_ident). The statement goes to psycopg without
    # parameters, so a `%` or `:` inside a name is never read as a placeholder.
    driver: Any = conn.connection.driver_connection
    return driver.execute(stats_sql(relation, sampling, personal, keys)).fetchone()


def stats_sql(relation: Relation, sampling: Sampling, personal: set[str], keys: Collection[str] = ()) -> str:
    """One query for every column of `relation`: five values per column after the row count."""
    parts = ["count(*)"]
    for column in relation.columns:
        parts += _column_aggregates(column, column.name in personal, column.name in keys)
    sample = f"SELECT * FROM {relation.sql_name} {sampling.clause}".strip()
    return f"WITH s AS MATERIALIZED ({sample}) SELECT {', '.join(parts)} FROM s"


def _column_aggregates(column: Column, personal: bool, key: bool) -> list[str]:
    c = column.sql
    distinct = c if column.category in PLAIN_DISTINCT else f"md5(({c})::text)"
    minmax = column.category in MINMAX and not personal and not key
    values = column.category in VALUES and not personal
    top = (
        f"(SELECT json_agg(v) FROM (SELECT ({c})::text AS v FROM s WHERE {c} IS NOT NULL"
        f" GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT {MAX_VALUES + 1}) x)"
    )
    return [
        f"count({c})",
        f"count(DISTINCT {distinct})",
        f"(min({c}))::text" if minmax else "NULL",
        f"(max({c}))::text" if minmax else "NULL",
        top if values else "NULL",
    ]


def _assemble(
    relation: Relation,
    sampling: Sampling,
    personal: set[str],
    joins: tuple[InferredJoin, ...],
    measured_at: str,
    row: Any,
) -> TableProfile:
    seen = int(row[0])
    columns = tuple(
        _column_stats(column, seen, row[1 + 5 * i : 6 + 5 * i], column.name in personal)
        for i, column in enumerate(relation.columns)
    )
    rows, estimated, sampled = _row_count(relation, sampling, seen)
    return TableProfile(relation, measured_at, rows, estimated, sampled, seen, joins, columns)


def _row_count(relation: Relation, sampling: Sampling, seen: int) -> tuple[int | None, bool, bool]:
    """(rows, estimated?, sampled?): exact when read whole, the planner's estimate when sampled."""
    if sampling.percent is not None:
        estimate = relation.estimated_rows if relation.estimated_rows >= 0 else seen * 100 / sampling.percent
        return round(estimate), True, True
    if sampling.limit is not None and seen >= sampling.limit:
        return None, False, True  # a big view: at least `seen` rows, not counted in full
    return seen, False, False


def _column_stats(column: Column, seen: int, values: Sequence[Any], personal: bool) -> ColumnStats:
    non_null, distinct, low, high, top = values
    null_share = round((seen - non_null) / seen, 4) if seen else None
    return ColumnStats(
        column.name,
        column.type,
        null_share,
        int(distinct),
        _number(low, column.category),
        _number(high, column.category),
        _categorical(top, int(distinct)),
        personal,
    )


def _categorical(top: list[str] | None, distinct: int) -> tuple[str, ...] | None:
    if top is None or distinct > MAX_VALUES or len(top) > MAX_VALUES:
        return None
    if any(len(v) > MAX_VALUE_CHARS for v in top):
        return None  # long free text, not a category
    return tuple(top)


def _number(value: str | None, category: str) -> Any:
    if value is None or category != "N":
        # Seconds are enough to say what a timestamp column covers.
        return re.sub(r"(\d\d:\d\d:\d\d)\.\d+", r"\1", value) if value and category == "D" else value
    try:
        return int(value)
    except ValueError:
        pass
    try:
        number = float(value)
    except ValueError:
        return value  # money prints with its currency sign
    return number if math.isfinite(number) else value  # JSON has no NaN or Infinity
