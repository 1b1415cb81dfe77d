"""A chartable Slack answer gets one PNG of its chart in the thread (fake Slack Web API)."""

from __future__ import annotations

from tests.app.slack_helpers import SlackDash, mention
from tests.fakes.model_server import FakeModelServer, call, text, tools

BY_MONTH = (
    "SELECT d::date AS month, (extract(month FROM d) * 3 + 10)::int AS signups "
    "FROM generate_series('2025-01-01'::date, '2025-06-01'::date, interval '1 month') AS d"
)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_a_chartable_answer_uploads_one_png_of_its_chart_in_the_thread(
    dash: SlackDash, model: FakeModelServer
) -> None:
    model.script(
        tools(call("ask_analyst", {"question": "Signups by month?"})),
        tools(call("run_sql", {"sql": BY_MONTH})),
        text("Signups rose each month."),
        text("Signups grew every month, from 13 to 28."),
    )
    dash.event(mention("How did signups go by month?", ts="910.0001"), "EvChart")
    dash.idle()
    [file] = dash.slack.files()
    assert (file.filename, file.channel, file.thread_ts) == ("chart.png", "C1", "910.0001")
    assert file.content.startswith(PNG_MAGIC) and len(file.content) > 5_000
    assert "Signups grew every month" in dash.slack.posted()[-2].params["text"]  # the answer, then the SQL


def test_an_answer_without_a_chartable_result_uploads_nothing(
    dash: SlackDash, model: FakeModelServer
) -> None:
    model.script(
        tools(call("ask_analyst", {"question": "How many?"})),
        tools(call("run_sql", {"sql": "SELECT 42 AS answer"})),
        text("42."),
        text("There are 42."),
    )
    dash.event(mention("How many?", ts="911.0001"), "EvNoChart")
    dash.idle()
    assert dash.slack.files() == []
