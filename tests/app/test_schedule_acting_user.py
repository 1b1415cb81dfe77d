"""An admin's schedule may ask as any user: the admin who made it run is recorded on the schedule's
run and on every SQL statement in the audit trail, next to the user it ran as."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

from tests.app.api_fixtures import Api
from tests.fakes.model_server import FakeModelServer, call, text, tools


def test_a_schedule_run_by_one_admin_as_another_user_names_that_admin_in_run_and_audit(
    start_api: Callable[..., Api], model: FakeModelServer
) -> None:
    api = start_api()
    boss, chief = api.client(api.key("boss", "admin")), api.client(api.key("chief", "admin"))
    alice = api.client(api.key("alice"))
    model.script(
        tools(call("ask_analyst", {"question": "how many"})),
        tools(call("run_sql", {"sql": "SELECT 1 AS one"})),
        text("One."),
        text("The answer is one."),
    )
    payload = {"question": "How many?", "user_id": "alice", "channel": "#general"}
    body = {"name": "as-alice", "cron": "0 3 1 1 *", "task": "ask", "payload": payload, "enabled": False}
    with boss, chief, alice:
        schedule = boss.post("/v1/schedules", json=body).json()
        started = chief.post(f"/v1/schedules/{schedule['id']}/run")
        run = _poll(lambda: _finished(boss, schedule["id"]))
        audited = boss.get("/v1/audit", params={"user": "alice"}).json()["items"]
        by_chief = boss.get("/v1/audit", params={"acting_user": "chief"}).json()["items"]
        [session] = alice.get("/v1/sessions").json()["items"]
        check = {"sql": "SELECT 2 AS n", "threshold": 5}
        metric = boss.post(
            "/v1/schedules", json=body | {"name": "metric", "task": "sql_check", "payload": check}
        )
        chief.post(f"/v1/schedules/{metric.json()['id']}/run")
        _poll(lambda: _finished(boss, metric.json()["id"]))
        checked = boss.get("/v1/audit", params={"user": "schedule:metric"}).json()["items"]
    assert (schedule["created_by"], schedule["updated_by"]) == ("boss", "boss")
    assert started.json()["acting_user"] == "chief"
    assert (run["status"], run["acting_user"]) == ("succeeded", "chief"), run
    assert [(a["sql"], a["user_id"], a["acting_user"]) for a in audited] == [
        ("SELECT 1 AS one", "alice", "chief")
    ]
    assert by_chief == audited
    assert session["metadata"] == {"schedule": "as-alice", "asked_by": "chief"}  # alice can see who asked
    assert run["output"]["run_id"] == audited[0]["run_id"]
    assert [(a["sql"], a["acting_user"]) for a in checked] == [("SELECT 2 AS n", "chief")]


def _finished(client: httpx.Client, schedule_id: int) -> dict[str, Any] | None:
    runs = client.get(f"/v1/schedules/{schedule_id}/runs").json()
    return runs[0] if runs and runs[0]["status"] != "running" else None


def _poll(probe: Callable[[], dict[str, Any] | None], timeout_s: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while (found := probe()) is None:
        assert time.monotonic() < deadline, "the schedule run did not finish"
        time.sleep(0.05)
    return found
