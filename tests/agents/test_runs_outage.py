"""The recorder when its database goes away mid-run: the run stops with the cause and is closed
(failed) within seconds of the database coming back, not left `running`."""

from __future__ import annotations

import asyncio
import time

from agents.run_events import ContentDelta, ToolStarted
from agents.runs import RunRecorder
from db.bootstrap import bootstrap
from db.embedded import EmbeddedPostgres
from db.engines import Engines, database_unreachable, resolve_target
from db.store import Store
from tests.conftest import test_settings


def test_an_outage_mid_run_fails_the_run_once_the_database_is_back(own_server: EmbeddedPostgres) -> None:
    target = resolve_target(test_settings(own_server.home))
    bootstrap(target)
    engines = Engines(target, pool_size=2)
    store = Store(engines.service)

    async def cut_off() -> tuple[RunRecorder, BaseException]:
        recorder = RunRecorder(store, "alice", "s", "q", flush_interval_s=0.01)
        try:
            async with recorder as rec:
                await rec.emit(ContentDelta("half an answer"))
                await asyncio.sleep(0.2)  # stored
                await asyncio.to_thread(own_server.stop)
                for _ in range(200):  # the next write fails; the emit after it says why
                    await rec.emit(ToolStarted("analyst", "run_sql"))
                    await asyncio.sleep(0.05)
        except Exception as error:
            cause: BaseException = error
        assert recorder.status == "running"  # its end could not be stored either
        await asyncio.to_thread(own_server.ensure_started)
        deadline = time.monotonic() + 15
        while not recorder.finished and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        return recorder, cause

    try:
        recorder, cause = asyncio.run(cut_off())
        run = store.get_run("alice", recorder.run_id)
        events = store.events_after("alice", recorder.run_id, 0)
    finally:
        engines.dispose()
    assert database_unreachable(cause)
    assert recorder.status == "failed" and run is not None and run.status == "failed"
    assert events is not None and [e.type for e in events][:2] == ["run_started", "content_delta"]
    assert events[-1].type == "run_failed"
