"""A run left `running` by a process that died is closed while Dash keeps running, not only at
the next start-up; a run that still heartbeats is left alone."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from app.sweeper import Sweeper
from db.engines import DatabaseTarget
from db.store import INTERRUPTED_ERROR, Store
from tests.conftest import connect


def test_the_sweep_closes_abandoned_runs_and_keeps_looking(db: DatabaseTarget, store: Store) -> None:
    store.create_or_get_session("alice", "s")
    alive = store.start_run("alice", "s", "still being answered")

    async def scenario() -> None:
        sweeper = Sweeper(store, every_s=0.05)
        sweeper.start()
        try:
            await asyncio.sleep(0.2)  # a few rounds with nothing to close
            abandoned = store.start_run("alice", "s", "asked on a replica that then died")
            with connect(db, "service") as conn:
                conn.execute(
                    "UPDATE ai.runs SET heartbeat_at = now() - interval '10 minutes' WHERE id = %s",
                    (abandoned.id,),
                )
            deadline = time.monotonic() + 10
            while (run := store.get_run("alice", abandoned.id)) and run.status == "running":
                assert time.monotonic() < deadline, "the sweep never closed the abandoned run"
                await asyncio.sleep(0.05)
            assert (run.status, run.error) == ("interrupted", INTERRUPTED_ERROR)
            events = store.events_after("alice", abandoned.id, 0)
            assert events and events[-1].type == "run_failed" and events[-1].payload["retryable"]
        finally:
            await sweeper.close()

    asyncio.run(scenario())
    still = store.get_run("alice", alive.id)
    assert still is not None and still.status == "running"


def _dead_pid() -> int:
    """The pid of a process that has just exited (nothing else will take it within the test)."""
    child = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    return int(child.stdout)


def test_start_up_closes_at_once_the_runs_a_dead_process_on_this_host_left(
    db: DatabaseTarget, store: Store, start_api: Callable[..., Any]
) -> None:
    store.create_or_get_session("alice", "s")
    crashed, restarted, elsewhere, alive = (
        store.open_run("alice", "s", question)
        for question in ("crashed here", "before a restart", "another host", "still answering")
    )
    with connect(db, "service") as conn:  # every heartbeat is fresh: only the owners tell them apart
        for run, change, value in [
            (crashed, "owner_pid = %s", _dead_pid()),
            (restarted, "owner_instance = %s", "the process before this one, with the same pid"),
            (elsewhere, "owner_host = %s", "another-host"),
        ]:
            conn.execute(f"UPDATE ai.runs SET {change} WHERE id = %s", (value, run.id))  # type: ignore[arg-type]
    start_api()  # its start-up sweep
    status = {run.id: store.get_run("alice", run.id).status for run in (crashed, restarted, elsewhere, alive)}  # type: ignore[union-attr]
    assert status == {
        crashed.id: "interrupted",
        restarted.id: "interrupted",
        elsewhere.id: "running",  # its process may be alive: it waits for its heartbeat to age
        alive.id: "running",
    }
