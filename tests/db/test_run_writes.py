"""A run's one-statement writes on the asyncio pool: refusals leave nothing, events keep their
order, a run ends once, and per-user limits hold when two starts race."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pytest

from core.errors import InvalidInput, TooManyRequests
from db.aio import async_pool
from db.store import RunLimits, RunNotFound, SessionTaken, Store
from db.store.run_writes import (
    Ending,
    NewEvent,
    Opening,
    append_events,
    finish_run,
    heartbeat,
    open_run,
    run_status,
)

ALICE, BOB = "alice", "bob"
T = TypeVar("T")


def started(run_id: str, session_id: str) -> list[NewEvent]:
    return [("run_started", {"run_id": run_id, "session_id": session_id})]


def on_pool(store: Store, call: Callable[..., Awaitable[T]], *args: Any) -> T:
    async def go() -> T:
        async with async_pool(store.engine).connection() as conn:
            return await call(conn, *args)

    return asyncio.run(go())


def test_a_run_opens_with_its_first_event_and_claims_the_session(store: Store) -> None:
    run, ids = on_pool(store, open_run, Opening(ALICE, "s", "q", title="q"), started)
    events = store.events_after(ALICE, run.id, 0)
    assert events is not None and [(e.id, e.seq, e.type) for e in events] == [(ids[0], 1, "run_started")]
    assert events[0].payload == {"run_id": run.id, "session_id": "s"}
    assert (run.status, run.session_id, run.user_id) == ("running", "s", ALICE)
    session = store.get_session(ALICE, "s")
    assert session is not None and session.title == "q"
    again, _ = on_pool(store, open_run, Opening(ALICE, "s", "q2", title="ignored"), started)
    assert again.session_id == "s" and store.get_session(ALICE, "s").title == "q"  # type: ignore[union-attr]


def test_refused_runs_leave_nothing_behind(store: Store) -> None:
    store.create_or_get_session(ALICE, "alice-thread")
    with pytest.raises(SessionTaken):
        on_pool(store, open_run, Opening(BOB, "alice-thread", "q"), started)
    with pytest.raises(InvalidInput, match="cannot be stored"):
        on_pool(store, open_run, Opening(BOB, "a\x00b", "q"), started)
    limits = RunLimits(max_active=1)
    on_pool(store, open_run, Opening(BOB, "first", "q", limits=limits), started)
    with pytest.raises(TooManyRequests, match="USER_MAX_ACTIVE_RUNS") as refused:
        on_pool(store, open_run, Opening(BOB, "second", "q", limits=limits), started)
    assert refused.value.detail["active"] == 1
    assert [s.id for s in store.list_sessions(BOB).items] == ["first"]
    assert store.list_runs(ALICE, "alice-thread") == []


def test_two_starts_at_once_cannot_both_slip_under_a_limit(store: Store) -> None:
    limits = RunLimits(max_active=1)

    async def start(session: str) -> str:
        async with async_pool(store.engine).connection() as conn:
            try:
                return (await open_run(conn, Opening(ALICE, session, "q", limits=limits), started))[0].id
            except TooManyRequests:
                return "refused"

    async def race() -> list[str]:
        return await asyncio.gather(*(start(f"s{n}") for n in range(4)))

    outcomes = asyncio.run(race())
    assert sorted(outcomes).count("refused") == 3


def test_event_batches_keep_their_order_and_a_gone_run_says_so(store: Store) -> None:
    run, first = on_pool(store, open_run, Opening(ALICE, "s", "q"), started)
    batch = [("content_delta", {"text": str(n)}) for n in range(5)]
    ids = on_pool(store, append_events, run.id, batch)
    more = on_pool(store, append_events, run.id, batch[:2])
    assert first + ids + more == sorted(first + ids + more)
    events = store.events_after(ALICE, run.id, 0)
    assert events is not None and [e.seq for e in events] == list(range(1, 9))
    assert [e.payload.get("text") for e in events[1:6]] == ["0", "1", "2", "3", "4"]
    store.delete_session(ALICE, "s")
    with pytest.raises(RunNotFound):
        on_pool(store, append_events, run.id, batch)


def test_a_run_ends_once_with_its_pending_events_messages_and_session_touch(store: Store) -> None:
    run, _ = on_pool(store, open_run, Opening(ALICE, "s", "q"), started)
    store.create_or_get_session(ALICE, "newer")
    pending = [("content_delta", {"text": "4"}), ("content_delta", {"text": "2"})]
    final = ("run_completed", {"answer": "42"})
    done = on_pool(store, finish_run, run.id, Ending.completed("42", {"total_tokens": 3}, 12, final, pending))
    assert done and done.event_id is not None and len(done.before_ids) == 2
    late = on_pool(store, finish_run, run.id, Ending.failed("too late", ("run_failed", {"error": "x"})))
    assert not late
    ended = store.get_run(ALICE, run.id)
    assert ended is not None and (ended.status, ended.answer, ended.usage, ended.latency_ms, ended.error) == (
        "completed",
        "42",
        {"total_tokens": 3},
        12,
        None,
    )
    events = store.events_after(ALICE, run.id, 0)
    assert events is not None and [e.id for e in events][1:] == [*done.before_ids, done.event_id]
    assert store.session_history(ALICE, "s") == [("user", "q"), ("assistant", "42")]
    assert store.list_sessions(ALICE).items[0].id == "s"  # the answer made it the latest
    assert on_pool(store, run_status, ALICE, run.id) == "completed"
    assert on_pool(store, run_status, BOB, run.id) is None


def test_the_heartbeat_tells_of_a_cancel_request_and_of_a_deleted_run(store: Store) -> None:
    run, _ = on_pool(store, open_run, Opening(ALICE, "s", "q"), started)
    assert on_pool(store, heartbeat, run.id) is False
    store.request_cancel(ALICE, run.id)
    assert on_pool(store, heartbeat, run.id) is True
    on_pool(store, finish_run, run.id, Ending.cancelled(("run_cancelled", {"reason": "user"})))
    assert on_pool(store, heartbeat, run.id) is False  # ended: nothing more to stop
    store.delete_session(ALICE, "s")
    assert on_pool(store, heartbeat, run.id) is True
