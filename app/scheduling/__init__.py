"""Cron schedules stored in Postgres and run by APScheduler on every replica, each firing once.

`build_scheduler()` is called in the app lifespan (and by `dash schedules run`); see `service.py`
for how firings are claimed and `cron.py` for the misfire policy.
"""

from __future__ import annotations

from agents.runner import Runner
from app.scheduling.cron import first_run, parse_cron, parse_timezone
from app.scheduling.delivery import make_deliverer
from app.scheduling.service import Clock, SchedulerService, utcnow
from app.scheduling.tasks import TaskEnv
from core.settings import Settings
from db.engines import Engines
from db.store import Store
from db.store.schedules import ScheduleExists, ScheduleStore

__all__ = [
    "SchedulerService",
    "ScheduleExists",
    "ScheduleStore",
    "build_scheduler",
    "first_run",
    "parse_cron",
    "parse_timezone",
    "utcnow",
]


def build_scheduler(
    settings: Settings, engines: Engines, store: Store, clock: Clock = utcnow, *, runner: Runner | None = None
) -> SchedulerService:
    """A scheduler for this process (not started: call `await start()` when SCHEDULER_ENABLED).

    `runner`: the service's, so scheduled questions are runs like any other (cancellable over
    REST); without one (the CLI, tests) the scheduler builds its own when a question is due."""
    env = TaskEnv(settings, engines, store, make_deliverer(settings), runner)
    return SchedulerService(
        ScheduleStore(engines.service),
        env,
        sync_s=settings.scheduler_sync_s,
        grace_s=settings.scheduler_misfire_grace_s,
        heartbeat_s=settings.scheduler_heartbeat_s,
        clock=clock,
    )
