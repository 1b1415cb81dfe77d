"""The SQL guard alone, table-driven over tests/fixtures/sql_guard/*.yaml (no database)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlglot import exp

from db.sql_guard import Catalog, Target, check

FIXTURES = Path(__file__).parent.parent / "fixtures" / "sql_guard"
SAMPLE_TABLES = ("customers", "subscriptions", "plan_changes", "invoices", "usage_metrics", "support_tickets")
# What the live catalog looks like while the engineer's fixtures run (tests/db/test_sql_layers.py).
CATALOG = Catalog(
    {
        "pg_catalog": frozenset({"pg_class", "pg_namespace", "pg_proc"}),
        "public": frozenset(SAMPLE_TABLES),
        "dash": frozenset({"sandbox", "customer_health", "active_subscriptions", "mrr_by_plan"}),
    }
)


def load_cases(pattern: str = "*.yaml") -> list[dict[str, Any]]:
    cases = []
    for path in sorted(FIXTURES.glob(pattern)):
        cases += yaml.safe_load(path.read_text())
    return cases


CASES = load_cases()


def test_fixture_corpus_is_big_enough() -> None:
    refused = [c for c in CASES if c["expect"] == "refused"]
    allowed = [c for c in CASES if c["expect"] == "allowed"]
    assert len(refused) >= 120 and len(allowed) >= 50
    assert {c["role"] for c in refused} == {c["role"] for c in allowed} == {"analyst", "engineer"}
    assert len({(c["role"], c["id"]) for c in CASES}) == len(CASES), "case ids repeat"


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c['role']}-{c['expect']}-{c['id']}")
def test_guard_decides_as_the_fixture_says(case: dict[str, Any]) -> None:
    decision = check(case["role"], case["sql"], CATALOG)
    assert decision.label == case["expect"], decision.reason
    if not decision.allowed:
        assert decision.reason, "a refusal must say why"


def test_unqualified_names_resolve_like_postgres() -> None:
    """`customers` is public's unless dash has its own; creation always lands in dash."""
    shadowed = Catalog({"public": frozenset({"customers"}), "dash": frozenset({"customers"})})
    assert not check("engineer", "DELETE FROM customers", CATALOG).allowed
    assert check("engineer", "DELETE FROM customers", shadowed).allowed
    assert check("engineer", "CREATE TABLE customers (x int)", CATALOG).allowed
    assert not check("engineer", "DROP TABLE pg_class", CATALOG).allowed


@pytest.mark.parametrize(
    ("sql", "root", "targets"),
    [
        ("CREATE VIEW mrr AS SELECT * FROM customers", exp.Create, [("dash", "mrr", "create", "VIEW")]),
        ("DELETE FROM sandbox WHERE true", exp.Delete, [("dash", "sandbox", "delete", "")]),
        ("COMMENT ON COLUMN dash.sandbox.x IS 'x'", exp.Comment, [("dash", "sandbox", "comment", "COLUMN")]),
        (
            "DROP VIEW dash.a, dash.b",
            exp.Drop,
            [("dash", "a", "drop", "VIEW"), ("dash", "b", "drop", "VIEW")],
        ),
        (
            "REFRESH MATERIALIZED VIEW mrr_by_plan",
            exp.Command,
            [("dash", "mrr_by_plan", "refresh", "MATERIALIZED VIEW")],
        ),
        ("SELECT * FROM customers", exp.Select, []),
    ],
)
def test_an_engineer_decision_carries_the_parsed_statement_and_the_targets_it_resolved(
    sql: str, root: type[exp.Expr], targets: list[tuple[str, ...]]
) -> None:
    decision = check("engineer", sql, CATALOG)
    assert decision.allowed and isinstance(decision.statement, root)
    assert decision.targets == tuple(Target(*t) for t in targets)


def test_analyst_and_refused_decisions_carry_what_they_parsed() -> None:
    analyst = check("analyst", "SELECT plan FROM subscriptions", CATALOG)
    assert isinstance(analyst.statement, exp.Select) and analyst.targets == ()
    refused = check("engineer", "DELETE FROM customers", CATALOG)
    assert refused.statement is None and refused.targets == ()


def test_refusals_name_the_problem() -> None:
    assert "dash.customers" in check("engineer", "DELETE FROM customers", CATALOG).reason
    assert "'ai'" in check("analyst", "SELECT * FROM ai.meta", CATALOG).reason
    assert "pg_sleep" in check("analyst", "SELECT pg_sleep(1)", CATALOG).reason
    assert "one statement" in check("analyst", "SELECT 1; SELECT 2", CATALOG).reason
    assert "parsed" in check("analyst", "SELEC 1 FROM", CATALOG).reason


def test_explain_show_and_view_option_refusals_say_what_is_allowed() -> None:
    assert "DELETE" in check("analyst", "EXPLAIN (ANALYZE) DELETE FROM customers").reason
    assert "FORMAT" in check("analyst", "EXPLAIN (ANALYZE, FOO) SELECT 1").reason
    assert "timezone" in check("analyst", "SHOW ALL").reason
    assert (
        "SECURITY_BARRIER" in check("engineer", "CREATE VIEW dash.v WITH (fillfactor = 1) AS SELECT 1").reason
    )
    assert "MATERIALIZED VIEW" in check("engineer", "CREATE VIEW dash.v AS SELECT 1 WITH NO DATA").reason


@pytest.mark.parametrize(
    "role, sql",
    [
        # Postgres would run these harmlessly; the guard keeps its word-by-word grammar narrow.
        ("analyst", 'EXPLAIN ("analyze") SELECT 1'),
        ("analyst", "EXPLAIN (FORMAT 'json') SELECT 1"),
        ("analyst", 'SHOW "TimeZone"'),
        ("engineer", 'CREATE VIEW dash.v WITH ("security_invoker") AS SELECT 1'),
        ("engineer", "CREATE VIEW dash.v WITH (security_barrier = 'true') AS SELECT 1"),
        ("engineer", "CREATE MATERIALIZED VIEW dash.mv WITH (fillfactor = 70) AS SELECT 1"),
        ("engineer", "CREATE TABLE dash.t (x int) WITH (fillfactor = 70)"),
        ("engineer", "EXPLAIN SELECT 1"),
        ("engineer", "SHOW timezone"),
    ],
)
def test_forms_outside_the_narrow_grammar_are_refused(role: str, sql: str) -> None:
    assert not check(role, sql, CATALOG).allowed


def test_unknown_role_is_refused() -> None:
    assert not check("admin", "SELECT 1").allowed
