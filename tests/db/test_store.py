"""The ai conversation store: per-user isolation, paging, history, replay, recovery, cascades."""

from __future__ import annotations

import psycopg
import pytest

from core.errors import InvalidInput
from db.engines import DatabaseTarget
from db.store import INTERRUPTED_ERROR, SessionNotFound, SessionTaken, Store
from tests.conftest import connect

ALICE, BOB = "alice", "bob"


def finished_run(store: Store, user: str, session: str, question: str, answer: str) -> str:
    run = store.start_run(user, session, question)
    assert store.mark_run_completed(run.id, answer, {"total_tokens": 7}, 12)
    return run.id


def test_session_ids_are_per_owner(store: Store) -> None:
    made = store.create_or_get_session(ALICE, "slack:T1:C1:1700000000.0001", title="MRR?")
    again = store.create_or_get_session(ALICE, made.id, title="ignored")
    assert (again.id, again.title, again.user_id) == (made.id, "MRR?", ALICE)
    with pytest.raises(SessionTaken, match="another user"):
        store.create_or_get_session(BOB, made.id)
    fresh = store.create_or_get_session(BOB)
    assert fresh.id and fresh.id != made.id and fresh.user_id == BOB


def test_another_users_session_and_run_look_missing(store: Store) -> None:
    session = store.create_or_get_session(ALICE, "s-alice")
    run_id = finished_run(store, ALICE, session.id, "How many customers?", "912")
    assert store.get_session(BOB, session.id) is None
    assert store.list_sessions(BOB).items == []
    assert store.session_history(BOB, session.id) == []
    assert store.list_messages(BOB, session.id) == []
    assert store.list_runs(BOB, session.id) == []
    assert store.get_run(BOB, run_id) is None
    assert store.events_after(BOB, run_id, 0) is None
    assert store.request_cancel(BOB, run_id) is None
    with pytest.raises(SessionNotFound):
        store.start_run(BOB, session.id, "Show me Alice's thread")
    assert store.delete_session(BOB, session.id) is False
    assert store.get_session(ALICE, session.id) is not None
    assert store.session_history(ALICE, session.id) == [("user", "How many customers?"), ("assistant", "912")]


def test_sessions_page_newest_first_without_gaps_or_repeats(store: Store) -> None:
    ids = [store.create_or_get_session(ALICE, f"s{i}").id for i in range(5)]
    store.create_or_get_session(BOB, "bob-only")
    finished_run(store, ALICE, "s1", "q", "a")  # activity moves s1 to the top
    seen, cursor, pages = [], None, 0
    while True:
        page = store.list_sessions(ALICE, limit=2, cursor=cursor)
        seen += [s.id for s in page.items]
        pages += 1
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == ["s1", "s4", "s3", "s2", "s0"] and sorted(seen) == sorted(ids)
    assert pages == 3


def test_a_forged_cursor_is_a_clear_input_error(store: Store) -> None:
    with pytest.raises(InvalidInput, match="next_cursor"):
        store.list_sessions(ALICE, cursor="not-a-cursor")


def test_history_is_ordered_and_only_holds_completed_runs(store: Store) -> None:
    session = store.create_or_get_session(ALICE, "s")
    finished_run(store, ALICE, "s", "q1", "a1")
    failed = store.start_run(ALICE, "s", "q-broken")
    assert store.mark_run_failed(failed.id, "model unavailable")
    finished_run(store, ALICE, "s", "q2", "a2")
    expected = [("user", "q1"), ("assistant", "a1"), ("user", "q2"), ("assistant", "a2")]
    assert store.session_history(ALICE, session.id) == expected
    assert store.session_history(ALICE, session.id, limit=3) == expected[1:]
    run = store.get_run(ALICE, failed.id)
    assert run is not None and (run.status, run.error) == ("failed", "model unavailable")


