"""How long measuring the data coverage takes on a warehouse: N tables holding M rows in total, a few
big ones (planner estimate, index or TABLESAMPLE) and many small ones (exact counts and ranges).

    python benchmarks/coverage.py [--tables 100] [--rows 10000000]

Everything runs in a throw-away embedded server under /tmp, destroyed at the end.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

import psycopg

from core.settings import Settings
from db.bootstrap import admin_dsn, bootstrap
from db.embedded import EmbeddedPostgres
from db.engines import Engines, resolve_target
from db.knowledge.coverage import SMALL, read_coverage, refresh_coverage, refresh_if_stale

BIG_TABLES = 4  # hold 90% of the rows; the others share the rest


def machine() -> str:
    return f"machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, {platform.platform()}"


def table_sql(index: int, rows: int, indexed: bool) -> str:
    name = f"t{index:03}"
    index_sql = f"CREATE INDEX ON {name} (created_at);" if indexed else ""
    return (
        f"CREATE TABLE {name} (id bigint, created_at timestamptz, booked_on date, amount numeric);"
        f"INSERT INTO {name} SELECT i, timestamptz '2021-01-01' + i * interval '7 seconds',"
        f" date '2021-01-01' + (i % 900), i % 97 FROM generate_series(1, {rows}) AS i;"
        f"{index_sql} ANALYZE {name};"
    )


def build(target_dsn: str, tables: int, rows: int) -> None:
    big = rows * 9 // 10 // BIG_TABLES
    small = (rows - big * BIG_TABLES) // max(1, tables - BIG_TABLES)
    with psycopg.connect(target_dsn, autocommit=True) as conn:
        for i in range(tables):
            conn.execute(table_sql(i, big if i < BIG_TABLES else small, indexed=i % 2 == 0))  # type: ignore[arg-type]


def main() -> None:
    parser = argparse.ArgumentParser(description="Data coverage measurement benchmark.")
    parser.add_argument("--tables", type=int, default=100)
    parser.add_argument("--rows", type=int, default=10_000_000)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="dash-bench-", dir="/tmp"))
    os.chmod(home, 0o755)
    print(machine())
    try:
        EmbeddedPostgres(home).ensure_started()
        settings = Settings(_env_file=None, dash_home=home, database_url=None, openai_api_key=None)  # type: ignore[call-arg]
        target = resolve_target(settings)
        bootstrap(target)
        started = time.perf_counter()
        build(admin_dsn(target), args.tables, args.rows)
        print(f"  built {args.tables} tables, {args.rows:,} rows in {time.perf_counter() - started:.1f} s")
        bootstrap(target)  # grants on the new tables
        report(Engines(target, pool_size=2))
    finally:
        EmbeddedPostgres(home).destroy()


def report(engines: Engines) -> None:
    try:
        first = refresh_coverage(engines)
        print(
            f"  measure and store coverage                  {first.seconds:7.2f} s ({first.tables} relations)"
        )
        again = time.perf_counter()
        refresh_if_stale(engines)
        print(f"  start-up check when fresh (no measurement)  {time.perf_counter() - again:7.3f} s")
        tables = read_coverage(engines.service).tables
        big = sum(1 for t in tables if t.rows_estimated)
        print(f"  {big} tables over {SMALL:,} rows used the planner estimate; the rest were counted")
    finally:
        engines.dispose()


if __name__ == "__main__":
    main()
