"""A user's memory in a run: read once for all its agents and counted once, and a fact the user
states during the run reaches the colleague asked after it."""

from __future__ import annotations

from sqlalchemy import text as sql

from agents import run_events as rev
from agents.team import Deps
from db.knowledge.memory import remember
from tests.agents import harness
from tests.agents.harness import final, run
from tests.fakes.model_server import FakeModelServer, call, text, tools

agents_template, team_db, make_deps, deps = (
    harness.agents_template,
    harness.team_db,
    harness.make_deps,
    harness.deps,
)


def systems(model_server: FakeModelServer) -> list[str]:
    return [request.messages[0]["content"] for request in model_server.chat_requests]


def use_counts(deps: Deps) -> dict[str, int]:
    with deps.engines.service.connect() as conn:
        rows = conn.execute(sql("SELECT fact, use_count FROM ai.user_memory WHERE user_id = 'alice'"))
        return {row.fact: row.use_count for row in rows}


def test_the_leader_and_the_analyst_both_see_the_users_memory_counted_once(
    deps: Deps, model_server: FakeModelServer
) -> None:
    remember(deps.engines.service, "alice", "Amounts in EUR")
    remember(deps.engines.service, "alice", "Works on EMEA accounts")
    remember(deps.engines.service, "bob", "Prefers pie charts")
    model_server.script(
        tools(call("ask_analyst", {"question": "What was revenue last month?"})),
        text("It was 10."),
        text("Revenue was 10 EUR."),
    )
    assert isinstance(final(run(deps, "What was revenue last month?")), rev.RunCompleted)
    leader, analyst = systems(model_server)[:2]
    for system in (leader, analyst):
        assert "- Amounts in EUR (memory #" in system and "- Works on EMEA accounts" in system
        assert "pie charts" not in system
    assert use_counts(deps) == {"Amounts in EUR": 1, "Works on EMEA accounts": 1}


def test_a_fact_remembered_during_the_run_reaches_the_analyst_asked_next(
    deps: Deps, model_server: FakeModelServer
) -> None:
    model_server.script(
        tools(call("remember", {"fact": "Wants amounts in EUR"})),
        tools(call("ask_analyst", {"question": "What was revenue last month, in EUR?"})),
        text("It was 10."),
        text("Revenue was 10 EUR."),
    )
    assert isinstance(
        final(run(deps, "I want amounts in EUR. What was revenue last month?")), rev.RunCompleted
    )
    leader, analyst = systems(model_server)[0], systems(model_server)[2]
    assert "Wants amounts in EUR" not in leader and "- Wants amounts in EUR (memory #" in analyst
