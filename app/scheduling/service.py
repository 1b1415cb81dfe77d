"""The scheduler of one replica: APScheduler jobs mirrored from `ai.schedules`, firings claimed in Postgres.

Every replica runs one. `sync()` (at start, every SCHEDULER_SYNC_S, and right after a change made
through this process) turns each enabled schedule into an AsyncIOScheduler cron job and fires what
is due. A cron job firing and `sync()` both go through `fire_due()`: `plan_firing()` decides, and
`ScheduleStore.claim()` lets exactly one replica run each scheduled time. Tasks run in their own
asyncio tasks, so a slow or failing one never holds up the scheduler or later firings. A running
task holds a lease (`lease.py`); the periodic sync (not the one after a change) also marks the runs
of replicas that died as interrupted.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import uuid
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from functools import partial
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from app import metrics
from app.scheduling.cron import Action, first_run, next_fire, parse_cron, plan_firing
from app.scheduling.lease import Heartbeats, lease_s
from app.scheduling.reports import publish
from app.scheduling.tasks import TASKS, TaskEnv
from db.store.schedule_records import Schedule, ScheduleRun, ScheduleSpec
from db.store.schedules import ScheduleStore

log = logging.getLogger("dash.scheduler")
Clock = Callable[[], datetime]
SYNC_JOB = "dash:sync"
BUILTINS = (
    ScheduleSpec(
        name="knowledge-refresh",
        cron="0 4 * * *",
        task="knowledge_refresh",
        description="Built in: reload the knowledge files every night at 04:00 UTC.",
    ),
    ScheduleSpec(
        name="learning-curation",
        cron="30 4 * * *",
        task="learning_curation",
        description="Built in: merge near-duplicate learnings, flag contradictions, archive unused ones (04:30 UTC).",
    ),
)


def utcnow() -> datetime:
    return datetime.now(UTC)


class SchedulerService:
    def __init__(
        self,
        store: ScheduleStore,
        env: TaskEnv,
        *,
        sync_s: float,
        grace_s: float,
        heartbeat_s: float,
        clock: Clock = utcnow,
    ) -> None:
        self.store, self.env, self.clock = store, env, clock
        self.sync_s, self.grace_s, self.lease_s = sync_s, grace_s, lease_s(heartbeat_s)
        self.replica = f"{socket.gethostname()}:{uuid.uuid4().hex[:8]}"
        self.heartbeats = Heartbeats(store, heartbeat_s)
        self._scheduler: AsyncIOScheduler | None = None
        self._jobs: dict[str, tuple[str, str]] = {}
        self._tasks: set[asyncio.Task[Any]] = set()

    async def start(self) -> None:
        """Register the built-ins, start APScheduler and sync right away."""
        await asyncio.to_thread(ensure_builtins, self.store, self.clock())
        self._scheduler = AsyncIOScheduler(
            timezone=UTC,
            job_defaults={"coalesce": True, "misfire_grace_time": int(self.grace_s), "max_instances": 3},
        )
        self._scheduler.add_job(
            self._periodic, "interval", seconds=self.sync_s, id=SYNC_JOB, next_run_time=utcnow()
        )
        self._scheduler.start()

    async def stop(self) -> None:
        if self._scheduler is not None and self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self.heartbeats.close()

    @property
    def running(self) -> bool:
        return self._scheduler is not None and self._scheduler.running

    async def _periodic(self) -> None:
        """Every SCHEDULER_SYNC_S (and at start): recover lost runs, then sync."""
        try:
            await self.recover_lost_runs()
        except Exception:  # firing what is due matters more than tidying history
            log.exception("could not look for schedule runs lost with a stopped replica")
        await self.sync()

    async def sync(self) -> None:
        """Mirror the enabled schedules into APScheduler jobs and fire whatever is due."""
        schedules = await asyncio.to_thread(self.store.list_schedules, enabled_only=True)
        if self._scheduler is not None:
            self._mirror(self._scheduler, schedules)
        for schedule in schedules:
            try:
                await self.fire_due(schedule)
            except Exception:  # one broken schedule must not stop the others
                log.exception("schedule %s could not be fired", schedule.name)

    async def fire_due(self, schedule: Schedule) -> ScheduleRun | None:
        """Claim and start the due firing of `schedule` (None when nothing is due or another replica has it)."""
        trigger, now = parse_cron(schedule.cron, schedule.timezone), self.clock()
        plan, following = (
            plan_firing(trigger, schedule.next_run_at, now, self.grace_s),
            next_fire(trigger, now),
        )
        if plan.action is Action.wait or plan.scheduled_for is None:
            return None
        sid, due = schedule.id, plan.scheduled_for
        if plan.action is Action.skip:
            skip = partial(
                self.store.skip,
                sid,
                due,
                reason=plan.reason,
                replica=self.replica,
                next_run_at=following,
                acting_user=schedule.updated_by,
            )
            metrics.schedule_fired("skipped")
            return await asyncio.to_thread(skip)
        claim = partial(
            self.store.claim,
            sid,
            due,
            trigger="cron",
            replica=self.replica,
            next_run_at=following,
            acting_user=schedule.updated_by,  # a cron firing acts on the word of its last editor
        )
        run = await asyncio.to_thread(claim)
        if run is not None:
            self._spawn(self.execute(schedule, run))
        return run

    async def run_now(self, schedule: Schedule, acting_user: str) -> ScheduleRun:
        """Start the schedule once, now, whatever its cron says, on `acting_user`'s word; the 'running' run."""
        claim = partial(
            self.store.claim,
            schedule.id,
            self.clock(),
            trigger="manual",
            replica=self.replica,
            next_run_at=None,
            acting_user=acting_user,
        )
        run = await asyncio.to_thread(claim)
        assert run is not None  # a manual firing has its own scheduled_for (now)
        self._spawn(self.execute(schedule, run))
        return run

    async def recover_lost_runs(self) -> list[ScheduleRun]:
        """Mark the runs whose replica stopped heartbeating as interrupted; the ones this call marked."""
        lost = await asyncio.to_thread(self.store.recover_lost, self.lease_s)
        for run in lost:
            log.warning("schedule run %s (schedule %s) interrupted: %s", run.id, run.schedule_id, run.error)
        return lost

    async def execute(self, schedule: Schedule, run: ScheduleRun) -> ScheduleRun:
        """Run the task for a claimed run, holding its lease, and record how it ended.

        Never raises for the task's failure.
        """
        async with self.heartbeats.held(run):
            finished = await self._run_task(schedule, run)
        metrics.schedule_fired(finished.status)
        return finished

    async def _run_task(self, schedule: Schedule, run: ScheduleRun) -> ScheduleRun:
        try:
            result = await TASKS[schedule.task](self.env, schedule, run.acting_user)
            output = await publish(self.store, self.env.deliverer, run, result)
        except asyncio.CancelledError:
            # Blocking on purpose: at shutdown nothing may be awaited any more, and this must land.
            stopped = f"replica {self.replica} was shut down while running this"
            self.store.finish(run.id, "interrupted", error=f"{stopped}; the next firing runs as scheduled")
            raise
        except Exception as exc:
            log.warning("schedule %s failed: %s", schedule.name, exc)
            return await asyncio.to_thread(self.store.finish, run.id, "failed", None, _describe(exc))
        return await asyncio.to_thread(self.store.finish, run.id, "succeeded", output)

    async def changed(self) -> None:
        """Call after changing schedules in this process: re-sync now instead of at the next period."""
        if self.running:
            await self.sync()

    def _mirror(self, scheduler: AsyncIOScheduler, schedules: list[Schedule]) -> None:
        wanted = {f"schedule:{s.id}": s for s in schedules}
        for job_id in set(self._jobs) - set(wanted):
            scheduler.remove_job(job_id)
            del self._jobs[job_id]
        for job_id, s in wanted.items():
            if self._jobs.get(job_id) != (s.cron, s.timezone):
                trigger = parse_cron(s.cron, s.timezone)
                scheduler.add_job(self._on_time, trigger, args=[s.id], id=job_id, replace_existing=True)
                self._jobs[job_id] = (s.cron, s.timezone)

    async def _on_time(self, schedule_id: int) -> None:
        schedule = await asyncio.to_thread(self.store.get, schedule_id)
        if schedule is not None and schedule.enabled:
            await self.fire_due(schedule)

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def ensure_builtins(store: ScheduleStore, now: datetime) -> None:
    """Register the built-in schedules unless they exist (by name): restarts never duplicate them."""
    for spec in BUILTINS:
        store.ensure(spec, "dash", first_run(spec.cron, spec.timezone, now))


def _describe(exc: Exception) -> str:
    return str(exc) if exc.__class__.__module__.startswith("app.") else f"{type(exc).__name__}: {exc}"
