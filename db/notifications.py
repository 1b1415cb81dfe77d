"""What one process must hear from the others at once, on one connection: NOTIFY / LISTEN.

A writer announces in its own transaction (PostgreSQL delivers at commit, to every listening
session): `dash_run_cancel` with a run id when a cancel is stored (`Store.request_cancel`), and
`dash_api_key_revoked` with a key id when a key is revoked (`db.api_keys.revoke_key`), and
`dash_knowledge_changed` with the new knowledge version when the shared knowledge changes (the
triggers of migration 112). Each process
runs one `Listener` and hands each payload to the handlers of its channel: the runner stops the run
if it drives it; the key cache forgets the key; the shared-knowledge cache reads the version again. A listener that loses its connection (the database
restarted) tells its state handlers, then connects again — to the port the server listens on now —
and tells them again once it hears; meanwhile a run's heartbeat still notices a stored cancel, and
the key cache remembers nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

import psycopg
from psycopg.abc import RV, PQGen
from sqlalchemy import Connection, text

log = logging.getLogger(__name__)
CANCEL_CHANNEL = "dash_run_cancel"
KNOWLEDGE_CHANNEL = "dash_knowledge_changed"  # announced by the triggers of ai.knowledge_version
RETRY_S = 2.0
QUIET_WAIT_S = 60.0  # how often the idle listening connection wakes: cancelling its task ends it at once
# Shorter than the pools' 10 s: an attempt that hangs (a port something else took while the server
# was down) would otherwise keep the listener deaf that long after the server is back.
CONNECT_TIMEOUT_S = 3


class _ListeningConnection(psycopg.AsyncConnection[Any]):
    """psycopg wakes every 0.1 s while it waits on a connection, to notice interrupts; a task is
    cancelled without that, and the listening connection waits nearly all the time."""

    async def wait(self, gen: PQGen[RV], interval: float = QUIET_WAIT_S, timeout: float | None = None) -> RV:
        return await super().wait(gen, interval=interval, timeout=timeout)


def notify_cancel(conn: Connection, run_id: str) -> None:
    """Tell every process a cancel of `run_id` was asked for (sent when `conn` commits)."""
    conn.execute(text("SELECT pg_notify(:channel, :run_id)"), {"channel": CANCEL_CHANNEL, "run_id": run_id})


class Listener:
    """Calls `on(channel, handler)`'s handlers with each payload announced on that channel by any
    process, and `on_state(handler)`'s handlers with True / False as hearing starts and stops."""

    def __init__(self, conninfo: Callable[[], str], retry_s: float = RETRY_S) -> None:
        self.conninfo, self.retry_s = conninfo, retry_s
        self.handlers: dict[str, list[Callable[[str], object]]] = {}
        self.state_handlers: list[Callable[[bool], object]] = []
        self.listening = asyncio.Event()  # set while LISTEN is in place (tests wait for it)
        self._task: asyncio.Task[None] | None = None

    def on(self, channel: str, handler: Callable[[str], object]) -> None:
        assert channel.isidentifier(), channel  # it goes into LISTEN as an identifier
        self.handlers.setdefault(channel, []).append(handler)

    def on_state(self, handler: Callable[[bool], object]) -> None:
        self.state_handlers.append(handler)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._hearing(False)

    async def _run(self) -> None:
        while True:
            try:
                await self._listen()
            except Exception as exc:  # e.g. the database restarted: listen again shortly
                log.warning(
                    "not hearing other processes' cancels, key revocations and knowledge changes (%s); retrying",
                    exc,
                )
            self._hearing(False)
            await asyncio.sleep(self.retry_s)

    async def _listen(self) -> None:
        connect = _ListeningConnection.connect(
            self.conninfo(), autocommit=True, connect_timeout=CONNECT_TIMEOUT_S
        )
        async with await connect as conn:
            for channel in self.handlers:
                await conn.execute(f"LISTEN {channel}")
            self._hearing(True)
            async for note in conn.notifies():
                for handler in self.handlers.get(note.channel, ()):
                    handler(note.payload)

    def _hearing(self, on: bool) -> None:
        if on == self.listening.is_set():
            return
        if on:
            self.listening.set()
        else:
            self.listening.clear()
        for handler in self.state_handlers:
            handler(on)
