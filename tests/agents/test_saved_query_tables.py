"""A validated query is saved with the tables it reads, taken from the guard's parse of the run that ran it."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from agents.team import Deps
from agents.tools.knowledge import save_query_tool
from agents.tools.sql import SqlLedger, sql_tool
from db.embeddings import local_embedder
from db.knowledge.learnings import CreatedBy
from db.sql_exec import SqlContext, SqlLimits
from tests.agents import harness

agents_template, team_db, make_deps, deps = (
    harness.agents_template,
    harness.team_db,
    harness.make_deps,
    harness.deps,
)
SQL = (
    "WITH paying AS (SELECT * FROM subscriptions WHERE NOT is_trial)"
    " SELECT plan, count(*) AS customers FROM paying JOIN customers USING (customer_id) GROUP BY plan"
)


def test_a_saved_query_lists_the_tables_it_reads_from_the_guards_parse(deps: Deps) -> None:
    ledger = SqlLedger()
    run_sql = sql_tool(deps.engines, "analyst", SqlContext("alice"), ledger, SqlLimits())
    assert asyncio.run(run_sql(SQL))["ok"]
    ran = ledger.success(SQL)
    assert ran is not None and ran.statement is not None, "the ledger keeps what the guard parsed"
    save = save_query_tool(deps.engines, local_embedder(), ledger, CreatedBy(agent="analyst", user="alice"))
    assert "saved validated query" in save("paying_per_plan", "Paying customers per plan", SQL)
    with deps.engines.service.connect() as conn:
        tables = conn.execute(
            text(
                "SELECT metadata -> 'tables' FROM ai.documents WHERE kind = 'query' AND name = 'paying_per_plan'"
            )
        ).scalar_one()
    assert tables == ["customers", "subscriptions"], "the CTE is not a table"
