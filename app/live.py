"""Runs in flight in this process, and following any run's stored events (live or finished).

`ask()` yields run events without ids; the ids a client resumes from are the stored ones. So the
`RunHub` drives each run in a background task (not tied to any request: the run goes on when a
client disconnects) and, when the run makes progress, reads its newly stored events once per
run into a `LiveRun` buffer that every follower of that run shares. A run this process does not
drive (another replica, or already finished) is followed by polling the store.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Protocol

from agents import run_events as rev
from db.engines import database_unreachable
from db.store import EventRecord, Store

log = logging.getLogger(__name__)
TERMINAL_TYPES = frozenset(cls.type for cls in (rev.RunCompleted, rev.RunFailed, rev.RunCancelled))
DELTA_WAIT_S = 0.15  # answer chunks reach the store in batches (RunRecorder flushes every 0.1 s)
POLL_S = 0.5


class StreamCut(Exception):
    """The run is over but its stream cannot reach its final event; `code` says why."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class EventSource(Protocol):
    run_id: str

    async def next_batch(self, after: int, timeout: float) -> tuple[list[EventRecord], bool]:
        """Events with id > `after` (waiting up to `timeout` for some) and whether the run ended
        with nothing after them (also when `after` is at or past its final event). StreamCut
        when the run is over but its remaining events cannot be had."""
        ...


class LiveRun:
    """The stored events of a run this process is driving, shared by all its followers."""

    def __init__(self, store: Store, user_id: str, run_id: str) -> None:
        self.store, self.user_id, self.run_id = store, user_id, run_id
        self.events: list[EventRecord] = []
        self.done = False
        self.gone = False  # the run was deleted (with its session) while it ran
        self.cause: BaseException | None = None  # why the last events may be missing
        self._changed = asyncio.Event()
        self._poked = asyncio.Event()
        self._urgent = False
        self._lock = asyncio.Lock()  # one read at a time, or two could append the same events

    def poke(self, urgent: bool) -> None:
        """Something new was stored (urgent) or will be within a flush interval (an answer chunk)."""
        self._urgent |= urgent
        self._poked.set()

    async def pump(self) -> None:
        while not self.done:
            await self._poked.wait()
            self._poked.clear()
            if not self._urgent:
                await asyncio.sleep(DELTA_WAIT_S)
            self._urgent = False
            try:
                await self.refresh()
            except Exception as exc:  # e.g. the database is away: the next poke tries again
                self.cause = exc
                log.warning("could not read the new events of run %s: %s", self.run_id, exc)

    async def refresh(self) -> None:
        async with self._lock:
            after = self.events[-1].id if self.events else 0
            found = await asyncio.to_thread(self.store.events_after, self.user_id, self.run_id, after)
            self.gone = found is None
            if found:
                self.events.extend(found)
                self._wake()

    def close(self, cause: BaseException | None = None) -> None:
        """No more events will come; `cause`: what stopped the run or its last read, if anything."""
        self.cause = cause or self.cause
        self.done = True
        self._poked.set()
        self._wake()

    def _wake(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    def _after(self, after: int) -> list[EventRecord]:
        return self.events[bisect.bisect_right(self.events, after, key=lambda e: e.id) :]

    async def next_batch(self, after: int, timeout: float) -> tuple[list[EventRecord], bool]:
        batch = self._after(after)
        if not batch and not self.done:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), timeout)
            batch = self._after(after)
        ended = self.done and not self._after(batch[-1].id if batch else after)
        complete = bool(self.events) and self.events[-1].type in TERMINAL_TYPES
        if ended and not complete and not batch:
            raise StreamCut(self._why_cut())
        return batch, ended and complete

    def _why_cut(self) -> str:
        if self.gone:
            return "run_deleted"
        if self.cause is not None and database_unreachable(self.cause):
            return "database_unavailable"
        return "stream_interrupted"


class StoredRun:
    """A run followed through the store alone: replay, then poll until it ends."""

    def __init__(self, store: Store, user_id: str, run_id: str) -> None:
        self.store, self.user_id, self.run_id = store, user_id, run_id

    async def next_batch(self, after: int, timeout: float) -> tuple[list[EventRecord], bool]:
        waited = 0.0
        while True:
            found = await self._events(after)
            if found or waited >= timeout:
                return found, bool(found) and found[-1].type in TERMINAL_TYPES
            if await self._finished():  # its final event was committed with its status: read again
                found = await self._events(after)
                return found, not found or found[-1].type in TERMINAL_TYPES
            await asyncio.sleep(POLL_S)
            waited += POLL_S

    async def _events(self, after: int) -> list[EventRecord]:
        found = await asyncio.to_thread(self.store.events_after, self.user_id, self.run_id, after)
        if found is None:
            raise StreamCut("run_deleted")
        return found

    async def _finished(self) -> bool:
        run = await asyncio.to_thread(self.store.get_run, self.user_id, self.run_id)
        if run is None:
            raise StreamCut("run_deleted")
        return run.finished


async def follow(source: EventSource, after: int, keepalive_s: float) -> AsyncIterator[EventRecord | None]:
    """Every event after `after` until the run ends; None whenever `keepalive_s` passed idle."""
    while True:
        batch, ended = await source.next_batch(after, keepalive_s)
        if not batch and not ended:
            yield None
        for record in batch:
            yield record
            after = record.id
            if record.type in TERMINAL_TYPES:
                return
        if ended:
            return
