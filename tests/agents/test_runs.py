"""RunRecorder: events stored in order, deltas coalesced without loss, runs never left running."""

from __future__ import annotations

import asyncio

import pytest

from agents.run_events import (
    EVENT_TYPES,
    ContentDelta,
    Delegated,
    ModelCalled,
    RunCancelled,
    RunCompleted,
    RunEvent,
    RunFailed,
    RunStarted,
    ToolFinished,
    ToolStarted,
    event_from_payload,
)
from agents.runs import NO_ANSWER, RunRecorder, StoredEvent
from db.store import EventRecord, RunRecord, SessionTaken, Store

ALICE, BOB = "alice", "bob"
USAGE = {"prompt_tokens": 40, "completion_tokens": 8, "total_tokens": 48, "model_calls": 2}


def stored(store: Store, run_id: str) -> list[EventRecord]:
    events = store.events_after(ALICE, run_id, 0)
    assert events is not None
    return events


def ended(store: Store, run_id: str) -> RunRecord:
    run = store.get_run(ALICE, run_id)
    assert run is not None
    return run


def test_a_run_is_recorded_in_order_and_completes(store: Store) -> None:
    async def answer() -> str:
        async with RunRecorder(store, ALICE, None, "What is MRR?") as rec:
            await rec.emit(Delegated("analyst", "current MRR"))
            await rec.emit(ToolStarted("analyst", "run_sql", {"sql": "SELECT 1"}, "c1"))
            await rec.emit(ToolFinished("analyst", "run_sql", "1 row", None, 5, "c1"))
            await rec.emit(ContentDelta("MRR is "))
            await rec.emit(ContentDelta("$1.2M."))
            await rec.emit(RunCompleted("MRR is $1.2M.", ("SELECT 1",), USAGE))
        return rec.run_id

    run_id = asyncio.run(answer())
    types = [e.type for e in stored(store, run_id)]
    assert types == [
        "run_started",
        "delegated",
        "tool_started",
        "tool_finished",
        "content_delta",
        "run_completed",
    ]
    run = ended(store, run_id)
    assert (run.status, run.answer, run.usage) == ("completed", "MRR is $1.2M.", USAGE)
    assert run.latency_ms is not None and run.latency_ms >= 0
    assert store.session_history(ALICE, run.session_id) == [
        ("user", "What is MRR?"),
        ("assistant", "MRR is $1.2M."),
    ]
    assert store.get_run(BOB, run_id) is None and store.events_after(BOB, run_id, 0) is None


def test_coalesced_deltas_keep_every_character(store: Store) -> None:
    chunks = [f"word{i} " for i in range(101)]

    async def stream() -> str:
        async with RunRecorder(store, ALICE, "s", "q", flush_chunks=20, flush_interval_s=60) as rec:
            for chunk in chunks:
                await rec.emit(ContentDelta(chunk))
                await asyncio.sleep(0)  # the model's next chunk is on its way
            await rec.emit(RunCompleted("".join(chunks)))
        return rec.run_id

    run_id = asyncio.run(stream())
    deltas = [e.payload["text"] for e in stored(store, run_id) if e.type == "content_delta"]
    assert "".join(deltas) == "".join(chunks)
    assert 1 <= len(deltas) <= 6  # at least 20 chunks a row (more while a write is under way), not 101


def test_a_pause_in_the_stream_flushes_what_was_said_so_far(store: Store) -> None:
    async def slow_model() -> list[str]:
        async with RunRecorder(store, ALICE, "s", "q", flush_interval_s=0.05) as rec:
            await rec.emit(ContentDelta("Thinking"))
            # The model pauses; a follower should see the text without waiting for the next chunk.
            for _ in range(100):
                seen = [e.type for e in await asyncio.to_thread(stored, store, rec.run_id)]
                if "content_delta" in seen:
                    break
                await asyncio.sleep(0.05)
            await rec.emit(RunCompleted("Thinking"))
        return seen

    assert asyncio.run(slow_model()) == ["run_started", "content_delta"]


def test_a_producer_that_raises_fails_the_run_with_its_message(store: Store) -> None:
    async def broken() -> None:
        async with RunRecorder(store, ALICE, "s", "q") as rec:
            holder.append(rec.run_id)
            await rec.emit(ContentDelta("partial answer"))
            raise ValueError("the model returned garbage")

    holder: list[str] = []
    with pytest.raises(ValueError, match="garbage"):
        asyncio.run(broken())
    run = ended(store, holder[0])
    assert (run.status, run.error) == ("failed", "the model returned garbage")
    events = stored(store, holder[0])
    assert [e.type for e in events][-2:] == ["content_delta", "run_failed"]
    assert events[-2].payload["text"] == "partial answer"
    assert store.session_history(ALICE, run.session_id) == []


def test_cancelling_the_task_cancels_the_run(store: Store) -> None:
    holder: list[str] = []

    async def waits_on_model() -> None:
        async with RunRecorder(store, ALICE, "s", "q") as rec:
            holder.append(rec.run_id)
            await rec.emit(ContentDelta("half"))
            await asyncio.sleep(60)

    async def main() -> None:
        task = asyncio.create_task(waits_on_model())
        while not holder:
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert ended(store, holder[0]).status == "cancelled"
    events = stored(store, holder[0])
    assert [e.type for e in events][-2:] == ["content_delta", "run_cancelled"]


def test_a_cancel_request_from_elsewhere_stops_the_run_at_the_next_heartbeat(store: Store) -> None:
    async def long_run() -> RunRecorder:
        async with RunRecorder(store, ALICE, "s", "q", heartbeat_s=0.05) as rec:
            await asyncio.to_thread(store.request_cancel, ALICE, rec.run_id)  # e.g. another replica
            await asyncio.sleep(60)
        return rec

    rec = asyncio.run(asyncio.wait_for(long_run(), 10))
    assert rec.status == "cancelled" and ended(store, rec.run_id).status == "cancelled"


