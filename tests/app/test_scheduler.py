"""The scheduler with the real database: exactly once across replicas, the cron job firing,
failures, misfires, alerts."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from app.scheduling import first_run
from db.engines import DatabaseTarget
from tests.app.scheduler_helpers import (
    CHECK,
    YEARLY,
    MovableClock,
    add,
    eventually,
    finished_runs,
    make_scheduler,
    run,
)
from tests.fakes.model_server import FakeModelServer, text
from tests.fakes.slack_web import fake_slack_web


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


def test_a_schedules_own_cron_job_fires_it_between_syncs(db: DatabaseTarget, pg_home: Path) -> None:
    clock = MovableClock()
    scheduler = make_scheduler(db, pg_home, clock, scheduler_sync_s=3600)  # one sync, at start

    async def test() -> None:
        schedule = add(scheduler, "metric", YEARLY, "sql_check", CHECK)
        await scheduler.start()
        # APScheduler times its jobs by the wall clock, so bring this job's time forward with
        # APScheduler's own API, as if the cron time had come, and move our clock to match.
        apscheduler = scheduler._scheduler
        assert apscheduler is not None
        job = await eventually(lambda: apscheduler.get_job(f"schedule:{schedule.id}"))
        assert job.next_run_time == schedule.next_run_at  # the schedule's cron, mirrored by the sync
        assert schedule.next_run_at is not None
        clock.jump_to(schedule.next_run_at + timedelta(seconds=1))
        assert scheduler.store.runs(schedule.id) == []  # the start-up sync had nothing to fire
        job.modify(next_run_time=datetime.now(UTC) + timedelta(seconds=0.2))
        runs = await eventually(finished_runs(scheduler, schedule.id))
        assert [(r.status, r.trigger, r.scheduled_for) for r in runs] == [
            ("succeeded", "cron", schedule.next_run_at)
        ]

    run(test, scheduler)


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
    with fake_slack_web() as slack:
        clock = MovableClock()
        slack_settings = {"slack_bot_token": "xoxb-test", "slack_api_url": slack.api_url}
        scheduler = make_scheduler(db, pg_home, clock, **slack_settings)

        async def test() -> None:
            alert = add(scheduler, "too-many", YEARLY, "sql_check", CHECK | {"channel": "#alerts"})
            quiet = add(
                scheduler, "fine", YEARLY, "sql_check", CHECK | {"channel": "#alerts", "threshold": 100}
            )
            await scheduler.run_now(alert, "admin")
            await scheduler.run_now(quiet, "admin")
            alerted = (await eventually(finished_runs(scheduler, alert.id)))[0]
            calm = (await eventually(finished_runs(scheduler, quiet.id)))[0]
            assert alerted.status == calm.status == "succeeded"
            assert alerted.output["delivered_to"] == "#alerts" and calm.output["alert"] is False
            reports = scheduler.store.reports(alert.id)
            assert reports[0].body == "Too many: n = 12 (> 10)"
            assert scheduler.store.reports(quiet.id) == []

        run(test, scheduler)
    assert [(c.params["channel"], c.params["text"]) for c in slack.posted()] == [
        ("#alerts", "*Alert: too-many*\nToo many: n = 12 (> 10)")
    ]
    assert slack.tokens == ["Bearer xoxb-test"]


def test_a_long_report_is_posted_as_its_beginning_with_the_whole_attached(
    db: DatabaseTarget, pg_home: Path
) -> None:
    rows = "\n".join(f"| customer {i} | {i * 10} |" for i in range(400))
    answer = f"## MRR by customer\n\n| customer | mrr |\n|---|---|\n{rows}\n\nTotal: **798000**."
    with fake_slack_web() as slack, FakeModelServer() as model:
        model.script(text(answer))
        slack_settings = {"slack_bot_token": "xoxb-test", "slack_api_url": slack.api_url}
        scheduler = make_scheduler(
            db, pg_home, MovableClock(), openai_base_url=model.base_url, **slack_settings
        )

        async def test() -> None:
            payload = {"question": "MRR by customer", "user_id": "alice", "channel": "#reports"}
            schedule = add(scheduler, "mrr-report", YEARLY, "ask", payload)
            await scheduler.run_now(schedule, "admin")
            done = (await eventually(finished_runs(scheduler, schedule.id)))[0]
            assert done.status == "succeeded", done.error
            assert done.output["delivered_to"] == "#reports"

        run(test, scheduler)
    [message] = slack.posted()
    assert message.params["channel"] == "#reports" and "thread_ts" not in message.params
    shown = message.params["text"]
    assert shown.startswith("*mrr-report*\n*MRR by customer*\n\n```")
    assert len(shown) < 4000 and shown.endswith("attached below as `report.md`)_")
    [attached] = slack.files()
    assert (attached.filename, attached.channel, attached.thread_ts) == ("report.md", "#reports", None)
    assert attached.content.decode() == f"**mrr-report**\n{answer}"
