"""Generate the sample dataset (Acme Analytics) into `public`: deterministic, atomic, fast.

`generate()` builds every row in memory from `random.Random(seed)` (never the clock), then creates
the six tables, COPYs the rows in, adds indexes and comments and ANALYZEs, all in ONE transaction:
a failure leaves nothing half-written. See `db/sample/` for how each table is made.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

import psycopg
from psycopg import sql

from db.bootstrap import admin_dsn
from db.engines import DatabaseTarget
from db.sample.activity import generate_tickets, generate_usage, tenures
from db.sample.billing import generate_invoices
from db.sample.customers import generate_customers
from db.sample.lifecycle import Lifecycle
from db.sample.schema import COLUMN_COMMENTS, COLUMNS, DDL, INDEXES, TABLE_COMMENTS, TABLES
from db.sample.timeline import DATA_END, DATA_START

Rows = list[tuple[object, ...]]


@dataclass(frozen=True)
class GenerationReport:
    """What `generate()` created: the seed, rows per table and how long it took."""

    seed: int
    counts: dict[str, int]
    seconds: float

    def summary(self) -> str:
        width = max(len(name) for name in self.counts)
        lines = [f"sample dataset 'Acme Analytics' (seed {self.seed}, {DATA_START} .. {DATA_END}):"]
        lines += [f"  public.{name:<{width}} {count:>8,} rows" for name, count in self.counts.items()]
        lines.append(f"  generated and loaded in {self.seconds:.1f}s")
        return "\n".join(lines)


class SampleDataExists(RuntimeError):
    """The sample tables are already in `public` and `reset` was not asked for."""


def build_rows(seed: int) -> dict[str, Rows]:
    """Every table's rows, in COPY column order; the same seed always gives the same rows."""
    rng = random.Random(seed)
    customers = generate_customers(rng, DATA_START, DATA_END)
    lifecycle = Lifecycle(rng)
    lifecycle.run(customers)
    spans = tenures(customers, lifecycle.subscriptions)
    return {
        "customers": [c.row() for c in customers],
        "subscriptions": [s.row() for s in lifecycle.subscriptions],
        "plan_changes": [c.row() for c in lifecycle.changes],
        "invoices": generate_invoices(rng, lifecycle.subscriptions),
        "usage_metrics": generate_usage(rng, spans),
        "support_tickets": generate_tickets(rng, spans),
    }


def generate(target: DatabaseTarget, *, seed: int = 42, reset: bool = False) -> GenerationReport:
    """Create and fill the six sample tables in `public`.

    Raises SampleDataExists when any of them already exists and `reset` is False. With `reset`,
    the old tables (and anything depending on them, e.g. views in `dash`) are dropped first.
    """
    started = time.perf_counter()
    rows = build_rows(seed)
    with psycopg.connect(admin_dsn(target)) as conn, conn.transaction():
        _prepare(conn, reset)
        conn.execute(DDL)
        for table in TABLES:
            _copy(conn, table, rows[table])
        conn.execute(INDEXES)
        _comment(conn)
        for table in TABLES:
            conn.execute(sql.SQL("ANALYZE public.{}").format(sql.Identifier(table)))
    counts = {table: len(rows[table]) for table in TABLES}
    return GenerationReport(seed, counts, time.perf_counter() - started)


def _prepare(conn: psycopg.Connection, reset: bool) -> None:
    conn.execute("SET LOCAL search_path = public")
    existing = [
        name
        for (name,) in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename = ANY(%s)",
            (list(TABLES),),
        )
    ]
    if existing and not reset:
        raise SampleDataExists(
            f"public already holds {', '.join(sorted(existing))}. Run with --reset to drop and "
            "regenerate the sample tables (this also drops views that depend on them)."
        )
    for table in reversed(TABLES):
        conn.execute(sql.SQL("DROP TABLE IF EXISTS public.{} CASCADE").format(sql.Identifier(table)))


def _copy(conn: psycopg.Connection, table: str, rows: Rows) -> None:
    statement = sql.SQL("COPY public.{} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, COLUMNS[table]))
    )
    with conn.cursor().copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def _comment(conn: psycopg.Connection) -> None:
    for table, text in TABLE_COMMENTS.items():
        conn.execute(sql.SQL("COMMENT ON TABLE public.{} IS {}").format(sql.Identifier(table), text))
    for (table, column), text in COLUMN_COMMENTS.items():
        conn.execute(
            sql.SQL("COMMENT ON COLUMN public.{}.{} IS {}").format(
                sql.Identifier(table), sql.Identifier(column), text
            )
        )
