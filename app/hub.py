"""`RunHub`: starts runs in background tasks and keeps the `LiveRun` of each one in flight.

The task belongs to the hub, not to a request, so a client that disconnects does not stop the
run: it finishes and is stored, and the client can replay it. The hub cancels what is left at
shutdown (each run then ends `cancelled`, recorded by its RunRecorder).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

from agents import run_events as rev
from app.live import EventSource, LiveRun, StoredRun
from db.engines import database_unreachable
from db.store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Started:
    run_id: str
    session_id: str


class RunHub:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.live: dict[str, LiveRun] = {}
        self.tasks: dict[str, asyncio.Task[None]] = {}
        self._pending: set[asyncio.Task[None]] = set()

    async def start(self, user_id: str, events: AsyncIterator[rev.RunEvent]) -> Started:
        """Drive `events` (an `ask()`) in the background; returns once the run exists.

        Whatever `ask()` raises before the run starts (QuestionRefused, ModelNotConfigured,
        TooManyRequests, SessionTaken) is raised here, so the caller can answer with its status
        and message; nothing was stored then.
        """
        started: asyncio.Future[Started] = asyncio.get_running_loop().create_future()
        task = asyncio.create_task(self._drive(user_id, events, started))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)
        return await asyncio.shield(started)

    def source(self, user_id: str, run_id: str) -> EventSource:
        """How to follow the run: from the shared buffer if this process drives it, else the store."""
        live = self.live.get(run_id)
        if live is not None and live.user_id == user_id:
            return live
        return StoredRun(self.store, user_id, run_id)

    def cancel(self, run_id: str) -> None:
        """Stop a run this process drives now, rather than at its next heartbeat."""
        task = self.tasks.get(run_id)
        if task is not None:
            task.cancel()

    async def close(self) -> None:
        for task in list(self._pending):
            task.cancel()
        for task in list(self._pending):
            with contextlib.suppress(BaseException):
                await task

    async def _drive(
        self, user_id: str, events: AsyncIterator[rev.RunEvent], started: asyncio.Future[Started]
    ) -> None:
        live: LiveRun | None = None
        pump: asyncio.Task[None] | None = None
        cause: Exception | None = None
        try:
            async for event in events:
                if live is None:
                    live, pump = self._open(user_id, event, started)
                live.poke(urgent=not isinstance(event, rev.ContentDelta))
        except Exception as exc:
            cause = exc
            if not started.done():
                started.set_exception(exc)
            elif database_unreachable(exc):  # expected in an outage: its followers are told so
                log.warning("run %s stopped: the database is not reachable (%s)", live_id(live), exc)
            else:
                log.exception("run %s failed outside its recorder", live_id(live))
        finally:
            if not started.done():
                started.set_exception(RuntimeError("The run ended before it started."))
            if live is not None and pump is not None:
                await self._close(live, pump, cause)

    def _open(
        self, user_id: str, event: rev.RunEvent, started: asyncio.Future[Started]
    ) -> tuple[LiveRun, asyncio.Task[None]]:
        assert isinstance(event, rev.RunStarted), f"a run starts with run_started, not {event.type}"
        live = LiveRun(self.store, user_id, event.run_id)
        self.live[event.run_id] = live
        current = asyncio.current_task()
        assert current is not None
        self.tasks[event.run_id] = current  # type: ignore[assignment]
        started.set_result(Started(event.run_id, event.session_id))
        return live, asyncio.create_task(live.pump())

    async def _close(self, live: LiveRun, pump: asyncio.Task[None], cause: Exception | None) -> None:
        pump.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await pump
        try:
            await asyncio.shield(live.refresh())  # the final events, stored before ask() returned
        except Exception as exc:  # its followers still end (each stream says it stopped short)
            cause = cause or exc
            log.warning("could not read the last events of run %s: %s", live.run_id, exc)
        finally:
            live.close(cause)
            self.live.pop(live.run_id, None)
            self.tasks.pop(live.run_id, None)


def live_id(live: LiveRun | None) -> str:
    return live.run_id if live is not None else "?"
