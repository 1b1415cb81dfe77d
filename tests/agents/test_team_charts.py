"""Charts in a run: the result of the Analyst's SQL and its chart reach the final event."""

from __future__ import annotations

import json

from agents import run_events as rev
from agents.team import Deps
from tests.agents import harness
from tests.agents.harness import final, of_type, run
from tests.fakes.model_server import FakeModelServer, call, text, tools

BY_MONTH = (
    "SELECT d::date AS month, (extract(day FROM d) + 10)::int AS signups "
    "FROM generate_series('2025-01-01'::date, '2025-04-01'::date, interval '1 month') AS d"
)

agents_template, team_db, make_deps, deps = (
    harness.agents_template,
    harness.team_db,
    harness.make_deps,
    harness.deps,
)


def _ask(model_server: FakeModelServer, deps: Deps, arguments: dict[str, str]) -> rev.RunCompleted:
    model_server.script(
        tools(call("ask_analyst", {"question": "Signups by month?"})),
        tools(call("run_sql", arguments)),
        text("Signups by month are charted."),
        text("Here they are."),
    )
    events = run(deps, "Signups by month?")
    # The trace has every model call: Leader, Analyst twice, Leader again.
    assert [e.agent for e in of_type(events, rev.ModelCalled)] == ["leader", "analyst", "analyst", "leader"]
    assert all(e.prompt_tokens > 0 and e.latency_ms >= 0 for e in of_type(events, rev.ModelCalled))
    done = final(events)
    assert isinstance(done, rev.RunCompleted)
    return done


def test_a_time_series_answer_carries_its_table_and_a_line_chart(
    deps: Deps, model_server: FakeModelServer
) -> None:
    done = _ask(model_server, deps, {"sql": BY_MONTH, "purpose": "signups by month"})
    assert done.result is not None and done.result["columns"] == ["month", "signups"]
    assert len(done.result["rows"]) == 4
    assert done.chart is not None and done.chart["mark"]["type"] == "line"
    assert done.chart["data"]["values"][0] == {"month": "2025-01-01", "signups": 11}
    tool_result = json.loads(list(model_server.chat_requests[2].tool_results().values())[-1])
    assert tool_result["chart"] == "line"  # the model knows a chart is shown


def test_the_trace_shows_each_statement_with_its_decision_rows_and_error(
    deps: Deps, model_server: FakeModelServer
) -> None:
    model_server.script(
        tools(call("ask_analyst", {"question": "Signups by month?"})),
        tools(call("run_sql", {"sql": BY_MONTH}), call("run_sql", {"sql": "DROP TABLE customers"})),
        text("Charted."),
        text("Here they are."),
    )
    finished = [e for e in of_type(run(deps, "Signups?"), rev.ToolFinished) if e.tool == "run_sql"]
    finished.sort(key=lambda e: str(e.statement))  # the two calls run at the same time
    assert [e.statement for e in finished] == [
        {"decision": "allowed", "rows": 4, "error": None, "chart": "line"},
        {"decision": "refused", "rows": None, "error": finished[1].statement["error"], "chart": None},  # type: ignore[index]
    ]
    assert finished[1].statement and finished[1].statement["error"]


def test_the_analyst_can_ask_for_a_bar_or_for_no_chart(deps: Deps, model_server: FakeModelServer) -> None:
    bar = _ask(model_server, deps, {"sql": BY_MONTH, "chart": "bar"})
    assert bar.chart is not None and bar.chart["mark"]["type"] == "bar"
    model_server.reset()
    none = _ask(model_server, deps, {"sql": BY_MONTH, "chart": "none"})
    assert none.chart is None and none.result is not None
