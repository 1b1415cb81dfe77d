"""Data coverage, measured: row counts and the date range of every table and view the agents read.

For each table, view and materialized view in `public` and `dash` (partitions count with their
parent): the row count — exact up to SMALL rows, the planner's estimate above — and the first and
last value of each date/timestamp column. One statement per relation, run as the analyst (it sees
what the agents see) under a short timeout. On a big table a date column with an index is read
from the index (exact and cheap); one without is read from a TABLESAMPLE and marked "about".
The result is stored in `ai.data_coverage` and rendered into the agents' context, so "last week"
is compared with what the data actually holds, for any dataset.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, text

from db.engines import Engines

log = logging.getLogger(__name__)
SMALL = 200_000  # rows (planner estimate) up to which counts and ranges are exact
SAMPLE_ROWS = 100_000  # about how many rows a TABLESAMPLE reads on a big table
TIMEOUT_MS = 10_000  # per relation: a slow view is reported as not measured, the rest goes on
STALE = timedelta(hours=24)
DATE_COLUMNS_SHOWN = 4
KINDS = {"r": "table", "p": "table", "v": "view", "m": "materialized view", "f": "foreign table"}
CATALOG = text(
    """
    SELECT n.nspname AS schema, c.relname AS name, c.relkind AS kind,
      CASE WHEN c.relkind = 'p' THEN (SELECT sum(greatest(p.reltuples, 0)) FROM pg_partition_tree(c.oid) t
        JOIN pg_class p ON p.oid = t.relid WHERE t.isleaf) ELSE c.reltuples END::bigint AS estimate,
      coalesce(json_agg(json_build_object('column', a.attname, 'type', format_type(a.atttypid, a.atttypmod),
        'indexed', EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indkey[0] = a.attnum)))
        FILTER (WHERE a.attname IS NOT NULL), '[]') AS columns
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
      AND a.atttypid IN ('date'::regtype, 'timestamp'::regtype, 'timestamptz'::regtype)
    WHERE n.nspname IN ('public', 'dash') AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
      AND NOT c.relispartition AND has_table_privilege(c.oid, 'SELECT')
    GROUP BY n.nspname, c.relname, c.relkind, c.oid
    ORDER BY n.nspname, c.relname
    """
)


@dataclass(frozen=True)
class DateRange:
    column: str
    type: str
    min: str | None
    max: str | None
    approximate: bool = False


@dataclass(frozen=True)
class TableCoverage:
    schema: str
    name: str
    kind: str
    row_count: int | None
    rows_estimated: bool = False
    dates: tuple[DateRange, ...] = ()
    error: str | None = None

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"


@dataclass(frozen=True)
class Coverage:
    tables: tuple[TableCoverage, ...] = ()
    measured_at: datetime | None = None


@dataclass(frozen=True)
class Relation:
    """What the catalog says of one relation before it is measured."""

    schema: str
    name: str
    kind: str
    estimate: int
    columns: tuple[dict[str, Any], ...] = field(default=())

    @property
    def big(self) -> bool:
        # reltuples is -1 until a table is first analyzed: count those exactly (views always are).
        return self.kind in ("r", "p", "m") and self.estimate > SMALL


def relations(analyst: Engine) -> list[Relation]:
    """Every relation in public and dash the analyst may read, with its date/timestamp columns."""
    with analyst.connect() as conn:
        rows = conn.execute(CATALOG).all()
    return [Relation(r.schema, r.name, r.kind, int(r.estimate or -1), tuple(r.columns)) for r in rows]


def measure(analyst: Engine, relation: Relation) -> TableCoverage:
    """The coverage of one relation; a failure (timeout, broken view) is recorded, not raised."""
    kind = KINDS[relation.kind]
    try:
        with analyst.begin() as conn:
            conn.execute(text(f"SET LOCAL statement_timeout = {TIMEOUT_MS}"))
            row = conn.execute(text(_measure_sql(conn, relation))).one()
    except Exception as exc:  # one bad relation must not stop the others
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
        return TableCoverage(relation.schema, relation.name, kind, None, error=reason)
    return _coverage(relation, kind, list(row))


def _measure_sql(conn: Connection, relation: Relation) -> str:
    quote = conn.dialect.identifier_preparer.quote
    table = f"{quote(relation.schema)}.{quote(relation.name)}"
    if not relation.big:
        parts = ["count(*)"]
        for c in relation.columns:
            parts += [f"min({quote(c['column'])})::text", f"max({quote(c['column'])})::text"]
        return f"SELECT {', '.join(parts)} FROM {table}"
    percent = min(100.0, max(0.001, 100.0 * SAMPLE_ROWS / relation.estimate))
    parts = ["NULL"]  # the estimate stands in for the count
    for c in relation.columns:
        # An index gives the exact ends at the cost of two index probes; otherwise a sample.
        source = table if c["indexed"] else f"{table} TABLESAMPLE SYSTEM ({percent:.4f}) REPEATABLE (0)"
        for agg in ("min", "max"):
            parts.append(f"(SELECT {agg}({quote(c['column'])})::text FROM {source})")
    return f"SELECT {', '.join(parts)}"


def _coverage(relation: Relation, kind: str, values: list[Any]) -> TableCoverage:
    dates = tuple(
        DateRange(
            c["column"], c["type"], values[1 + 2 * i], values[2 + 2 * i], relation.big and not c["indexed"]
        )
        for i, c in enumerate(relation.columns)
    )
    count = relation.estimate if relation.big else int(values[0])
    return TableCoverage(relation.schema, relation.name, kind, count, relation.big, dates)


def measure_all(analyst: Engine) -> list[TableCoverage]:
    return [measure(analyst, r) for r in relations(analyst)]


def store_coverage(service: Engine, tables: Sequence[TableCoverage]) -> None:
    """Replace what is stored with this measurement (one transaction: readers see old or new)."""
    with service.begin() as conn:
        conn.execute(text("DELETE FROM ai.data_coverage"))
        if tables:
            conn.execute(
                text(
                    "INSERT INTO ai.data_coverage (schema_name, table_name, kind, row_count, rows_estimated,"
                    " dates, error) VALUES (:schema, :name, :kind, :rows, :estimated, CAST(:dates AS jsonb), :error)"
                ),
                [_params(t) for t in tables],
            )


def _params(table: TableCoverage) -> dict[str, Any]:
    dates = [d.__dict__ for d in table.dates]
    return {
        "schema": table.schema,
        "name": table.name,
        "kind": table.kind,
        "rows": table.row_count,
        "estimated": table.rows_estimated,
        "dates": json.dumps(dates),
        "error": table.error,
    }


@dataclass(frozen=True)
class RefreshReport:
    tables: int
    failed: int
    seconds: float

    def summary(self) -> str:
        failed = f" ({self.failed} could not be measured)" if self.failed else ""
        return f"data coverage: {self.tables} tables and views measured in {self.seconds:.1f}s{failed}"


def refresh_coverage(engines: Engines) -> RefreshReport:
    """Measure every relation again and store the result."""
    started = time.perf_counter()
    tables = measure_all(engines.analyst)
    store_coverage(engines.service, tables)
    failed = sum(1 for t in tables if t.error)
    return RefreshReport(len(tables), failed, time.perf_counter() - started)


def refresh_summary(engines: Engines) -> str:
    """`refresh_coverage` for callers whose own work is done (a load): its summary, or why it failed."""
    try:
        return refresh_coverage(engines).summary()
    except Exception as exc:  # the load succeeded; a stale coverage is refreshed at the next chance
        log.warning("could not measure the data coverage: %s", exc)
        return f"data coverage: not measured ({exc})"


def refresh_if_stale(engines: Engines) -> RefreshReport | None:
    """Refresh when nothing is stored, the last measurement is older than STALE, or tables were
    added or dropped since (start-up calls this; a fresh measurement costs one catalog query)."""
    coverage = read_coverage(engines.service)
    fresh = (
        coverage.measured_at is not None
        and datetime.now(coverage.measured_at.tzinfo) - coverage.measured_at < STALE
    )
    same = {t.qualified for t in coverage.tables} == {
        f"{r.schema}.{r.name}" for r in relations(engines.analyst)
    }
    if fresh and same and coverage.tables:
        return None
    return refresh_coverage(engines)


def read_coverage(service: Engine) -> Coverage:
    with service.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT schema_name, table_name, kind, row_count, rows_estimated, dates, error, measured_at"
                " FROM ai.data_coverage ORDER BY schema_name, table_name"
            )
        ).all()
    tables = tuple(
        TableCoverage(
            r.schema_name,
            r.table_name,
            r.kind,
            r.row_count,
            r.rows_estimated,
            tuple(DateRange(**d) for d in r.dates),
            r.error,
        )
        for r in rows
    )
    return Coverage(tables, min((r.measured_at for r in rows), default=None))
