"""The scheduler with the real database: exactly once across replicas, failures, misfires, alerts."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from app.scheduling import SchedulerService, first_run
from app.scheduling.records import Schedule, ScheduleSpec
from db.engines import DatabaseTarget
from tests.app.scheduler_helpers import MovableClock, eventually, make_scheduler
from tests.fakes.slack_server import fake_slack

YEARLY = "0 3 1 1 *"  # never due by itself while a test runs: only the test's clock makes it due
CHECK = {"sql": "SELECT 12 AS n", "column": "n", "op": ">", "threshold": 10, "message": "Too many"}


def add(scheduler: SchedulerService, name: str, cron: str, task: str, payload: dict[str, Any]) -> Schedule:
    spec = ScheduleSpec(name=name, cron=cron, task=task, payload=payload)  # type: ignore[arg-type]
    return scheduler.store.create(spec, "test", first_run(cron, "UTC", scheduler.clock()))


def finished_runs(scheduler: SchedulerService, schedule_id: int, count: int = 1) -> Callable[[], list[Any]]:
    def probe() -> list[Any]:
        runs = [r for r in scheduler.store.runs(schedule_id) if r.status != "running"]
        return runs if len(runs) >= count else []

    return probe


def run(test: Callable[..., Awaitable[None]], *schedulers: SchedulerService) -> None:
    async def main() -> None:
        try:
            await test()
        finally:
            for s in schedulers:
                await s.stop()
                s.env.engines.dispose()

    asyncio.run(main())


def test_two_replicas_fire_a_due_schedule_exactly_once(db: DatabaseTarget, pg_home: Path) -> None:
    clock = MovableClock()
    a, b = make_scheduler(db, pg_home, clock), make_scheduler(db, pg_home, clock)

    async def test() -> None:
        schedule = add(a, "metric", YEARLY, "sql_check", CHECK)
        assert schedule.next_run_at is not None
        clock.jump_to(schedule.next_run_at + timedelta(seconds=2))
        await asyncio.gather(a.start(), b.start())  # both APScheduler sync jobs fire it
        runs = await eventually(finished_runs(a, schedule.id))
        await asyncio.sleep(0.5)  # several more sync rounds on both replicas
        runs = a.store.runs(schedule.id)
        assert [(r.status, r.scheduled_for) for r in runs] == [("succeeded", schedule.next_run_at)]
        assert runs[0].output["value"] == 12 and runs[0].output["alert"] is True
        moved = a.store.get(schedule.id)
        assert moved is not None and moved.next_run_at == first_run(YEARLY, "UTC", schedule.next_run_at)

    run(test, a, b)


def test_concurrent_claims_of_one_firing_run_it_once(db: DatabaseTarget, pg_home: Path) -> None:
    clock = MovableClock()
    a, b = make_scheduler(db, pg_home, clock), make_scheduler(db, pg_home, clock)

    async def test() -> None:
        schedule = add(a, "metric", YEARLY, "sql_check", CHECK)
        assert schedule.next_run_at is not None
        clock.jump_to(schedule.next_run_at + timedelta(seconds=1))
        claims = await asyncio.gather(*(s.fire_due(schedule) for s in (a, b) * 5))
        assert len([c for c in claims if c is not None]) == 1
        await eventually(finished_runs(a, schedule.id))
        assert len(a.store.runs(schedule.id)) == 1

    run(test, a, b)


def test_a_failing_task_is_recorded_and_the_next_firing_still_happens(
    db: DatabaseTarget, pg_home: Path
) -> None:
    clock = MovableClock()
    scheduler = make_scheduler(db, pg_home, clock)

    async def test() -> None:
        schedule = add(
            scheduler, "broken", "0 3 * * *", "sql_check", CHECK | {"sql": "SELECT n FROM nowhere"}
        )
        assert schedule.next_run_at is not None
        await scheduler.start()
        clock.jump_to(schedule.next_run_at + timedelta(seconds=1))
        first = await eventually(finished_runs(scheduler, schedule.id))
        clock.jump_to(schedule.next_run_at + timedelta(days=1, seconds=1))
        runs = await eventually(finished_runs(scheduler, schedule.id, 2))
        assert [r.status for r in runs] == ["failed", "failed"]
        assert "nowhere" in (first[0].error or "")
        assert runs[0].scheduled_for - runs[1].scheduled_for == timedelta(days=1)

    run(test, scheduler)


def test_a_firing_missed_beyond_the_grace_is_skipped_once(db: DatabaseTarget, pg_home: Path) -> None:
    clock = MovableClock()
    scheduler = make_scheduler(db, pg_home, clock, scheduler_misfire_grace_s=60)

    async def test() -> None:
        schedule = add(scheduler, "late", YEARLY, "sql_check", CHECK)
        assert schedule.next_run_at is not None
        clock.jump_to(schedule.next_run_at + timedelta(hours=2))  # "Dash was down for two hours"
        await scheduler.start()
        runs = await eventually(finished_runs(scheduler, schedule.id))
        await asyncio.sleep(0.3)
        assert [(r.status, r.scheduled_for) for r in scheduler.store.runs(schedule.id)] == [
            ("skipped", schedule.next_run_at)
        ]
        assert "SCHEDULER_MISFIRE_GRACE_S" in (runs[0].error or "")

    run(test, scheduler)


def test_sql_check_alerts_to_slack_only_when_the_condition_holds(db: DatabaseTarget, pg_home: Path) -> None:
    with fake_slack() as slack:
        clock = MovableClock()
        slack_settings = {"slack_bot_token": "xoxb-test", "slack_api_url": slack.api_url}
        scheduler = make_scheduler(db, pg_home, clock, **slack_settings)

        async def test() -> None:
            alert = add(scheduler, "too-many", YEARLY, "sql_check", CHECK | {"channel": "#alerts"})
            quiet = add(
                scheduler, "fine", YEARLY, "sql_check", CHECK | {"channel": "#alerts", "threshold": 100}
            )
            await scheduler.run_now(alert)
            await scheduler.run_now(quiet)
            alerted = (await eventually(finished_runs(scheduler, alert.id)))[0]
            calm = (await eventually(finished_runs(scheduler, quiet.id)))[0]
            assert alerted.status == calm.status == "succeeded"
            assert alerted.output["delivered_to"] == "#alerts" and calm.output["alert"] is False
            reports = scheduler.store.reports(alert.id)
            assert reports[0].body == "Too many: n = 12 (> 10)"
            assert scheduler.store.reports(quiet.id) == []

        run(test, scheduler)
    assert [(m["channel"], m["text"]) for m in slack.messages] == [
        ("#alerts", "*Alert: too-many*\nToo many: n = 12 (> 10)")
    ]
    assert slack.tokens == ["Bearer xoxb-test"]
