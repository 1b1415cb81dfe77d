"""A REST cancel stops a run wherever it was started: a Slack question and a scheduled question
are runs of the same runner, so `POST /v1/runs/{id}/cancel` by their owner ends them at once,
and the Slack thread or the schedule's history says the question was cancelled. A cancel made on
another replica stops it at once too (NOTIFY), not at its next heartbeat."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

from app.slack.responder import STOPPED
from tests.app.api_fixtures import Api, parse_sse
from tests.app.scheduler_helpers import poll
from tests.app.slack_helpers import SlackDash, mention
from tests.fakes.model_server import FakeModelServer, text

SLOW = text("Counting slowly. " * 200, chunk_size=4, chunk_delay=0.05)  # about a minute of answer
WITHIN_S = 1.0


def test_a_slack_question_is_cancelled_over_rest_within_a_second(
    dash: SlackDash, model: FakeModelServer
) -> None:
    model.script(SLOW)
    dash.event(mention("Count to a thousand, slowly.", ts="300.0001"), "EvSlow")
    key = dash.api.key("slack:T1:U1")  # the Slack user's own runs: theirs to cancel
    run_id = poll(lambda: _running_run(dash.api, key))
    took, run = _cancel(dash.api, key, run_id)
    dash.idle()
    assert (run["status"], took <= WITHIN_S) == ("cancelled", True), f"{run['status']} after {took:.2f} s"
    assert dash.slack.posted()[-1].params["text"] == STOPPED


def test_a_scheduled_question_is_cancelled_over_rest_within_a_second(
    api: Api, model: FakeModelServer
) -> None:
    model.script(SLOW)
    body = {"name": "slow-count", "cron": "0 3 1 1 *", "task": "ask"}
    payload = {"question": "Count to a thousand, slowly.", "user_id": "alice"}
    with api.client(api.key("ops", "admin")) as admin:
        schedule = admin.post("/v1/schedules", json=body | {"payload": payload}).json()
        assert admin.post(f"/v1/schedules/{schedule['id']}/run").status_code == 202
    key = api.key("alice")  # the schedule asks as alice: the run is hers to cancel
    run_id = poll(lambda: _running_run(api, key))
    took, run = _cancel(api, key, run_id)
    with api.client(api.key("ops", "admin")) as admin:
        history = poll(lambda: _finished(admin.get(f"/v1/schedules/{schedule['id']}/runs").json()))
    assert (run["status"], took <= WITHIN_S) == ("cancelled", True), f"{run['status']} after {took:.2f} s"
    assert history[0]["status"] == "failed"
    assert history[0]["error"] == f"the run {run_id} was cancelled: Cancelled on request."


def test_a_cancel_on_another_replica_stops_the_run_within_a_second(
    start_api: Callable[..., Api], model: FakeModelServer
) -> None:
    model.script(SLOW)
    driving, other = start_api(), start_api()  # two replicas of one service, one database
    poll(lambda: driving.app.state.listener.listening.is_set())
    key = driving.key("alice")
    with (
        driving.client(key) as http,
        http.stream("POST", "/v1/ask", json={"message": "Count slowly."}) as stream,
    ):
        events = parse_sse(stream.iter_lines())
        run_id = next(events).data["run_id"]  # type: ignore[index]
        took, run = _cancel(other, key, run_id)
        final = next(e for e in events if e.event in ("run_completed", "run_failed", "run_cancelled"))
    assert (run["status"], took <= WITHIN_S) == ("cancelled", True), f"{run['status']} after {took:.2f} s"
    assert (final.event, final.data["reason"]) == ("run_cancelled", "Cancelled on request.")  # type: ignore[index]


def _running_run(api: Api, key: str) -> str | None:
    with api.client(key) as http:
        for session in http.get("/v1/sessions").json()["items"]:
            for run in http.get(f"/v1/sessions/{session['id']}").json()["runs"]:
                if run["status"] == "running":
                    return str(run["id"])
    return None


def _cancel(api: Api, key: str, run_id: str) -> tuple[float, dict[str, Any]]:
    """Cancel over REST; how long until the run reads as ended, and the run then."""
    with api.client(key) as http:
        started = time.monotonic()
        assert http.post(f"/v1/runs/{run_id}/cancel").status_code == 202
        run = poll(lambda: _ended(http, run_id), timeout_s=30)
        return time.monotonic() - started, run


def _ended(http: httpx.Client, run_id: str) -> dict[str, Any] | None:
    run: dict[str, Any] = http.get(f"/v1/runs/{run_id}").json()
    return run if run["status"] != "running" else None


def _finished(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in runs if r["status"] != "running"]
