"""How much the SQL guard and the execution path cost.

    .venv/bin/python benchmarks/sql_guard.py [--rounds 20] [--queries 300]

Prints the machine, the guard's median cost per statement over the fixture corpus
(tests/fixtures/sql_guard), and the end-to-end overhead of `run_sql` (guard + audit + role +
read-only transaction + limits + pool reset) over a bare `SELECT 1` on a pooled connection. It
starts its own embedded PostgreSQL in a temporary folder and destroys it at the end.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import yaml
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.settings import Settings  # noqa: E402
from db.bootstrap import bootstrap  # noqa: E402
from db.embedded import EmbeddedPostgres  # noqa: E402
from db.engines import Engines, resolve_target  # noqa: E402
from db.sql_exec import SqlLimits, load_catalog, run_sql  # noqa: E402
from db.sql_guard import Catalog, check  # noqa: E402

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "sql_guard"


def machine() -> str:
    return f"cpus={os.cpu_count()} python={platform.python_version()} platform={platform.platform()}"


def median_us(fn: Callable[[], object], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1e6)
    return statistics.median(samples)


def guard_cost(rounds: int) -> tuple[int, float, float]:
    """(statements, median µs per statement, slowest statement's median µs)."""
    cases = [c for path in sorted(FIXTURES.glob("*.yaml")) for c in yaml.safe_load(path.read_text())]
    catalog = Catalog({"public": frozenset({"customers", "invoices"}), "dash": frozenset({"sandbox"})})
    costs = [median_us(partial(check, c["role"], c["sql"], catalog), rounds) for c in cases]
    return len(cases), statistics.median(costs), max(costs)


def execution_overhead(queries: int) -> dict[str, float]:
    home = Path(tempfile.mkdtemp(prefix="dash-bench-sqlguard-", dir="/tmp"))
    os.chmod(home, 0o755)  # the server runs as `nobody` when we are root
    server = EmbeddedPostgres(home, fast_unsafe=True)
    try:
        server.ensure_started()
        target = resolve_target(Settings(_env_file=None, dash_home=home, database_url=None))  # type: ignore[call-arg]
        bootstrap(target)
        return _measure(Engines(target, pool_size=2), queries)
    finally:
        server.destroy()


def _measure(engines: Engines, queries: int) -> dict[str, float]:
    def bare() -> None:
        with engines.analyst.connect() as conn:
            conn.execute(text("SELECT 1")).all()

    limits = SqlLimits()
    for warm in (bare, lambda: run_sql(engines, "analyst", "SELECT 1", limits=limits)):
        warm()
    result = {
        "bare_select_us": median_us(bare, queries),
        "run_sql_analyst_us": median_us(
            lambda: run_sql(engines, "analyst", "SELECT 1", limits=limits), queries
        ),
        "run_sql_engineer_us": median_us(
            lambda: run_sql(engines, "engineer", "SELECT 1", limits=limits), queries
        ),
        "engineer_catalog_us": median_us(lambda: load_catalog(engines.engineer), queries),
    }
    engines.dispose()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20, help="timings per fixture statement")
    parser.add_argument("--queries", type=int, default=300, help="timed statements per path")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    count, median, slowest = guard_cost(args.rounds)
    print(f"guard: {count} fixture statements, median {median:.0f} µs/statement, slowest {slowest:.0f} µs")
    e2e = execution_overhead(args.queries)
    print(f"bare SELECT 1 on a pooled analyst connection: {e2e['bare_select_us']:.0f} µs (median)")
    for role in ("analyst", "engineer"):
        total = e2e[f"run_sql_{role}_us"]
        print(f"run_sql as {role}: {total:.0f} µs (median), overhead {total - e2e['bare_select_us']:.0f} µs")
    print(f"  of which the engineer's catalog snapshot: {e2e['engineer_catalog_us']:.0f} µs")


if __name__ == "__main__":
    main()
