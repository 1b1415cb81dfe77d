"""RunRecorder: the lifetime of one run, written to the store as it happens.

    async with RunRecorder(store, user_id, session_id, question) as rec:
        await rec.emit(ToolStarted(...))
        ...
        await rec.emit(RunCompleted(answer, sql, usage))

Guarantees: every event is stored in emit order; answer chunks (ContentDelta) are coalesced
into fewer rows without losing text; events are written in the background, what gathered
meanwhile in one transaction, so `emit` never waits on the database (if a background write
fails, the next `emit` raises that error, so the run stops rather than go on unrecorded); the
final event waits until everything before it is stored; the run always ends completed, failed
or cancelled — an exception in the body fails it with the message, cancellation cancels it, and
a body that ends without a final event fails it. Each database call is one statement
(db/store/run_writes.py) on the asyncio pool (db/aio.py): no thread, no transaction held while
the model thinks.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from types import TracebackType
from typing import Any, TypeVar

from agents.run_events import (
    ContentDelta,
    RunCancelled,
    RunCompleted,
    RunEvent,
    RunFailed,
    RunStarted,
    StoredEvent,
)
from db import aio
from db.engines import database_unreachable
from db.store import NO_LIMITS, RunLimits, RunNotFound, RunRecord, Store, Transition, run_writes
from db.store.run_writes import Ending, Opening

log = logging.getLogger(__name__)
T = TypeVar("T")
Row = tuple[str, dict[str, Any]]  # an event as stored: (type, payload)

NO_ANSWER = "The run ended without an answer."
CANCEL_REQUESTED = "Cancelled on request."
CANCELLED = "The task answering this question was stopped."
DELETED = "deleted"  # local status only: the session (and so the run) was deleted mid-way


# Told of each event once it is stored, in order (the live stream of the run): must not block.
Listener = Callable[[StoredEvent], None]


class RunRecorder:
    """Opens a run in the user's session (created when new) and records it to the end.

    `listener`, if given, sees each event once it is stored, in order (coalesced deltas as one
    event): the run's live stream.
    A cancel requested through `Store.request_cancel` cancels the task that entered the
    recorder: at once through the runner driving it (agents/runner.py, told by NOTIFY), or at
    the next heartbeat here; the run ends cancelled and the recorder swallows that cancellation
    (it re-raises any cancellation that came from elsewhere).
    """

    def __init__(
        self,
        store: Store,
        user_id: str,
        session_id: str | None,
        question: str,
        *,
        listener: Listener | None = None,
        limits: RunLimits = NO_LIMITS,
        heartbeat_s: float = 15.0,
        flush_interval_s: float = 0.2,  # answer text reaches followers 5 times a second
        flush_chunks: int = 20,
    ) -> None:
        self.store, self.user_id, self.question = store, user_id, question
        self._session_id = session_id
        self._listener, self._limits = listener, limits
        self._heartbeat_s, self._flush_interval_s, self._flush_chunks = (
            heartbeat_s,
            flush_interval_s,
            flush_chunks,
        )
        self._lock = asyncio.Lock()  # one write at a time, so ids follow emit order
        self._pending: list[RunEvent | list[str]] = []  # a list: answer chunks not yet joined
        self._chunks = 0
        self._waiting = asyncio.Event()  # something is pending
        self._urgent = asyncio.Event()  # ... that should not wait for more answer text
        self._background: set[asyncio.Task[None]] = set()
        self._cancel_requested = False
        self._failure: Exception | None = None  # a background write failed: the next emit raises it
        self._task: asyncio.Task[Any] | None = None
        self._started = time.monotonic()
        self.run: RunRecord | None = None
        self.status: str = "running"

    @property
    def run_id(self) -> str:
        assert self.run is not None, "the recorder has not been entered"
        return self.run.id

    @property
    def finished(self) -> bool:
        return self.status != "running"

    async def __aenter__(self) -> RunRecorder:
        title = self.question.strip()[:80] or None
        opening = Opening(self.user_id, self._session_id, self.question, title, limits=self._limits)
        # The first event is stored with the run: its followers begin here.
        run, (started_id,) = await self._db(run_writes.open_run, opening, _announce)
        self.run, self._started, self._task = run, time.monotonic(), asyncio.current_task()
        started = RunStarted(run.id, run.session_id)
        self._notify(started_id, started, started.to_payload())
        self._spawn(self._heartbeat())
        self._spawn(self._writer())
        return self

    async def emit(self, event: RunEvent) -> None:
        """Record one event: queued for the background writer (answer text waits up to
        `flush_interval_s` for more of it); a final event is stored, after all before it, at once."""
        if self.finished:
            raise RuntimeError(f"Run {self.run_id} already ended ({self.status}); no more events.")
        if self._failure is not None:  # nothing more can be stored: stop the run with the cause
            raise self._failure
        if event.terminal:
            await self._end(event)
        elif isinstance(event, ContentDelta):
            self._add_text(event.text)
        else:
            self._pending.append(event)
            self._urgent.set()
            self._waiting.set()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> bool:
        for task in self._background:
            task.cancel()
        if self.finished:
            return False
        if isinstance(exc, asyncio.CancelledError) and not self._cancel_requested:
            self._cancel_requested = await self._asked_to_stop()
        final = self._final_event(exc)
        ending = asyncio.ensure_future(self._end(final))
        try:
            # Shielded: a second cancellation must not leave the run `running`.
            await asyncio.shield(ending)
        except RunNotFound:  # the user deleted the session meanwhile: nothing left to end
            self.status = DELETED
        except Exception as error:
            if database_unreachable(error):
                _end_once_the_database_is_back(self, final)
            raise
        if isinstance(exc, asyncio.CancelledError) and self._cancel_requested and self._task:
            return self._task.uncancel() == 0
        # A deleted run ends quietly: its owner asked for it to go, nothing failed.
        return isinstance(exc, RunNotFound) and self.status == DELETED

    async def _asked_to_stop(self) -> bool:
        """Whether a cancellation from elsewhere in this process (the REST cancel, a session
        deleted) was asked for by the user: then the run is "cancelled on request"."""
        try:
            return await asyncio.shield(self._db(run_writes.heartbeat, self.run_id))
        except Exception:  # the database is away: say only that the task stopped
            return False

    def _final_event(self, exc: BaseException | None) -> RunEvent:
        if exc is None:
            return RunFailed(NO_ANSWER)
        if isinstance(exc, asyncio.CancelledError):
            return RunCancelled(CANCEL_REQUESTED if self._cancel_requested else CANCELLED)
        retryable = bool(getattr(exc, "retryable", False))  # errors may say asking again can work
        return RunFailed(str(exc) or type(exc).__name__, retryable=retryable)

    async def _end(self, event: RunEvent) -> None:
        async with self._lock:
            await self._finish_locked(event)

    def _add_text(self, text: str) -> None:
        if not text:
            return
        if self._pending and isinstance(self._pending[-1], list):
            self._pending[-1].append(text)
        else:
            self._pending.append([text])
        self._chunks += 1
        if self._chunks >= self._flush_chunks:
            self._urgent.set()
        self._waiting.set()

    async def _writer(self) -> None:
        """Store what is pending: other events at once, answer text once it is a flush interval
        old or `flush_chunks` long; whatever gathered meanwhile goes in one transaction."""
        while not self.finished:
            await self._waiting.wait()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._urgent.wait(), self._flush_interval_s)
            self._waiting.clear()
            self._urgent.clear()
            try:
                async with self._lock:
                    if not self.finished:
                        await self._flush_locked()
            except Exception as exc:  # e.g. the database went away mid-answer
                log.warning("run %s: events could not be stored: %s", self.run_id, exc)
                self._failure = exc
                return

    async def _flush_locked(self) -> None:
        if self._pending:
            pending, self._pending, self._chunks = self._pending, [], 0
            await self._write([_joined(e) for e in pending])

    async def _write(self, events: list[RunEvent]) -> None:
        rows = [(event.type, event.to_payload()) for event in events]
        write = asyncio.ensure_future(self._db(run_writes.append_events, self.run_id, rows))
        # Told from the write itself: a cancellation of ours while it runs must not lose them.
        write.add_done_callback(lambda done: self._stored(done, events, rows))
        await _settled(write)

    def _stored(self, write: asyncio.Future[list[int]], events: list[RunEvent], rows: list[Row]) -> None:
        if write.cancelled() or write.exception() is not None:
            return
        for event_id, event, (_, payload) in zip(write.result(), events, rows, strict=True):
            self._notify(event_id, event, payload)

    async def _finish_locked(self, event: RunEvent) -> None:
        """Store what is pending and the final event with the run's new status, in one
        statement; kept pending if that fails (the database is away: it is tried again)."""
        before = [_joined(e) for e in self._pending]
        rows = [(e.type, e.to_payload()) for e in before]
        final = (event.type, event.to_payload())
        end = self._ending(event, final, rows)
        ending = asyncio.ensure_future(self._db(run_writes.finish_run, self.run_id, end))
        ending.add_done_callback(lambda done: self._ended(done, [*before, event], [*rows, final]))
        result = await _settled(ending)
        del self._pending[: len(before)]
        self._chunks = 0
        if not result:  # it had already ended elsewhere (cancelled, or recovered as interrupted)
            status = await self._db(run_writes.run_status, self.user_id, self.run_id)
            self.status = status or DELETED

    def _ended(self, ending: asyncio.Future[Transition], events: list[RunEvent], rows: list[Row]) -> None:
        if ending.cancelled() or ending.exception() is not None or not ending.result():
            return
        result, final = ending.result(), events[-1]
        self.status = {RunCompleted: "completed", RunCancelled: "cancelled"}.get(type(final), "failed")
        for event_id, event, (_, payload) in zip(result.before_ids, events, rows, strict=False):
            self._notify(event_id, event, payload)
        if result.event_id is not None:
            self._notify(result.event_id, final, rows[-1][1])

    def _ending(self, event: RunEvent, final: Row, before: list[Row]) -> Ending:
        if isinstance(event, RunCompleted):
            latency_ms = int((time.monotonic() - self._started) * 1000)
            return Ending.completed(event.answer, event.usage, latency_ms, final, before)
        if isinstance(event, RunCancelled):
            return Ending.cancelled(final, before)
        assert isinstance(event, RunFailed)
        return Ending.failed(event.error, final, before)

    async def _db(self, call: Callable[..., Awaitable[T]], *args: Any) -> T:
        """`call(connection, *args)` on a connection of the asyncio pool beside the store."""
        async with aio.async_pool(self.store.engine).connection() as conn:
            return await call(conn, *args)

    def _notify(self, event_id: int, event: RunEvent, payload: dict[str, Any]) -> None:
        if self._listener is not None:
            self._listener(StoredEvent(event_id, self.run_id, event.type, payload, event))

    async def _heartbeat(self) -> None:
        while not self.finished:
            await asyncio.sleep(self._heartbeat_s)
            try:
                cancel = await self._db(run_writes.heartbeat, self.run_id)
            except Exception:  # a blip must not kill the run; recovery only acts after minutes
                log.warning("heartbeat for run %s failed", self.run_id, exc_info=True)
                continue
            if cancel and not self.finished and self._task is not None:
                self._cancel_requested = True
                self._task.cancel()
                return

    def _spawn(self, coro: Awaitable[None]) -> asyncio.Task[None]:
        task = asyncio.ensure_future(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return task


# The database was away when a run ended: its final write is retried until it returns, so the run
# is closed within seconds of that instead of after the sweeper's stale-run wait (app/sweeper.py).
FINAL_RETRY_S = 1.0
FINAL_GIVE_UP_S = 600.0
_final_retries: set[asyncio.Task[None]] = set()


def _end_once_the_database_is_back(recorder: RunRecorder, final: RunEvent) -> None:
    async def retry() -> None:
        deadline = time.monotonic() + FINAL_GIVE_UP_S
        while not recorder.finished and time.monotonic() < deadline:
            await asyncio.sleep(FINAL_RETRY_S)
            with contextlib.suppress(Exception):  # still away: try again
                await recorder._end(final)

    task = asyncio.ensure_future(retry())
    _final_retries.add(task)  # a strong reference: the loop keeps only weak ones
    task.add_done_callback(_final_retries.discard)


def _announce(run_id: str, session_id: str) -> Sequence[Row]:
    """The first event of a run, as stored with it."""
    return [(RunStarted.type, RunStarted(run_id, session_id).to_payload())]


def _joined(pending: RunEvent | list[str]) -> RunEvent:
    """A pending entry as the event to store: answer chunks joined into one."""
    return ContentDelta("".join(pending)) if isinstance(pending, list) else pending


async def _settled(future: asyncio.Future[T]) -> T:
    """Await a store write; if we are cancelled meanwhile, let it finish first.

    The write cannot be stopped once started, so waiting keeps the lock held until it lands and
    the next write (e.g. the final event) cannot overtake it.
    """
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        with contextlib.suppress(Exception):
            await future
        raise