def test_a_body_that_ends_without_an_answer_fails_the_run(store: Store) -> None:
    async def forgetful() -> str:
        async with RunRecorder(store, ALICE, "s", "q") as rec:
            await rec.emit(ToolStarted("analyst", "run_sql"))
        return rec.run_id

    run = ended(store, asyncio.run(forgetful()))
    assert (run.status, run.error) == ("failed", NO_ANSWER)


def test_a_failure_event_from_the_producer_ends_the_run(store: Store) -> None:
    async def model_down() -> RunRecorder:
        async with RunRecorder(store, ALICE, "s", "q") as rec:
            await rec.emit(RunFailed("The model server returned 503.", retryable=True))
            with pytest.raises(RuntimeError, match="already ended"):
                await rec.emit(ContentDelta("late"))
        return rec

    rec = asyncio.run(model_down())
    assert ended(store, rec.run_id).status == "failed"
    assert stored(store, rec.run_id)[-1].payload == {
        "error": "The model server returned 503.",
        "retryable": True,
    }


def test_listener_sees_each_stored_event_with_its_replay_id(store: Store) -> None:
    heard: list[StoredEvent] = []

    async def listened() -> str:
        async with RunRecorder(store, ALICE, "s", "q", listener=heard.append) as rec:
            await rec.emit(ContentDelta("4"))
            await rec.emit(ContentDelta("2"))
            await rec.emit(RunCompleted("42"))
        return rec.run_id

    run_id = asyncio.run(listened())
    assert [(h.id, h.event.type) for h in heard] == [(e.id, e.type) for e in stored(store, run_id)]
    assert heard[1].event == ContentDelta("42")


def test_the_session_continues_across_runs(store: Store) -> None:
    async def ask(question: str, answer: str) -> None:
        async with RunRecorder(store, ALICE, "thread-1", question) as rec:
            await rec.emit(RunCompleted(answer))

    asyncio.run(ask("MRR?", "$1.2M"))
    asyncio.run(ask("And last month?", "$1.1M"))
    assert [content for _, content in store.session_history(ALICE, "thread-1")] == [
        "MRR?",
        "$1.2M",
        "And last month?",
        "$1.1M",
    ]


EXAMPLES: list[RunEvent] = [
    RunStarted("r1", "s1"),
    Delegated("analyst", "count customers"),
    ModelCalled("analyst", "gpt-test", 700, 112, 950, 1),
    ToolStarted("analyst", "run_sql", {"sql": "SELECT 1"}, "c1"),
    ToolFinished("analyst", "run_sql", "1 row", "timeout", 15000, "c1"),
    ContentDelta("Hello"),
    RunCompleted("42", ("SELECT 42", "SELECT 1"), USAGE),
    RunCompleted("42", ("SELECT 42",), USAGE, {"columns": ["n"], "rows": [[42]]}, {"mark": "bar"}),
    RunFailed("boom", retryable=True),
    RunCancelled("user"),
]


@pytest.mark.parametrize("event", EXAMPLES, ids=lambda e: e.type)
def test_every_event_round_trips_through_its_payload(event: RunEvent) -> None:
    assert event_from_payload(event.type, event.to_payload()) == event


def test_the_vocabulary_is_complete_and_unknown_types_are_refused() -> None:
    assert set(EVENT_TYPES) == {e.type for e in EXAMPLES}
    with pytest.raises(ValueError, match="Unknown run event type"):
        event_from_payload("model_exploded", {})


def test_deleting_the_session_mid_run_stops_the_producer_cleanly(store: Store) -> None:
    async def deleted_under_us() -> RunRecorder:
        async with RunRecorder(store, ALICE, "s", "q") as rec:
            await asyncio.to_thread(store.delete_session, ALICE, "s")
            await rec.emit(ToolStarted("analyst", "run_sql"))
        return rec

    rec = asyncio.run(deleted_under_us())  # ends quietly: the user wanted it gone, nothing failed
    assert rec.status == "deleted"
    assert store.get_session(ALICE, "s") is None


def test_a_run_cannot_join_another_users_session(store: Store) -> None:
    store.create_or_get_session(ALICE, "alice-thread")

    async def intrude() -> None:
        async with RunRecorder(store, BOB, "alice-thread", "What did Alice ask?") as rec:
            await rec.emit(RunCompleted("nothing"))

    with pytest.raises(SessionTaken):
        asyncio.run(intrude())
    assert store.list_runs(ALICE, "alice-thread") == []


def test_what_the_loop_keeps_in_memory_never_reaches_the_wire() -> None:
    finished = ToolFinished("analyst", "run_sql", "[1]", None, 5, "c1", None, result="[1] " * 1000, turn=2)
    called = ModelCalled("analyst", "m", 7, 3, 950, 2, attempt=2, first_token_ms=12.5, finish_reason="stop")
    assert ContentDelta("Hi", turn=3).to_payload() == {"text": "Hi"}
    assert ToolStarted("analyst", "run_sql", {"sql": "SELECT 1"}, "c1", turn=2).to_payload() == {
        "agent": "analyst",
        "tool": "run_sql",
        "arguments": {"sql": "SELECT 1"},
        "call_id": "c1",
    }
    assert set(finished.to_payload()) == {
        "agent",
        "tool",
        "result_preview",
        "error",
        "duration_ms",
        "call_id",
        "statement",
    }
    assert called.to_payload() == {
        "agent": "analyst",
        "model": "m",
        "prompt_tokens": 7,
        "completion_tokens": 3,
        "latency_ms": 950,
        "turn": 2,
    }
