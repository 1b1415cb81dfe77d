"""Shared by the scheduler tests: a clock the test moves, a scheduler on a test database, polling."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from app.scheduling import SchedulerService, build_scheduler
from db.engines import DatabaseTarget, Engines
from db.store import Store
from tests.conftest import test_settings

T = TypeVar("T")


class MovableClock:
    """Real time plus an offset the test sets: time keeps passing after a jump."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def jump_to(self, when: datetime) -> None:
        self.offset = when - datetime.now(UTC)


def make_scheduler(db: DatabaseTarget, home: Path, clock: MovableClock, **overrides: Any) -> SchedulerService:
    settings = test_settings(home, scheduler_sync_s=0.1, **overrides)
    engines = Engines(db, pool_size=3)
    return build_scheduler(settings, engines, Store(engines.service), clock)


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
