"""A scheduled question whose answer has a chart: the report keeps the spec, Slack gets a PNG."""

from __future__ import annotations

from pathlib import Path

from db.engines import DatabaseTarget
from tests.app.scheduler_helpers import (
    YEARLY,
    MovableClock,
    add,
    eventually,
    finished_runs,
    make_scheduler,
    run,
)
from tests.fakes.model_server import FakeModelServer, call, text, tools
from tests.fakes.slack_web import fake_slack_web

BY_MONTH = (
    "SELECT d::date AS month, (extract(month FROM d) * 3 + 10)::int AS signups "
    "FROM generate_series('2025-01-01'::date, '2025-06-01'::date, interval '1 month') AS d"
)


def test_a_scheduled_report_stores_its_chart_and_posts_it_as_a_png(db: DatabaseTarget, pg_home: Path) -> None:
    with fake_slack_web() as slack, FakeModelServer() as model:
        model.script(
            tools(call("ask_analyst", {"question": "Signups by month?"})),
            tools(call("run_sql", {"sql": BY_MONTH})),
            text("Signups rose each month."),
            text("Signups grew every month."),
        )
        slack_settings = {"slack_bot_token": "xoxb-test", "slack_api_url": slack.api_url}
        scheduler = make_scheduler(
            db, pg_home, MovableClock(), openai_base_url=model.base_url, **slack_settings
        )

        async def test() -> None:
            payload = {"question": "Signups by month", "user_id": "alice", "channel": "#reports"}
            schedule = add(scheduler, "signups", YEARLY, "ask", payload)
            await scheduler.run_now(schedule, "admin")
            done = (await eventually(finished_runs(scheduler, schedule.id)))[0]
            assert done.status == "succeeded", done.error
            [report] = scheduler.store.reports(schedule.id, 10)
            assert report.data["chart"]["mark"]["type"] == "line"
            assert len(report.data["chart"]["data"]["values"]) == 6

        run(test, scheduler)
    [message] = slack.posted()
    assert message.params["channel"] == "#reports"
    [chart] = slack.files()
    assert (chart.filename, chart.channel) == ("chart.png", "#reports")
    assert chart.content.startswith(b"\x89PNG")
