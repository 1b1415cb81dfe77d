"""`Runner`: how every surface starts, follows and cancels a run.

    live = await runner.start(RunRequest(user_id, "What was revenue last month?", surface="slack"))
    async for event in follow(live, 0, keepalive_s): ...
    runner.cancel(run_id)  # e.g. POST /v1/runs/{id}/cancel: stops it now, in this process

REST, MCP, Slack, the scheduler and `dash ask` all go through one. The service builds one in its
lifespan and hands it to each surface; the CLI builds its own. Each run is driven in a task the
runner owns, not by a request or a Slack event, so a client that goes away does not stop it: it
finishes and is stored, and can be replayed. Its recorder hands each stored event to the run's
`LiveRun`, which every follower in this process shares. A cancel for a run another replica
drives is stored (`Store.request_cancel`) and stops it at that replica's next heartbeat.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

from agents.live import EventSource, LiveRun, StoredRun, follow, stored
from agents.run_events import RunEvent
from agents.scope import Deps
from agents.team import ask
from db import observe
from db.engines import database_unreachable
from db.store import NO_LIMITS, RunLimits

log = logging.getLogger(__name__)
IDLE_S = 3600.0  # `run()` has no keep-alives to send: it just waits for the next event


@dataclass(frozen=True)
class RunRequest:
    """One question for the team: who asks, in which session (None: a new one), from where.

    `surface` is for metrics (rest, mcp, slack, schedule, cli); `acting_user` names who asks on
    the user's behalf (an admin's schedule); `limits` are the per-user limits to enforce.
    """

    user_id: str
    question: str
    session_id: str | None = None
    surface: str = "rest"
    limits: RunLimits = NO_LIMITS
    acting_user: str | None = None


class Runner:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.live: dict[str, LiveRun] = {}
        self.tasks: dict[str, asyncio.Task[None]] = {}
        self._pending: set[asyncio.Task[None]] = set()
        self._stopping: set[str] = set()  # cancelled once: a second cancel would cut its ending short

    async def start(self, request: RunRequest) -> LiveRun:
        """Start the run in a task of the runner's; returns its live stream once the run exists.

        Whatever `ask()` raises before the run starts (QuestionRefused, ModelNotConfigured,
        TooManyRequests, SessionTaken) is raised here, so the caller can answer with its status
        and message; nothing was stored then.
        """
        live = LiveRun(request.user_id)
        started: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        task = asyncio.create_task(self._drive(request, live, started))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)
        await asyncio.shield(started)
        return live

    async def run(self, request: RunRequest) -> AsyncIterator[RunEvent]:
        """Start the run and yield its events to the end, for a surface that waits for the answer
        (Slack, the scheduler, the CLI). The run is still the runner's: `cancel` stops it at
        once. A caller that stops reading (it was cancelled, say) cancels the run."""
        live = await self.start(request)
        try:
            async for stored_event in follow(live, 0, IDLE_S):
                if stored_event is not None:
                    yield stored_event.event
        finally:
            if not live.done:
                self.cancel(live.run_id)

    def source(self, user_id: str, run_id: str) -> EventSource:
        """How to follow the run: from memory if this process drives it, else from the store."""
        live = self.live.get(run_id)
        if live is not None and live.user_id == user_id:
            return live
        return StoredRun(self.deps.store, user_id, run_id)

    def cancel(self, run_id: str) -> bool:
        """Stop a run this process drives, at once; False when it does not drive it (or already
        stopped it).

        Callers store the request first (`Store.request_cancel`): the run's recorder reads it to
        end the run "cancelled on request", and it reaches the replica driving the run.
        """
        task = self.tasks.get(run_id)
        if task is None or task.done() or run_id in self._stopping:
            return False
        self._stopping.add(run_id)
        task.cancel()
        return True

    async def close(self) -> None:
        """Cancel every run still going (each ends `cancelled`) and wait for them to be recorded."""
        for task in list(self._pending):
            task.cancel()
        for task in list(self._pending):
            with contextlib.suppress(BaseException):
                await task

    async def _drive(self, request: RunRequest, live: LiveRun, started: asyncio.Future[None]) -> None:
        began, cause = time.perf_counter(), None
        try:
            async for _event in self._ask(request, live):  # the recorder hands `live` each event
                if not started.done():
                    self._register(live, started)
        except Exception as exc:
            cause = exc
            _failed(exc, live, started)
        finally:
            if not started.done():
                started.set_exception(RuntimeError("The run ended before it started."))
            elif live.run_id:
                await asyncio.shield(self._settle(live, cause))
                outcome = live.events[-1].type.removeprefix("run_") if live.complete else "cancelled"
                observe.emit(
                    "run", surface=request.surface, outcome=outcome, seconds=time.perf_counter() - began
                )

    def _ask(self, request: RunRequest, live: LiveRun) -> AsyncIterator[RunEvent]:
        return ask(
            self.deps,
            request.user_id,
            request.question,
            request.session_id,
            limits=request.limits,
            acting_user=request.acting_user,
            listener=live.add,
        )

    def _register(self, live: LiveRun, started: asyncio.Future[None]) -> None:
        current = asyncio.current_task()
        assert current is not None and live.run_id, "a run is registered by its task, once opened"
        self.live[live.run_id] = live
        self.tasks[live.run_id] = current  # type: ignore[assignment]
        started.set_result(None)

    async def _settle(self, live: LiveRun, cause: Exception | None) -> None:
        """Close the live stream. A run that ended without its own final event (deleted, ended
        elsewhere, or its last write failed) gets what the store has, or says why it has not."""
        try:
            if not live.complete:
                after = live.events[-1].id if live.events else 0
                store = self.deps.store
                found = await asyncio.to_thread(store.events_after, live.user_id, live.run_id, after)
                live.gone = found is None
                for event in stored(found or ()):
                    live.add(event)
        except Exception as exc:  # its followers still end (each stream says it stopped short)
            cause = cause or exc
            log.warning("could not read the last events of run %s: %s", live.run_id, exc)
        finally:
            live.close(cause)
            self.live.pop(live.run_id, None)
            self.tasks.pop(live.run_id, None)
            self._stopping.discard(live.run_id)


def _failed(exc: Exception, live: LiveRun, started: asyncio.Future[None]) -> None:
    """Before the run exists: the caller gets the error. After: the recorder ended the run; say why."""
    if not started.done():
        started.set_exception(exc)
    elif database_unreachable(exc):  # expected in an outage: its followers are told so
        log.warning("run %s stopped: the database is not reachable (%s)", live.run_id, exc)
    else:
        log.exception("run %s failed outside its recorder", live.run_id)
