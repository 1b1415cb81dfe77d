"""How long `dash knowledge draft` takes on a warehouse of 100 tables holding 10 million rows, and how
long the `dash` CLI takes to start.

    python benchmarks/draft.py [--tables 100] [--rows 10000000]

The warehouse is generated with generate_series in a scratch database: on the server in DATABASE_URL
when set (a database named dash_bench_draft is created and dropped), otherwise on an embedded server
of its own under /tmp that is destroyed at the end. A few big tables hold most rows (they are
sampled), the rest are small (read whole); each has keys, a category, a date, an amount, free text
and an e-mail column. The tables are ANALYZEd, as autovacuum would have done after a load.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg import sql
from sqlalchemy import create_engine

from core.settings import Settings
from db.bootstrap import admin_dsn, bootstrap
from db.embedded import EmbeddedPostgres
from db.engines import DatabaseTarget, libpq_url, resolve_target, with_database
from db.knowledge.draft import draft_knowledge
from db.knowledge.profile import ProfileOptions

DATABASE = "dash_bench_draft"
BIG_SHARE = 0.7  # of all rows, held by the big tables
BIG_TABLES = 5


def machine() -> str:
    return f"machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, {platform.platform()}"


def table_sizes(tables: int, rows: int) -> list[int]:
    big = [int(rows * BIG_SHARE / BIG_TABLES)] * BIG_TABLES
    rest = rows - sum(big)
    small = [rest // (tables - BIG_TABLES)] * (tables - BIG_TABLES)
    return big + small


def table_name(index: int) -> str:
    return f"t{index:03d}_{('orders', 'events', 'tickets', 'payments', 'shipments')[index % 5]}"


def create_table_sql(index: int, rows: int) -> str:
    name = table_name(index)
    parent = table_name(index - 1) if index else None  # a join key the drafter infers from its name
    return (
        f"CREATE TABLE {name} AS SELECT g AS {name}_id,"
        f" {f'1 + g % 1000 AS {parent}_id,' if parent else ''}"
        " (ARRAY['new', 'open', 'paid', 'shipped', 'closed'])[1 + g % 5] AS status,"
        " date '2024-01-01' + (g % 730) AS created_on, round((g % 10000) / 7.0, 2) AS amount,"
        " md5(g::text) AS note, 'user' || (g % 5000) || '@example.com' AS email"
        f" FROM generate_series(1, {rows}) g;"
        f" ALTER TABLE {name} ADD PRIMARY KEY ({name}_id);"
    )


def build_warehouse(target: DatabaseTarget, tables: int, rows: int) -> float:
    started = time.perf_counter()
    with psycopg.connect(admin_dsn(target), autocommit=True) as conn:
        for index, size in enumerate(table_sizes(tables, rows)):
            conn.execute(create_table_sql(index, size))  # type: ignore[arg-type]
        conn.execute("ANALYZE")
    return time.perf_counter() - started


@contextmanager
def scratch_target() -> Iterator[DatabaseTarget]:
    """A bootstrapped scratch database: in DATABASE_URL's server, or on an embedded one of our own."""
    home = Path(tempfile.mkdtemp(prefix="dash-bench-", dir="/tmp"))
    os.chmod(home, 0o755)
    settings = Settings(_env_file=None, dash_home=home)  # type: ignore[call-arg]
    server = resolve_target(settings)
    with psycopg.connect(admin_dsn(server), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(DATABASE)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))
    target = with_database(server, DATABASE)
    try:
        bootstrap(target)
        yield target
    finally:
        with psycopg.connect(admin_dsn(server), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(DATABASE)))
        EmbeddedPostgres(home).destroy()  # stops our own server (if one was started), removes the folder


def time_draft(target: DatabaseTarget, folder: Path) -> tuple[float, str]:
    engine = create_engine(target.analyst_url, pool_size=2)
    try:
        started = time.perf_counter()
        report = draft_knowledge(engine, folder, schemas=["public"], options=ProfileOptions())
        return time.perf_counter() - started, report.summary()
    finally:
        engine.dispose()


def cli_start_times(target: DatabaseTarget, home: Path) -> list[tuple[str, float, int]]:
    """Wall time of a few `dash` commands, each a fresh process (what a person waits for)."""
    dash = shutil.which("dash", path=str(Path(sys.executable).parent)) or "dash"
    env = {**os.environ, "DATABASE_URL": libpq_url(target.admin_url), "DASH_HOME": str(home)}
    for role in ("service", "analyst", "engineer"):
        env[f"DB_{role.upper()}_PASSWORD"] = getattr(target, role).password
    commands = [
        ["--help"],
        ["sql", "--as", "analyst", "SELECT count(*) FROM t000_orders"],
        ["knowledge", "search", "orders by status"],
    ]
    results = []
    for args in commands:
        started = time.perf_counter()
        done = subprocess.run([dash, *args], env=env, capture_output=True, timeout=300)
        results.append((f"dash {' '.join(args)}", time.perf_counter() - started, done.returncode))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description="Knowledge draft and CLI start-up benchmark.")
    parser.add_argument("--tables", type=int, default=100)
    parser.add_argument("--rows", type=int, default=10_000_000)
    args = parser.parse_args()
    print(machine())
    with scratch_target() as target:
        built = build_warehouse(target, args.tables, args.rows)
        print(
            f"  warehouse: {args.tables} tables, {args.rows:,} rows, built in {built:.1f} s (not part of the draft)"
        )
        folder = Path(tempfile.mkdtemp(prefix="dash-bench-kb-"))
        try:
            first, summary = time_draft(target, folder)
            print(f"  draft, first run (writes every file)    {first:7.2f} s   {summary}")
            again, summary = time_draft(target, folder)
            print(f"  draft, again (profiles every table)     {again:7.2f} s   {summary}")
            for label, seconds, code in cli_start_times(target, folder):
                print(f"  {label:<40} {seconds:7.2f} s   (exit {code})")
        finally:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
