"""Shared by the scheduler tests: a clock the test moves, a scheduler on a test database, schedules,
a replica that dies after claiming a firing, polling."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from app.scheduling import SchedulerService, build_scheduler, first_run
from db.engines import DatabaseTarget, Engines
from db.store import Store
from db.store.schedule_records import Schedule, ScheduleRun, ScheduleSpec
from tests.conftest import test_settings

T = TypeVar("T")
YEARLY = "0 3 1 1 *"  # never due by itself while a test runs: only the test's clock makes it due
CHECK = {"sql": "SELECT 12 AS n", "column": "n", "op": ">", "threshold": 10, "message": "Too many"}
HEARTBEAT_S = 0.2  # a lease of 0.6 s: a lost run is noticed within a second


class MovableClock:
    """Real time plus an offset the test sets: time keeps passing after a jump."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def jump_to(self, when: datetime) -> None:
        self.offset = when - datetime.now(UTC)


def make_scheduler(db: DatabaseTarget, home: Path, clock: MovableClock, **overrides: Any) -> SchedulerService:
    settings = test_settings(
        home, **{"scheduler_sync_s": 0.1, "scheduler_heartbeat_s": HEARTBEAT_S} | overrides
    )
    engines = Engines(db, pool_size=3)
    return build_scheduler(settings, engines, Store(engines.service), clock)


def add(scheduler: SchedulerService, name: str, cron: str, task: str, payload: dict[str, Any]) -> Schedule:
    spec = ScheduleSpec(name=name, cron=cron, task=task, payload=payload)  # type: ignore[arg-type]
    return scheduler.store.create(spec, "test", first_run(cron, "UTC", scheduler.clock()))


def claimed_by_dead_replica(scheduler: SchedulerService, schedule: Schedule) -> ScheduleRun:
    """Claim the due firing of `schedule` as replica `dead-host:1` would, which then dies at once:
    the run is 'running' and nothing will ever heartbeat or finish it."""
    assert schedule.next_run_at is not None
    following = first_run(schedule.cron, schedule.timezone, schedule.next_run_at)
    claim = scheduler.store.claim(
        schedule.id,
        schedule.next_run_at,
        trigger="cron",
        replica="dead-host:1",
        next_run_at=following,
        acting_user=schedule.updated_by,
    )
    assert claim is not None
    return claim


def finished_runs(scheduler: SchedulerService, schedule_id: int, count: int = 1) -> Callable[[], list[Any]]:
    def probe() -> list[Any]:
        runs = [r for r in scheduler.store.runs(schedule_id) if r.status != "running"]
        return runs if len(runs) >= count else []

    return probe


def run(test: Callable[..., Awaitable[None]], *schedulers: SchedulerService) -> None:
    """Run the async `test`, then stop the schedulers and close their pools."""

    async def main() -> None:
        try:
            await test()
        finally:
            for s in schedulers:
                await s.stop()
                s.env.engines.dispose()

    asyncio.run(main())


async def eventually(probe: Callable[[], T | None], timeout_s: float = 15.0) -> T:
    """Poll `probe` (in a thread) until it returns something truthy."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = await asyncio.to_thread(probe)
        if value:
            return value
        await asyncio.sleep(0.05)
    raise AssertionError("timed out waiting")


def poll(probe: Callable[[], T | None], timeout_s: float = 30.0) -> T:
    """The same, for code outside an event loop (REST tests)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("timed out waiting")
