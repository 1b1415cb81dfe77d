"""The asyncio pool for per-question statements: reuses clean connections, never hands out a dead
or half-used one, and keeps each event loop's connections to that loop."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import psycopg
import pytest

from db.aio import AsyncPool, async_pool
from db.engines import DatabaseTarget, Engines, conninfo


@pytest.fixture
def engines(db: DatabaseTarget) -> Iterator[Engines]:
    built = Engines(db, pool_size=1)
    yield built
    built.dispose()


async def backend_pid(pool: AsyncPool) -> int:
    async with pool.connection() as conn:
        row = await (await conn.execute("SELECT pg_backend_pid()")).fetchone()
        assert row is not None
        return int(row[0])


def terminate(db: DatabaseTarget, pid: int) -> None:
    with psycopg.connect(conninfo(db.admin_url), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        deadline = time.monotonic() + 10
        while admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone():
            assert time.monotonic() < deadline, "the backend did not go away"
            time.sleep(0.05)


def test_a_clean_connection_is_used_again_and_runs_as_the_engines_role(engines: Engines) -> None:
    async def scenario() -> tuple[int, int, str]:
        pool = async_pool(engines.service)
        first, second = await backend_pid(pool), await backend_pid(pool)
        async with pool.connection() as conn:
            row = await (await conn.execute("SELECT current_user")).fetchone()
        assert row is not None
        return first, second, str(row[0])

    first, second, user = asyncio.run(scenario())
    assert first == second
    assert user == engines.target.service.role
    assert async_pool(engines.service) is async_pool(engines.service)


def test_a_connection_the_server_closed_is_replaced_before_use(db: DatabaseTarget, engines: Engines) -> None:
    async def scenario() -> tuple[int, int]:
        pool = async_pool(engines.service)
        first = await backend_pid(pool)
        await asyncio.to_thread(terminate, db, first)
        return first, await backend_pid(pool)  # no error: the pool noticed and connected again

    first, second = asyncio.run(scenario())
    assert first != second


def test_a_connection_left_inside_a_transaction_is_not_handed_out_and_a_cancelled_one_is_clean(engines: Engines) -> None:
    async def scenario() -> list[int]:
        pool = async_pool(engines.service)
        pids = [await backend_pid(pool)]
        with pytest.raises(RuntimeError):
            async with pool.connection() as conn:
                await conn.execute("BEGIN")
                raise RuntimeError("the caller failed mid-transaction")
        pids.append(await backend_pid(pool))
        slow = asyncio.ensure_future(_sleep_in_pool(pool))
        await asyncio.sleep(0.3)
        slow.cancel()
        with pytest.raises(asyncio.CancelledError):
            await slow
        pids.append(await backend_pid(pool))
        return pids

    pids = asyncio.run(scenario())
    assert pids[1] != pids[0]  # the one left in a transaction was closed
    # psycopg cancels a cancelled statement on the server: that connection may serve again, idle.


async def _sleep_in_pool(pool: AsyncPool) -> None:
    async with pool.connection() as conn:
        await conn.execute("SELECT pg_sleep(5)")


def test_each_event_loop_has_its_own_connections_and_a_closed_loops_are_closed(engines: Engines) -> None:
    pool = async_pool(engines.service)
    first = asyncio.run(backend_pid(pool))
    second = asyncio.run(backend_pid(pool))  # a new loop: the first loop's connection is closed
    assert first != second
    pool.close()
    with psycopg.connect(conninfo(engines.target.admin_url), autocommit=True) as admin:
        deadline = time.monotonic() + 10
        while admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid IN (%s, %s)", (first, second)).fetchone():
            assert time.monotonic() < deadline, "a connection of the pool stayed open"
            time.sleep(0.05)
