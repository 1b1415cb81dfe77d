"""The self-learning loop and the Engineer's views, through the run API."""

from __future__ import annotations

from sqlalchemy import text as sql_text

from agents import run_events as rev
from agents.team import Deps
from db.knowledge.proposals import approve_proposal, list_proposals
from tests.agents import harness
from tests.agents.harness import audit_rows, final, of_type, run
from tests.fakes.model_server import FakeModelServer, RecordedRequest, call, respond, text, tools
from tests.fakes.model_turns import Turn

BAD_SQL = "SELECT count(*) FROM subscriptions WHERE status = 'active'"
GOOD_SQL = "SELECT count(*) FROM subscriptions WHERE ended_at IS NULL AND NOT is_trial"
LEARNING = "subscriptions has no status column: active means ended_at IS NULL and NOT is_trial"

# Fixtures from the harness, looked up by pytest in this module.
agents_template, team_db, make_deps, deps = (
    harness.agents_template,
    harness.team_db,
    harness.make_deps,
    harness.deps,
)


def test_an_sql_error_fixed_is_saved_as_a_learning_and_used_next_session(
    deps: Deps, model_server: FakeModelServer
) -> None:
    question = "How many active subscriptions are there?"
    model_server.script(
        tools(call("ask_analyst", {"question": question})),
        tools(call("run_sql", {"sql": BAD_SQL})),
        tools(call("run_sql", {"sql": GOOD_SQL})),
        tools(
            call(
                "save_learning",
                {
                    "title": "active subscriptions",
                    "learning": LEARNING,
                    "context": "column status does not exist",
                },
            )
        ),
        text("N active subscriptions."),
        text("There are N active subscriptions."),
    )
    first = run(deps, question)
    assert isinstance(final(first), rev.RunCompleted)
    error_result = model_server.chat_requests[2].tool_results()
    assert "does not exist" in list(error_result.values())[0]
    assert final(first).sql == (GOOD_SQL,)  # type: ignore[attr-defined]
    # PROPOSE mode (the default): the learning reaches other users once an admin approves it.
    (proposal,) = list_proposals(deps.engines.service)
    assert proposal.title == "active subscriptions"
    approve_proposal(deps.engines.service, proposal.id, reviewer="admin")

    model_server.reset()

    def analyst_sees_the_learning(request: RecordedRequest) -> Turn:
        assert LEARNING in request.messages[0]["content"]
        return tools(call("run_sql", {"sql": GOOD_SQL}))

    model_server.script(
        tools(call("ask_analyst", {"question": "Count the active subscriptions"})),
        respond(analyst_sees_the_learning),
        text("N."),
        text("N active subscriptions."),
    )
    second = run(deps, "Count the active subscriptions", user="bob")
    assert isinstance(final(second), rev.RunCompleted)
    statements = audit_rows(deps, second[0].run_id)  # type: ignore[attr-defined]
    assert [(r.sql, r.error) for r in statements if r.sql == GOOD_SQL] == [(GOOD_SQL, None)]
    assert all(r.error is None for r in statements)  # right the first time


def test_an_engineer_view_is_recorded_by_the_system_and_found_by_the_analyst(
    deps: Deps, model_server: FakeModelServer
) -> None:
    create = (
        "CREATE VIEW dash.monthly_signups AS SELECT date_trunc('month', signup_date) AS month,"
        " count(*) AS signups FROM customers GROUP BY 1"
    )
    purpose = "Monthly customer signups for growth questions"
    model_server.script(
        tools(call("ask_engineer", {"task": "Build a monthly signups view", "purpose": purpose})),
        tools(call("run_sql", {"sql": create, "purpose": purpose})),
        text("Built dash.monthly_signups."),
        text("The view is ready."),
    )
    events = run(deps, "Please build a view of monthly signups")
    assert [d.agent for d in of_type(events, rev.Delegated)] == ["engineer"]
    with deps.engines.service.connect() as conn:
        doc = conn.execute(
            sql_text(
                "SELECT content, metadata FROM ai.documents WHERE kind = 'view' AND name = 'dash.monthly_signups'"
            )
        ).one()
    assert purpose in doc.content and "SELECT * FROM dash.monthly_signups" in doc.content
    assert doc.metadata["columns"] == ["month", "signups"] and doc.metadata["origin"] == "agent"

    model_server.reset()
    model_server.script(
        tools(call("ask_analyst", {"question": "How many customers signed up each month?"})),
        tools(call("search_knowledge", {"query": "customer signups per month"})),
        tools(call("run_sql", {"sql": "SELECT * FROM dash.monthly_signups ORDER BY month"})),
        text("Signups by month: ..."),
        text("Here are the monthly signups."),
    )
    events = run(deps, "How many customers signed up each month?")
    assert isinstance(final(events), rev.RunCompleted)
    found = list(model_server.chat_requests[2].tool_results().values())[-1]
    assert "dash.monthly_signups" in found
    # The view is also in the Analyst's table summaries from the start.
    assert "dash.monthly_signups" in model_server.chat_requests[1].messages[0]["content"]


def test_save_validated_query_refuses_sql_that_did_not_run_in_this_run(
    deps: Deps, model_server: FakeModelServer
) -> None:
    never_ran = "SELECT sum(mrr) FROM subscriptions"
    model_server.script(
        tools(call("ask_analyst", {"question": "Total MRR?"})),
        tools(
            call("save_validated_query", {"name": "total_mrr", "description": "Total MRR", "sql": never_ran})
        ),
        tools(call("run_sql", {"sql": BAD_SQL})),
        tools(call("save_validated_query", {"name": "active_subs", "description": "Active", "sql": BAD_SQL})),
        tools(call("run_sql", {"sql": GOOD_SQL})),
        tools(
            call(
                "save_validated_query",
                {"name": "active_subs", "description": "Active subscriptions", "sql": GOOD_SQL + ";"},
            )
        ),
        text("Saved."),
        text("Done."),
    )
    events = run(deps, "Total MRR?")
    finished = [t for t in of_type(events, rev.ToolFinished) if t.tool == "save_validated_query"]
    assert [t.error is None for t in finished] == [False, False, True]
    assert "has not run successfully in this run" in (finished[0].error or "")
    with deps.engines.service.connect() as conn:
        names = conn.execute(sql_text("SELECT name FROM ai.documents WHERE origin = 'agent'")).scalars().all()
    assert names == ["active_subs"]