def test_completion_records_usage_latency_and_answer(store: Store) -> None:
    store.create_or_get_session(ALICE, "s")
    run_id = finished_run(store, ALICE, "s", "q", "a")
    run = store.get_run(ALICE, run_id)
    assert run is not None and run.finished and run.status == "completed"
    assert (run.answer, run.usage, run.latency_ms) == ("a", {"total_tokens": 7}, 12)
    assert run.finished_at is not None and run.started_at is not None


def test_replay_after_an_event_id_has_no_duplicates(store: Store) -> None:
    store.create_or_get_session(ALICE, "s")
    run = store.start_run(ALICE, "s", "q")
    ids = [store.append_event(run.id, "content_delta", {"text": str(i)}) for i in range(6)]
    assert ids == sorted(ids)
    first = store.events_after(ALICE, run.id, 0, limit=3)
    assert first is not None and [e.payload["text"] for e in first] == ["0", "1", "2"]
    rest = store.events_after(ALICE, run.id, first[-1].id)
    assert rest is not None and [e.payload["text"] for e in rest] == ["3", "4", "5"]
    assert [e.seq for e in first + rest] == [1, 2, 3, 4, 5, 6]
    assert store.events_after(ALICE, run.id, ids[-1]) == []


def test_a_finished_run_cannot_be_finished_again(store: Store) -> None:
    store.create_or_get_session(ALICE, "s")
    run = store.start_run(ALICE, "s", "q")
    assert store.request_cancel(ALICE, run.id) is not None
    assert store.heartbeat(run.id) is True  # the process running it learns of the request
    assert store.mark_run_cancelled(run.id, final_event=("run_cancelled", {"reason": "user"}))
    assert not store.mark_run_completed(run.id, "too late")
    assert not store.mark_run_failed(run.id, "too late")
    after = store.get_run(ALICE, run.id)
    assert after is not None and (after.status, after.answer) == ("cancelled", None)
    assert store.session_history(ALICE, "s") == []


def test_recovery_interrupts_only_stale_running_runs(db: DatabaseTarget, store: Store) -> None:
    store.create_or_get_session(ALICE, "s")
    stale = store.start_run(ALICE, "s", "asked before the crash")
    alive = store.start_run(ALICE, "s", "still being answered")
    with connect(db, "service") as conn:
        conn.execute(
            "UPDATE ai.runs SET heartbeat_at = now() - interval '10 minutes' WHERE id = %s", (stale.id,)
        )
    assert store.recover_interrupted_runs(stale_after_s=120) == [stale.id]
    assert store.recover_interrupted_runs(stale_after_s=120) == []
    run = store.get_run(ALICE, stale.id)
    assert run is not None and (run.status, run.error) == ("interrupted", INTERRUPTED_ERROR)
    events = store.events_after(ALICE, stale.id, 0)
    assert events is not None and events[-1].type == "run_failed" and events[-1].payload["retryable"]
    still = store.get_run(ALICE, alive.id)
    assert still is not None and still.status == "running"


def test_deleting_a_session_deletes_its_messages_runs_and_events(db: DatabaseTarget, store: Store) -> None:
    store.create_or_get_session(ALICE, "gone")
    store.create_or_get_session(ALICE, "kept")
    for name in ("gone", "kept"):
        run_id = finished_run(store, ALICE, name, "q", "a")
        store.append_event(run_id, "tool_started", {"tool": "run_sql"})
    assert store.delete_session(ALICE, "gone") is True
    with connect(db, "service") as conn:
        for table in ("sessions", "runs", "messages"):
            by_session = "id" if table == "sessions" else "session_id"
            row = conn.execute(f"SELECT count(*) FROM ai.{table} WHERE {by_session} = 'gone'").fetchone()
            assert row == (0,), table
        events = conn.execute("SELECT count(*) FROM ai.run_events").fetchone()
    assert events == (1,)  # only the kept session's event remains
    assert store.get_session(ALICE, "kept") is not None


@pytest.mark.parametrize("role", ["analyst", "engineer"])
def test_agent_roles_cannot_read_conversations(db: DatabaseTarget, role: str) -> None:
    with connect(db, role) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("SELECT * FROM ai.sessions")
