"""Following a run's events: from memory while this process drives it, else from the store.

The `RunRecorder` of a run this process drives hands each event to the run's `LiveRun` as soon
as it is stored, with its id, so every follower (an SSE stream, Slack, the scheduler, the CLI)
shares one in-memory buffer and nothing reads back what was just written. A run driven by
another replica, or already finished, is followed through the store (`StoredRun`, polling).
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
from collections.abc import AsyncIterator, Iterable
from typing import Protocol

from agents.run_events import StoredEvent
from db.engines import database_unreachable
from db.store import EventRecord, Store

POLL_S = 0.5


class StreamCut(Exception):
    """The run is over but its stream cannot reach its final event; `code` says why."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class EventSource(Protocol):
    run_id: str

    async def next_batch(self, after: int, timeout: float) -> tuple[list[StoredEvent], bool]:
        """Events with id > `after` (waiting up to `timeout` for some) and whether the run ended
        with nothing after them (also when `after` is at or past its final event). StreamCut
        when the run is over but its remaining events cannot be had."""
        ...


def stored(records: Iterable[EventRecord]) -> list[StoredEvent]:
    """Rows read from the store as the events a stream sends."""
    return [StoredEvent(r.id, r.run_id, r.type, r.payload) for r in records]


class LiveRun:
    """The events of a run this process drives, as its recorder stores them; shared by all its
    followers. `add` is the recorder's listener; `close` says no more will come."""

    def __init__(self, user_id: str) -> None:
        self.user_id = user_id
        self.run_id = self.session_id = ""  # known once the run is opened (its first event)
        self.events: list[StoredEvent] = []
        self.done = False
        self.gone = False  # the run was deleted (with its session) while it ran
        self.cause: BaseException | None = None  # why the last events may be missing
        self._changed = asyncio.Event()

    def add(self, event: StoredEvent) -> None:
        if not self.events:
            self.run_id = event.run_id
            self.session_id = str(event.payload.get("session_id", ""))
        self.events.append(event)
        self._wake()

    @property
    def complete(self) -> bool:
        return bool(self.events) and self.events[-1].terminal

    def close(self, cause: BaseException | None = None) -> None:
        """No more events will come; `cause`: what stopped the run or its last read, if anything."""
        self.cause = cause or self.cause
        self.done = True
        self._wake()

    def _wake(self) -> None:
        # One wake-up per stored event (answer text arrives in coalesced batches), shared by
        # every follower waiting on it.
        self._changed.set()
        self._changed = asyncio.Event()

    def _after(self, after: int) -> list[StoredEvent]:
        return self.events[bisect.bisect_right(self.events, after, key=lambda e: e.id) :]

    async def next_batch(self, after: int, timeout: float) -> tuple[list[StoredEvent], bool]:
        batch = self._after(after)
        if not batch and not self.done:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), timeout)
            batch = self._after(after)
        ended = self.done and not self._after(batch[-1].id if batch else after)
        if ended and not self.complete and not batch:
            raise StreamCut(self._why_cut())
        return batch, ended and self.complete

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

    async def next_batch(self, after: int, timeout: float) -> tuple[list[StoredEvent], bool]:
        waited = 0.0
        while True:
            found = await self._events(after)
            if found or waited >= timeout:
                return found, bool(found) and found[-1].terminal
            if await self._finished():  # its final event was committed with its status: read again
                found = await self._events(after)
                return found, not found or found[-1].terminal
            await asyncio.sleep(POLL_S)
            waited += POLL_S

    async def _events(self, after: int) -> list[StoredEvent]:
        found = await asyncio.to_thread(self.store.events_after, self.user_id, self.run_id, after)
        if found is None:
            raise StreamCut("run_deleted")
        return stored(found)

    async def _finished(self) -> bool:
        run = await asyncio.to_thread(self.store.get_run, self.user_id, self.run_id)
        if run is None:
            raise StreamCut("run_deleted")
        return run.finished


async def follow(source: EventSource, after: int, keepalive_s: float) -> AsyncIterator[StoredEvent | None]:
    """Every event after `after` until the run ends; None whenever `keepalive_s` passed idle."""
    async for batch in batches(source, after, keepalive_s):
        if not batch:
            yield None
        for event in batch:
            yield event


async def batches(source: EventSource, after: int, keepalive_s: float) -> AsyncIterator[list[StoredEvent]]:
    """The same, a batch at a time (what arrived together goes out together); [] when idle."""
    while True:
        batch, ended = await source.next_batch(after, keepalive_s)
        for index, event in enumerate(batch):
            if event.terminal:
                yield batch[: index + 1]
                return
        if batch or not ended:
            yield batch
        if ended:
            return
        after = batch[-1].id if batch else after
