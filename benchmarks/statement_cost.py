"""CPU one statement costs Dash's process, by the way it reaches PostgreSQL.

    python benchmarks/statement_cost.py [--statements 3000] [--concurrency 50]

Runs `SELECT 1` (connection checkout included) on an embedded PostgreSQL in a throw-away folder:
through SQLAlchemy in the calling thread, through SQLAlchemy in `asyncio.to_thread` with
`--concurrency` calls in flight (how store calls ran per question), and on `db/aio.py`'s asyncio
pool with the same concurrency. Prints this process's CPU (user + system) per statement; the
server's CPU is not counted. Why the per-question path uses `db/aio.py`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1]))

from sqlalchemy import Engine, create_engine, text  # noqa: E402

from benchmarks.dash_process import machine  # noqa: E402
from db.aio import AsyncPool  # noqa: E402
from db.embedded import EmbeddedPostgres  # noqa: E402


def cpu_per_call_us(calls: int, run: Callable[[], object]) -> float:
    started = time.process_time()
    run()
    return (time.process_time() - started) / calls * 1e6


def sqlalchemy_in_thread(engine: Engine, statements: int) -> float:
    def one() -> None:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1")).all()

    def all_of_them() -> None:
        for _ in range(statements):
            one()

    one()  # the pool's first connection is not what we measure
    return cpu_per_call_us(statements, all_of_them)


async def in_flight(statements: int, concurrency: int, one: Callable[[], Awaitable[None]]) -> None:
    gate = asyncio.Semaphore(concurrency)

    async def gated() -> None:
        async with gate:
            await one()

    await asyncio.gather(*(gated() for _ in range(statements)))


def sqlalchemy_to_thread(engine: Engine, statements: int, concurrency: int) -> float:
    def one() -> None:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1")).all()

    async def call() -> None:
        await asyncio.to_thread(one)

    asyncio.run(in_flight(concurrency, concurrency, call))  # warm the pool
    return cpu_per_call_us(statements, lambda: asyncio.run(in_flight(statements, concurrency, call)))


def asyncio_pool(conninfo: str, statements: int, concurrency: int) -> float:
    pool = AsyncPool(lambda: conninfo, size=concurrency)

    async def call() -> None:
        async with pool.connection() as conn:
            await (await conn.execute("SELECT 1")).fetchall()

    async def measured() -> float:
        await in_flight(concurrency, concurrency, call)  # warm the pool in this loop
        started = time.process_time()
        await in_flight(statements, concurrency, call)
        return (time.process_time() - started) / statements * 1e6

    try:
        return asyncio.run(measured())
    finally:
        pool.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--statements", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=50)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="dash-bench-", dir="/tmp"))
    os.chmod(home, 0o755)
    database = EmbeddedPostgres(home)
    try:
        status = database.ensure_started()
        assert status.port is not None
        url = database.admin_url(status.port)
        print(machine(database))
        engine = create_engine(url, pool_size=args.concurrency, max_overflow=0)
        n, c = args.statements, args.concurrency
        print(f"SQLAlchemy, calling thread:      {sqlalchemy_in_thread(engine, n):6.0f} us CPU per statement")
        print(
            f"SQLAlchemy, to_thread, {c} at once: {sqlalchemy_to_thread(engine, n, c):6.0f} us CPU per statement"
        )
        engine.dispose()
        conninfo = url.replace("postgresql+psycopg://", "postgresql://")
        print(f"db/aio.py pool, {c} at once:      {asyncio_pool(conninfo, n, c):6.0f} us CPU per statement")
    finally:
        database.destroy()


if __name__ == "__main__":
    main()
