"""The team end to end: scripted model over real HTTP, real database, the run API `ask()`."""

from __future__ import annotations

import json

from agents import run_events as rev
from agents.team import Deps
from tests.agents import harness
from tests.agents.harness import audit_rows, final, of_type, run
from tests.fakes.model_server import FakeModelServer, call, text, tools

COUNT_SQL = "SELECT count(*) AS customers FROM customers"

# Fixtures from the harness, looked up by pytest in this module.
agents_template, team_db, make_deps, deps = (
    harness.agents_template,
    harness.team_db,
    harness.make_deps,
    harness.deps,
)


def test_a_greeting_is_answered_by_the_leader_without_delegating(
    deps: Deps, model_server: FakeModelServer
) -> None:
    model_server.script(text("Hello! Ask me anything about Acme's data."))
    events = run(deps, "hi there")
    assert isinstance(events[0], rev.RunStarted)
    assert (
        "".join(e.text for e in of_type(events, rev.ContentDelta))
        == "Hello! Ask me anything about Acme's data."
    )
    done = final(events)
    assert isinstance(done, rev.RunCompleted) and done.sql == ()
    assert not of_type(events, rev.Delegated)
    # The Leader has no database tools at all: only its two colleagues.
    assert model_server.chat_requests[0].tool_names == ["ask_analyst", "ask_engineer", "remember"]
    run_record = deps.store.get_run("alice", events[0].run_id)  # type: ignore[attr-defined]
    assert run_record is not None and run_record.status == "completed"


def test_a_data_question_is_routed_to_the_analyst_who_searches_and_runs_sql(
    deps: Deps, model_server: FakeModelServer
) -> None:
    model_server.script(
        tools(call("ask_analyst", {"question": "How many customers do we have?"})),
        tools(call("search_knowledge", {"query": "customers count"})),
        tools(call("run_sql", {"sql": COUNT_SQL, "purpose": "count customers"})),
        text("There are 2000 customers."),
        text("Acme has 2000 customers."),
    )
    events = run(deps, "How many customers do we have?")
    assert [(d.agent, d.task) for d in of_type(events, rev.Delegated)] == [
        ("analyst", "How many customers do we have?")
    ]
    started = [(t.agent, t.tool) for t in of_type(events, rev.ToolStarted)]
    assert started == [("analyst", "search_knowledge"), ("analyst", "run_sql")]
    done = final(events)
    assert isinstance(done, rev.RunCompleted)
    assert done.answer == "Acme has 2000 customers." and done.sql == (COUNT_SQL,)
    assert done.usage["total_tokens"] > 0
    analyst_calls = model_server.chat_requests[1:4]
    assert "run_sql" in analyst_calls[0].tool_names and "save_learning" in analyst_calls[0].tool_names
    sql_result = json.loads(list(analyst_calls[2].tool_results().values())[-1])
    assert sql_result["ok"] and sql_result["columns"] == ["customers"]
    search_result = list(analyst_calls[1].tool_results().values())[-1]
    assert "customers" in search_result
    run_id = events[0].run_id  # type: ignore[attr-defined]
    audited = [r for r in audit_rows(deps, run_id) if r.sql == COUNT_SQL]
    assert audited and audited[0].agent == "analyst" and audited[0].user_id == "alice"
    assert audited[0].session_id == events[0].session_id  # type: ignore[attr-defined]


def test_a_model_failure_fails_the_run_instead_of_leaving_it_running(
    deps: Deps, model_server: FakeModelServer
) -> None:
    from tests.fakes.model_server import error

    model_server.script(error(500, "model exploded"))
    events = run(deps, "How many customers?")
    done = final(events)
    assert isinstance(done, rev.RunFailed) and done.retryable
    assert "HTTP 500" in done.error
    record = deps.store.get_run("alice", events[0].run_id)  # type: ignore[attr-defined]
    assert record is not None and record.status == "failed"


def test_a_specialist_model_failure_fails_the_whole_run(deps: Deps, model_server: FakeModelServer) -> None:
    from tests.fakes.model_server import error

    model_server.script(tools(call("ask_analyst", {"question": "MRR?"})), error(503, "overloaded"))
    events = run(deps, "What is MRR?")
    done = final(events)
    assert isinstance(done, rev.RunFailed) and "HTTP 503" in done.error
    record = deps.store.get_run("alice", events[0].run_id)  # type: ignore[attr-defined]
    assert record is not None and record.status == "failed"
