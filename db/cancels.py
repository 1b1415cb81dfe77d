"""Cancel requests across replicas, at once: NOTIFY when one is stored, LISTEN in every process.

`Store.request_cancel` marks the run and, in the same transaction, notifies `dash_run_cancel`
with its id (PostgreSQL delivers it at commit, to every listening session). Each process runs one
`CancelListener` on its own connection and hands each id to its runner, which stops the run if
it drives it and ignores it otherwise. A listener that loses its connection (the database
restarted) connects again, to the port the server listens on now; meanwhile the run's heartbeat
still notices the stored request.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import psycopg
from sqlalchemy import Connection, text

log = logging.getLogger(__name__)
CHANNEL = "dash_run_cancel"
RETRY_S = 2.0


def notify_cancel(conn: Connection, run_id: str) -> None:
    """Tell every process a cancel of `run_id` was asked for (sent when `conn` commits)."""
    conn.execute(text("SELECT pg_notify(:channel, :run_id)"), {"channel": CHANNEL, "run_id": run_id})


class CancelListener:
    """Calls `on_cancel(run_id)` for every cancel request made on any replica."""

    def __init__(
        self, conninfo: Callable[[], str], on_cancel: Callable[[str], object], retry_s: float = RETRY_S
    ) -> None:
        self.conninfo, self.on_cancel, self.retry_s = conninfo, on_cancel, retry_s
        self.listening = asyncio.Event()  # set while LISTEN is in place (tests wait for it)
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            try:
                await self._listen()
            except Exception as exc:  # e.g. the database restarted: listen again shortly
                log.warning("not hearing cancel requests from other replicas (%s); retrying", exc)
            self.listening.clear()
            await asyncio.sleep(self.retry_s)

    async def _listen(self) -> None:
        async with await psycopg.AsyncConnection.connect(self.conninfo(), autocommit=True) as conn:
            await conn.execute(f"LISTEN {CHANNEL}")
            self.listening.set()
            async for note in conn.notifies():
                self.on_cancel(note.payload)
