"""Asyncio connections for the statements every question makes.

A store call through `asyncio.to_thread` and SQLAlchemy costs about 0.8 ms of Dash's CPU per
statement when a few hundred runs are in flight (the thread hop, the GIL handed between threads,
SQLAlchemy's execution layers); the same statement on an asyncio psycopg connection costs about
0.2 ms (`benchmarks/statement_cost.py`). The per-question path — recording a run and its events,
the session, the context's reads — goes through `AsyncPool`; everything else keeps the engines.

Connections are in autocommit mode: one statement is its own transaction, and
`async with conn.transaction():` groups several. A pool keeps its connections per event loop (a
psycopg connection waits on the loop that uses it; tests and CLI commands run several loops), and
follows the embedded server to a new port as the engines do. Like `db/pool_ping.py`, an idle
connection is pinged before use only when there is reason to doubt it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import weakref
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg.pq import TransactionStatus
from sqlalchemy import Engine

from db.pool_ping import IDLE_PING_S, in_doubt

POOL_SIZE = 20  # connections per loop by default; more waiters queue (statements here are short)
AsyncConnection = psycopg.AsyncConnection[Any]


@dataclass
class _Idle:
    connection: AsyncConnection
    since: float


@dataclass
class _LoopState:
    slots: asyncio.Semaphore
    idle: deque[_Idle] = field(default_factory=deque)


class AsyncPool:
    """Up to `size` autocommit connections per event loop, made with `conninfo()` (called per
    connection, so it can follow a server that moved)."""

    def __init__(
        self, conninfo: Callable[[], str], *, size: int = POOL_SIZE, idle_s: float = IDLE_PING_S
    ) -> None:
        self.conninfo, self.size, self.idle_s = conninfo, size, idle_s
        self._loops: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopState] = (
            weakref.WeakKeyDictionary()
        )

    @contextlib.asynccontextmanager
    async def connection(self) -> AsyncIterator[AsyncConnection]:
        """A connection of this loop's pool; back to the pool afterwards if it is left clean."""
        state = self._state(asyncio.get_running_loop())
        async with state.slots:
            conn = await self._take(state)
            try:
                yield conn
            finally:
                self._give_back(state, conn)

    def close(self) -> None:
        """Close every idle connection, of every loop (no loop needed: libpq closes the socket)."""
        for state in list(self._loops.values()):
            while state.idle:
                state.idle.pop().connection.pgconn.finish()

    def _state(self, loop: asyncio.AbstractEventLoop) -> _LoopState:
        state = self._loops.get(loop)
        if state is None:
            self._forget_closed_loops()
            state = self._loops[loop] = _LoopState(asyncio.Semaphore(self.size))
        return state

    def _forget_closed_loops(self) -> None:
        for loop, state in list(self._loops.items()):
            if loop.is_closed():
                while state.idle:
                    state.idle.pop().connection.pgconn.finish()
                del self._loops[loop]

    async def _take(self, state: _LoopState) -> AsyncConnection:
        while state.idle:
            idle = state.idle.pop()  # the most recently used: its socket is the likeliest alive
            if not in_doubt(idle.connection, idle.since, self.idle_s):
                return idle.connection
            if await _answers(idle.connection):
                return idle.connection
        return await psycopg.AsyncConnection.connect(self.conninfo(), autocommit=True)

    def _give_back(self, state: _LoopState, conn: AsyncConnection) -> None:
        # Mid-statement (cancelled) or mid-transaction or broken: not safe to hand out again.
        if conn.closed or conn.pgconn.transaction_status != TransactionStatus.IDLE:
            conn.pgconn.finish()
            return
        state.idle.append(_Idle(conn, time.monotonic()))


async def _answers(conn: AsyncConnection) -> bool:
    try:
        await conn.execute("SELECT 1")
        return True
    except psycopg.Error:
        conn.pgconn.finish()
        return False


_pools: weakref.WeakKeyDictionary[Engine, AsyncPool] = weakref.WeakKeyDictionary()


def async_pool(engine: Engine) -> AsyncPool:
    """The asyncio pool beside `engine` (same role, same database, same server), made once, as
    large as the engine's pool with its overflow (2 x DB_POOL_SIZE: with fewer, a few hundred
    runs in flight queue for connections — measured, benchmarks/runs.py)."""
    pool = _pools.get(engine)
    if pool is None:
        size = 2 * getattr(engine.pool, "size", lambda: POOL_SIZE // 2)()
        pool = _pools[engine] = AsyncPool(lambda: engine_conninfo(engine), size=size)
    return pool


def close_async_pool(engine: Engine) -> None:
    """Close the idle connections of `engine`'s asyncio pool, if it has one (with `dispose()`)."""
    pool = _pools.pop(engine, None)
    if pool is not None:
        pool.close()


def engine_conninfo(engine: Engine) -> str:
    """A libpq string for `engine`'s role and database, at the port its server listens on now."""
    from db.engines import conninfo, current_port  # engines imports this module

    port = current_port(engine)
    return conninfo(engine.url.set(port=port) if port is not None else engine.url)
