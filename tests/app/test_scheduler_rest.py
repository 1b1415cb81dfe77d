"""`/v1/schedules` over real HTTP: a schedule added over REST fires and its report is readable; a run
lost with a dead replica reads as interrupted; invalid cron or time zone is a 422 naming the field;
the nightly refresh exists once after restarts."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from app.main import create_app
from db.engines import DatabaseTarget
from db.store.schedule_records import ScheduleSpec
from tests.app.scheduler_helpers import CHECK, HEARTBEAT_S, MovableClock, claimed_by_dead_replica, poll
from tests.conftest import test_settings
from tests.fakes.model_server import FakeModelServer, text
from tests.serve import serve

ASK = {"question": "What was revenue last month?", "user_id": "alice"}


def test_a_schedule_added_over_rest_fires_and_its_report_is_readable(
    db: DatabaseTarget, pg_home: Path
) -> None:
    with FakeModelServer() as model:
        model.script(text("Revenue last month was 42."))
        settings = test_settings(pg_home, openai_base_url=model.base_url, scheduler_sync_s=0.1)
        app = create_app(settings, db)
        with serve(app) as base:
            clock = MovableClock()
            app.state.scheduler.clock = clock
            body = {
                "name": "nightly-revenue",
                "cron": "30 6 * * *",
                "timezone": "Europe/Berlin",
                "task": "ask",
            }
            created = httpx.post(f"{base}/v1/schedules", json=body | {"payload": ASK})
            assert created.status_code == 201, created.text
            schedule = created.json()
            due = datetime.fromisoformat(schedule["next_run_at"])
            assert due.astimezone(clock().tzinfo).hour in (4, 5)  # 06:30 in Berlin
            clock.jump_to(due + timedelta(seconds=1))
            runs = poll(lambda: _finished(base, schedule["id"]))
            reports = httpx.get(f"{base}/v1/schedules/{schedule['id']}/reports").json()
    assert runs[0]["status"] == "succeeded", runs[0]["error"]
    assert datetime.fromisoformat(runs[0]["scheduled_for"]) == due
    assert [(r["title"], r["body"]) for r in reports] == [("nightly-revenue", "Revenue last month was 42.")]


def _finished(base: str, schedule_id: int) -> list[dict[str, Any]]:
    runs = httpx.get(f"{base}/v1/schedules/{schedule_id}/runs").json()
    return [r for r in runs if r["status"] != "running"]


def test_a_run_lost_with_a_dead_replica_reads_as_interrupted(db: DatabaseTarget, pg_home: Path) -> None:
    settings = test_settings(pg_home, scheduler_sync_s=0.1, scheduler_heartbeat_s=HEARTBEAT_S)
    app = create_app(settings, db)
    with serve(app) as base:
        body = {"name": "metric", "cron": "0 3 * * *", "task": "sql_check", "payload": CHECK}
        schedule = httpx.post(f"{base}/v1/schedules", json=body).json()
        lost = claimed_by_dead_replica(app.state.scheduler, app.state.scheduler.store.get(schedule["id"]))
        runs = poll(lambda: _finished(base, schedule["id"]))
    assert [(r["id"], r["status"], r["heartbeat_at"]) for r in runs] == [(lost.id, "interrupted", None)]
    assert runs[0]["error"].startswith("replica dead-host:1 stopped while running this (no heartbeat since ")
    assert runs[0]["error"].endswith("; the next firing runs as scheduled")


def test_invalid_cron_or_timezone_is_a_422_naming_the_field(db: DatabaseTarget, pg_home: Path) -> None:
    check = {"sql": "SELECT 1 AS n", "threshold": 0}
    good = {"name": "c", "cron": "0 4 * * *", "task": "sql_check", "payload": check}
    with serve(create_app(test_settings(pg_home, scheduler_enabled=False), db)) as base:
        bad_cron = httpx.post(f"{base}/v1/schedules", json=good | {"cron": "61 * * * *"})
        short_cron = httpx.post(f"{base}/v1/schedules", json=good | {"cron": "0 4 * *"})
        bad_zone = httpx.post(f"{base}/v1/schedules", json=good | {"timezone": "Mars/Olympus"})
        bad_payload = httpx.post(f"{base}/v1/schedules", json=good | {"payload": {"threshold": 1}})
        created = httpx.post(f"{base}/v1/schedules", json=good).json()
        bad_patch = httpx.patch(f"{base}/v1/schedules/{created['id']}", json={"cron": "* * * * 9"})
    for response, field in [
        (bad_cron, "body.cron"),
        (short_cron, "body.cron"),
        (bad_zone, "body.timezone"),
        (bad_payload, "body.payload"),
        (bad_patch, "body.cron"),
    ]:
        assert response.status_code == 422
        error = response.json()["error"]
        assert error["code"] == "invalid_input"
        assert [f["field"] for f in error["detail"]["fields"]] == [field], error
    assert "5 fields" in short_cron.json()["error"]["message"]
    assert "IANA" in bad_zone.json()["error"]["message"]
    assert "sql: Field required" in bad_payload.json()["error"]["message"]


def test_nightly_knowledge_refresh_exists_once_across_restarts(db: DatabaseTarget, pg_home: Path) -> None:
    settings = test_settings(pg_home)
    for _ in range(2):
        with serve(create_app(settings, db)) as base:
            listed = httpx.get(f"{base}/v1/schedules").json()
    builtin = [s for s in listed if s["name"] == "knowledge-refresh"]
    assert len(builtin) == 1
    assert (builtin[0]["cron"], builtin[0]["timezone"], builtin[0]["task"]) == (
        "0 4 * * *",
        "UTC",
        "knowledge_refresh",
    )
    due = datetime.fromisoformat(builtin[0]["next_run_at"])
    assert (due.hour, due.minute, due.utcoffset()) == (4, 0, timedelta(0))


def test_a_schedule_that_would_be_ignored_refused_or_never_run_is_a_422_when_saved(
    db: DatabaseTarget, pg_home: Path
) -> None:
    check = {"sql": "SELECT 1 AS n", "threshold": 0}
    good = {"name": "c", "cron": "0 4 * * *", "task": "sql_check", "payload": check}
    with serve(create_app(test_settings(pg_home, scheduler_enabled=False), db)) as base:
        created = httpx.post(f"{base}/v1/schedules", json=good).json()
        url = f"{base}/v1/schedules/{created['id']}"
        answers = {
            "create-unknown-field": httpx.post(
                f"{base}/v1/schedules", json=good | {"name": "d", "owner": "bob"}
            ),
            "patch-name": httpx.patch(url, json={"name": "renamed"}),
            "patch-task": httpx.patch(url, json={"task": "ask"}),
            "patch-unknown-field": httpx.patch(url, json={"crom": "0 5 * * *"}),
            "delete-in-sql-check": httpx.patch(
                url, json={"payload": check | {"sql": "DELETE FROM customers"}}
            ),
            "threshold-nan": httpx.patch(url, json={"payload": check | {"threshold": "nan"}}),
            "threshold-inf": httpx.patch(url, json={"payload": check | {"threshold": "-inf"}}),
            "cron-never-fires": httpx.patch(url, json={"cron": "0 0 30 2 *"}),
        }
        unchanged = httpx.get(url).json()
    expected = {
        "create-unknown-field": ("body.owner", "Extra inputs are not permitted"),
        "patch-name": ("body.name", "cannot be changed"),
        "patch-task": ("body.task", "cannot be changed"),
        "patch-unknown-field": ("body.crom", "Extra inputs are not permitted"),
        "delete-in-sql-check": ("body.payload", "refused by the SQL guard: "),
        "threshold-nan": ("body.payload", "threshold must be a finite number"),
        "threshold-inf": ("body.payload", "threshold must be a finite number"),
        "cron-never-fires": ("body.cron", "never fires"),
    }
    seen = {case: _field_and_message(response) for case, response in answers.items()}
    assert {case: (field, expected[case][1] in message) for case, (field, message) in seen.items()} == {
        case: (field, True) for case, (field, _) in expected.items()
    }, seen
    assert unchanged == created


def test_a_schedule_saved_before_the_checks_existed_can_still_be_disabled(
    db: DatabaseTarget, pg_home: Path
) -> None:
    settings = test_settings(pg_home, scheduler_enabled=False)
    app = create_app(settings, db)
    with serve(app) as base:
        spec = ScheduleSpec(name="old", cron="0 0 30 2 *", task="sql_check", payload={"sql": "DELETE FROM t"})
        old = app.state.scheduler.store.create(spec, "admin", None)
        disabled = httpx.post(f"{base}/v1/schedules/{old.id}/disable")
        enabled = httpx.post(f"{base}/v1/schedules/{old.id}/enable")
    assert disabled.status_code == 200 and disabled.json()["enabled"] is False
    assert enabled.status_code == 422


def _field_and_message(response: httpx.Response) -> tuple[str, str]:
    """The one field a 422 names, and its message ("<status>", body otherwise)."""
    if response.status_code != 422:
        return f"<{response.status_code}>", response.text
    error = response.json()["error"]
    return ",".join(f["field"] for f in error["detail"].get("fields", [])), error["message"]
