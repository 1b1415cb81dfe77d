"""Schedule runs left 'running' by a replica that died are marked interrupted, once, by whichever
replica notices first; a live run that heartbeats is never touched; the next firing still runs."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.scheduling.lease import lease_s
from db.engines import DatabaseTarget
from tests.app.scheduler_helpers import (
    CHECK,
    HEARTBEAT_S,
    YEARLY,
    MovableClock,
    add,
    claimed_by_dead_replica,
    eventually,
    finished_runs,
    make_scheduler,
    run,
)
from tests.conftest import cli_settings, connect

LEASE_S = lease_s(HEARTBEAT_S)
LOST = "replica dead-host:1 stopped while running this (no heartbeat since "


def test_two_replicas_recovering_at_once_mark_a_lost_run_exactly_once(
    db: DatabaseTarget, pg_home: Path
) -> None:
    clock = MovableClock()
    a, b = make_scheduler(db, pg_home, clock), make_scheduler(db, pg_home, clock)

    async def test() -> None:
        schedule = add(a, "metric", YEARLY, "sql_check", CHECK)
        lost = claimed_by_dead_replica(a, schedule)
        assert await a.recover_lost_runs() == []  # just claimed: well within its lease
        await asyncio.sleep(LEASE_S + 0.2)
        marked = await asyncio.gather(*(s.recover_lost_runs() for s in (a, b) * 4))
        assert [r.id for runs in marked for r in runs] == [lost.id]
        (only,) = a.store.runs(schedule.id)
        assert (only.status, only.scheduled_for) == ("interrupted", lost.scheduled_for)
        assert only.finished_at is not None
        assert only.error is not None and only.error.startswith(LOST)
        assert only.error.endswith("UTC); the next firing runs as scheduled")

    run(test, a, b)


def test_a_live_run_that_heartbeats_is_never_marked(db: DatabaseTarget, pg_home: Path) -> None:
    clock = MovableClock()
    # The task waits on a lock the test holds: a run that is alive, just slow.
    worker = make_scheduler(db, pg_home, clock, lock_timeout_ms=10_000)
    watcher = make_scheduler(db, pg_home, clock)  # recovers lost runs every 0.1 s
    slow = CHECK | {"sql": "SELECT count(*) AS n FROM public.customers"}

    async def test() -> None:
        schedule = add(worker, "slow", YEARLY, "sql_check", slow)
        await watcher.start()
        with connect(db, "admin") as locker:
            locker.execute("LOCK TABLE public.customers IN ACCESS EXCLUSIVE MODE")
            started = await worker.run_now(schedule, "admin")
            await asyncio.sleep(3 * LEASE_S)
            (still,) = worker.store.runs(schedule.id)
            assert still.status == "running"
            assert still.heartbeat_at is not None and still.heartbeat_at > started.started_at
        (done,) = await eventually(finished_runs(worker, schedule.id))
        assert (done.status, done.error) == ("succeeded", None)

    run(test, worker, watcher)


def test_after_a_lost_run_the_next_firing_runs_and_history_says_what_happened(
    db: DatabaseTarget, pg_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = MovableClock()
    scheduler = make_scheduler(db, pg_home, clock)

    async def test() -> None:
        schedule = add(scheduler, "nightly", "0 3 * * *", "sql_check", CHECK)
        assert schedule.next_run_at is not None
        clock.jump_to(schedule.next_run_at + timedelta(seconds=1))
        claimed_by_dead_replica(scheduler, schedule)
        await scheduler.start()  # its periodic sync notices the run once the lease is over
        await eventually(finished_runs(scheduler, schedule.id))
        clock.jump_to(schedule.next_run_at + timedelta(days=1, seconds=1))
        runs = await eventually(finished_runs(scheduler, schedule.id, 2))
        assert [(r.status, r.scheduled_for - schedule.next_run_at) for r in runs] == [
            ("succeeded", timedelta(days=1)),
            ("interrupted", timedelta(0)),
        ]

    run(test, scheduler)
    with cli_settings(db, tmp_path / "home", monkeypatch):
        history = CliRunner().invoke(cli, ["schedules", "history", "nightly"])
    assert history.exit_code == 0, history.output
    newest, lost = history.output.splitlines()
    assert " succeeded " in newest
    assert " interrupted " in lost and LOST in lost and "the next firing runs as scheduled" in lost
